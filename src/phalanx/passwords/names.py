"""First names and surnames of many languages, read from the `faker` package's person data.

People build passwords from names — their own, a partner's, a child's — with a year:
`alena_plotnikova_1995`, `valya.shapoval`. zxcvbn's lists are English; a cracker's are not
(JtR and hashcat users load name lists of every country). `faker` ships per-locale first
names, surnames and patronymics (ru_RU, uk_UA, pl_PL, de_DE, tr_TR...), and `faker`'s lorem
providers ship a thousand common words of a dozen languages; `anyascii` writes them in the
Latin letters people type. Nothing is copied into Phalanx: the lists are read from the
installed packages once, when a policy is built (`dictionary()`, about 0.5 s, cached).

Names are written the ways people write them:

- in Latin letters, lower case, without accents (`Łukasz` -> `lukasz`), German umlauts also as
  `ae oe ue` (`Müller` -> `muller`, `mueller`);
- Cyrillic names in the four transliterations people use (the `anyascii` one, the passport
  one of ICAO 9303, a scientific one with `j`, and the informal one of Russian chats with
  `h` and `c`: `Юлия` -> `yuliya`, `iuliia`, `julija`, `yuliya`), and as written (`юлия`,
  `юлиа` with `ё` also as `е`);
- Slavic surnames in both genders (`Плотников` gives `plotnikov` and `plotnikova`;
  `-ский`/`-ская`, Polish `-ski`/`-ska`), since a list has usually one of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from anyascii import anyascii

FIRST_NAME, SURNAME = "first_name", "surname"
MIN_LENGTH = 3  # as for every banned term

# Scripts whose names anyascii writes the way people spell them in Latin letters; abjads
# (Arabic, Hebrew) lose their vowels and Brahmic scripts their inherent ones (`krphnth`).
_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN", "CJK", "HANGUL"})
_LETTERS = re.compile("[^a-z]+")
_CYRILLIC_WORD = re.compile("[а-яёіїєґ]+")

# Cyrillic letters written differently by the four transliterations people use (anyascii is
# the first): anything else is as anyascii writes it.
_CYRILLIC_SCHEMES: tuple[dict[str, str], ...] = (
    {},
    {"й": "i", "х": "kh", "ц": "ts", "щ": "shch", "ю": "iu", "я": "ia", "ъ": "ie", "ё": "e",
     "ї": "i", "є": "ie"},  # ICAO 9303, Russian and Ukrainian passports since 2013
    {"й": "j", "х": "h", "ц": "c", "щ": "sch", "ю": "ju", "я": "ja", "ё": "jo", "ж": "zh",
     "ї": "ji", "є": "je", "ь": "j"},  # scientific / GOST-style with j
    {"й": "y", "х": "h", "ц": "c", "щ": "sch", "ю": "yu", "я": "ya", "ё": "e", "кс": "x",
     "ї": "yi", "є": "e"},  # informal, as typed in chats and e-mail addresses
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Slavic surnames change with gender: the other form of every surname a list has
_GENDER_FORMS = (("ova", "ov"), ("eva", "ev"), ("ina", "in"), ("yna", "yn"),
                 ("skaya", "skiy"), ("skaya", "skii"), ("skaja", "skij"), ("ska", "ski"),
                 ("cka", "cki"))
_CYRILLIC_GENDER = (("ова", "ов"), ("ева", "ев"), ("ина", "ин"), ("ская", "ский"),
                    ("цкая", "цкий"))


# Slavic names grow suffixes: surnames made from a first name (Davidyuk, Efimkin, Ivanov,
# Petrenko) and endearing forms of it (Marinochka, Galinka, Vitalik), Russified surnames of
# the Caucasus and Central Asia the same way (Aliyev, Gusenova). A first name (or the name
# without its last vowel) followed by one of these is a surname or a first name too.
NAME_SUFFIXES = {
    SURNAME: ("ov", "ova", "ev", "eva", "in", "ina", "yn", "yna", "enko", "uk", "yuk", "iuk",
              "juk", "chuk", "ovich", "evich", "ovych", "kin", "kina", "ovsky", "ovskiy",
              "ovskaya", "ovski", "ovska", "sky", "skiy", "skaya", "ski", "ska", "ich",
              "ов", "ова", "ев", "ева", "ин", "ина", "енко", "ук", "юк", "чук", "ович",
              "евич", "кин", "кина", "овский", "овская", "ский", "ская"),
    FIRST_NAME: ("ka", "ochka", "echka", "enka", "onka", "ik", "chik", "ushka", "yushka",
                 "iushka", "ulya", "ulia", "usya", "usia", "onok", "yonok", "enok", "ok",
                 "ка", "очка", "ечка", "енька", "онька", "ик", "чик", "ушка", "юшка",
                 "уля", "уся", "онок", "ёнок", "енок"),
}


@dataclass(frozen=True)
class NameDictionary:
    kinds: dict[str, str]  # name (Latin letters or Cyrillic, lower case) -> FIRST_NAME | SURNAME
    words: frozenset[str]  # common words of other languages (lorem lists), same forms
    # the Latin-letter forms of the names and words written in Cyrillic (plotnikova,
    # kryuchkov): their own letter model (letters.transliterated_model)
    transliterated: frozenset[str] = frozenset()

    def training_words(self) -> Iterator[str]:
        """The Latin-letter entries, for the letter model."""
        for entry in (*self.kinds, *self.words):
            if entry.isascii():
                yield entry


@cache
def dictionary() -> NameDictionary:
    """Every name and word of faker's locales, in the forms above; built once."""
    kinds: dict[str, str] = {}
    transliterated: set[str] = set()
    for name, kind in dict.fromkeys(_faker_names()):
        forms = spellings(name, surname=kind == SURNAME)
        for form in forms:
            # a name that is a first name anywhere is called one
            if kinds.get(form) != FIRST_NAME:
                kinds[form] = kind
        if _CYRILLIC_WORD.search(name.lower()):
            transliterated.update(form for form in forms if form.isascii())
    words: set[str] = set()
    for word in set(_faker_words()):
        forms = spellings(word)
        words.update(forms)
        if _CYRILLIC_WORD.search(word.lower()):
            transliterated.update(form for form in forms if form.isascii())
    return NameDictionary(kinds, frozenset(words - kinds.keys()), frozenset(transliterated))


