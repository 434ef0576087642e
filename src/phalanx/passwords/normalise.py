"""Turning a password into the shapes a sprayer's rules start from.

People dress a guessable word up the same few ways: capitals, digits and symbols at the ends,
and look-alike substitutions (P@ssw0rd). Undoing those maps many passwords onto one base word,
so one deny-list entry blocks all of its dressed-up variants.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from anyascii import anyascii

# Look-alike substitutions (NCSC / Entra / Lithnet tables). "1" and "!" are read both as "i"
# and as "l", so a password yields two normalised forms of the same length.
_LEET_I = str.maketrans({"0": "o", "1": "i", "!": "i", "3": "e", "4": "a", "@": "a", "^": "a",
                         "$": "s", "5": "s", "7": "t", "+": "t", "8": "b", "9": "g", "6": "g",
                         "(": "c", "|": "l", "2": "z"})
_LEET_L = str.maketrans({"1": "l", "!": "l"})

# The Russian ЙЦУКЕН layout (and the Ukrainian one's own letters) key by key onto US QWERTY:
# someone who types "qwerty" or "password" with the Cyrillic layout on gets "йцукен", "зфыыцщкв".
_CYRILLIC_KEYS = str.maketrans(dict(zip(
    "йцукенгшщзхъфывапролджэячсмитьбюёіїє",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.`s]'", strict=True)))

# ... and the other way: Russian typed with the English layout on ("dfczcghjcbnm" is
# "васяспросить"): the letter keys and the four punctuation keys that are letters there
_LATIN_KEYS = str.maketrans(dict(zip(
    "qwertyuiop[]asdfghjkl;'zxcvbnm", "йцукенгшщзхъфывапролджэячсмить", strict=True)))

YEAR = r"(?:19[5-9]\d|20[0-4]\d)"  # 1950-2049
_YEAR = re.compile(YEAR)


def fold(password: str) -> str:
    """Case, Unicode compatibility forms and accents do not make a password harder to guess:
    accented Latin letters are read as people type them without (`Łukasz` is `lukasz`,
    `ß` is `ss`); Cyrillic and other scripts stay as they are."""
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded.isascii():
        return folded
    return "".join(_unaccented(char) for char in folded)


@cache
def _unaccented(char: str) -> str:
    if char.isascii() or not unicodedata.name(char, "").startswith("LATIN"):
        return char
    return anyascii(char).lower() or char


def core_span(text: str) -> tuple[int, int]:
    """Where the password is once leading and trailing digits and symbols are set aside."""
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return start, end


def unleet(text: str) -> tuple[str, ...]:
    """The look-alike readings of `text`, each the same length (positions still line up)."""
    as_i = text.translate(_LEET_I)
    as_l = text.translate(_LEET_L).translate(_LEET_I)
    return (as_i,) if as_i == as_l else (as_i, as_l)


def base_forms(password: str) -> tuple[str, ...]:
    """Folded, ends stripped, look-alikes undone: 'P@55w0rd!2024' -> ('password',)."""
    folded = fold(password)
    start, end = core_span(folded)
    return unleet(folded[start:end])


def from_cyrillic_layout(text: str) -> str:
    """The keys pressed, read on a QWERTY keyboard ('зфыыцщкв' -> 'password')."""
    return text.translate(_CYRILLIC_KEYS)


def to_cyrillic_layout(text: str) -> str:
    """The keys pressed, read on a Russian keyboard ('dfczcghjcbnm' -> 'васяспросить')."""
    return text.translate(_LATIN_KEYS)


def is_year(text: str) -> bool:
    return _YEAR.fullmatch(text) is not None


def _byte_table(codec: str) -> dict[str, int]:
    """Character -> byte as `codec` decodes it; bytes it leaves undefined pass as latin-1."""
    table: dict[str, int] = {}
    for byte in range(256):
        try:
            char = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            char = chr(byte)
        table[char] = byte
    return table


# UTF-8 read back as Windows-1252 (Western lists) or Windows-1251 (Russian sites), sometimes
# twice. Where the middle step lost a byte (cp1252 leaves five bytes undefined: 'Ñ\ufffd' was
# 'с' or 'я'), the character is unknown and becomes U+FFFD; where it turned a no-break space
# into a space ('Ð ' was 'Р', 'â€ ' was '†'), the space is read back as one.
_BYTES = {codec: _byte_table(codec) for codec in ("cp1252", "cp1251")}
_LOST = re.compile("[ÐÑ]\ufffd")
_SPACED = re.compile("(?<=[ÐÑ]) ")


def decode_mojibake(line: str) -> str:
    """UTF-8 decoded as Windows-1252/1251 and encoded again, up to three times over.

    'Ð¿Ð°Ñ€Ð¾Ð»ÑŒ' -> 'пароль'; a line that is not such mojibake comes back unchanged.
    """
    for _ in range(3):
        repaired = _decode_once(line)
        if repaired == line:
            break
        line = repaired
    return line


def _decode_once(line: str) -> str:
    marked = _LOST.sub("ï¿½", line)
    for text in dict.fromkeys((marked, _SPACED.sub("\xa0", marked),
                               marked.replace(" ", "\xa0"))):
        for table in _BYTES.values():
            try:
                repaired = bytes(table[char] for char in text).decode("utf-8")
            except (KeyError, UnicodeDecodeError):
                continue
            if len(repaired) < len(line):
                return repaired
    return line