def spellings(name: str, surname: bool = False) -> set[str]:
    """The lower-case forms a name (or word) is typed in; parts of compound names too."""
    out: set[str] = set()
    text = unicodedata.normalize("NFC", name).lower()
    if not _readable(text):
        return out
    pieces = re.split(r"[\s\-]+", text)
    for piece in (*pieces, "".join(pieces)) if len(pieces) > 1 else pieces:
        for form in _forms(piece):
            out.add(form)
            if surname:
                out.update(_other_gender(form))
    return {form for form in out if len(form) >= MIN_LENGTH}


def _forms(piece: str) -> set[str]:
    if _CYRILLIC_WORD.search(piece):
        cyrillic = "".join(_CYRILLIC_WORD.findall(piece))
        forms = {cyrillic, cyrillic.replace("ё", "е")}
        for scheme in _CYRILLIC_SCHEMES:
            text = cyrillic
            for letters, latin in scheme.items():
                text = text.replace(letters, latin)
            forms.add(_latin(text))
        return forms
    if piece.isascii():
        return {_LETTERS.sub("", piece)}
    return {_latin(piece), _latin(piece.translate(_UMLAUTS))}


class _Transliteration(dict[int, str]):
    """anyascii's table, one code point at a time, for str.translate (filled as used)."""

    def __missing__(self, code: int) -> str:
        self[code] = anyascii(chr(code)).lower()
        return self[code]


_TO_LATIN = _Transliteration()


def _latin(text: str) -> str:
    return _LETTERS.sub("", text.translate(_TO_LATIN))


def _other_gender(form: str) -> Iterator[str]:
    table = _CYRILLIC_GENDER if not form.isascii() else _GENDER_FORMS
    for female, male in table:
        if form.endswith(female):
            yield form[: -len(female)] + male
        elif form.endswith(male):
            yield form[: -len(male)] + female


def _readable(text: str) -> bool:
    """Written in a script anyascii turns into the Latin spelling people use."""
    return text.isascii() or all(map(_readable_letter, text))


@cache
def _readable_letter(char: str) -> bool:
    return not char.isalpha() or unicodedata.name(char, "?").split()[0] in _SCRIPTS


def _faker_names() -> Iterator[tuple[str, str]]:
    """(name, kind) of every first name, patronymic and surname of every faker locale."""
    import faker.providers.person as person

    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute, values in vars(provider).items():
            if not attribute.startswith(("first_name", "last_name", "middle_name")):
                continue
            kind = SURNAME if attribute.startswith("last_name") else FIRST_NAME
            for value in _entries(values):
                yield value, kind


def _entries(values: object) -> Iterator[str]:
    """Names of a provider attribute: a tuple, a list or a weighted dict of names; Japanese
    ones as (kanji, kana, romaji) triples, of which the romaji is what people type."""
    if not isinstance(values, (tuple, list, dict)):
        return
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, tuple) and value and isinstance(value[-1], str):
            yield value[-1]


# faker's providers whose locale data is words of the locale's language: lorem text, job
# titles, colours, month and day names, and place and street names
_WORD_PROVIDERS = ("lorem", "job", "color", "date_time", "address", "company")
_WORD = re.compile(r"[^\W\d_]+")


def _faker_words() -> Iterator[str]:
    """The words of every language in faker's locale data (not lorem ipsum's Latin)."""
    import faker.providers as providers

    latin = importlib.import_module(f"{providers.__name__}.lorem.la").Provider.word_list
    for kind in _WORD_PROVIDERS:
        package = importlib.import_module(f"{providers.__name__}.{kind}")
        for module in pkgutil.iter_modules(package.__path__):
            provider = getattr(importlib.import_module(f"{package.__name__}.{module.name}"),
                               "Provider", None)
            for name, values in vars(provider).items() if provider else ():
                if name.startswith("_") or values == latin:
                    continue
                for text in _texts(values):
                    if "{" not in text and "#" not in text:  # not a format
                        yield from _WORD.findall(text)


def _texts(values: object) -> Iterator[str]:
    if isinstance(values, str):
        yield values
    elif isinstance(values, (tuple, list)):
        for value in values:
            if isinstance(value, str):
                yield value
    elif isinstance(values, dict):
        for key, value in values.items():
            yield from _texts(key)
            yield from _texts(value)
