"""Turning a password into the shapes a sprayer's rules start from.

People dress a guessable word up the same few ways: capitals, digits and symbols at the ends,
and look-alike substitutions (P@ssw0rd). Undoing those maps many passwords onto one base word,
so one deny-list entry blocks all of its dressed-up variants.
"""

from __future__ import annotations

import re
import unicodedata

# Look-alike substitutions (NCSC / Entra / Lithnet tables). "1" and "!" are read both as "i"
# and as "l", so a password yields two normalised forms of the same length.
_LEET_I = str.maketrans({"0": "o", "1": "i", "!": "i", "3": "e", "4": "a", "@": "a", "^": "a",
                         "$": "s", "5": "s", "7": "t", "+": "t", "8": "b", "9": "g", "6": "g",
                         "(": "c", "|": "l", "2": "z"})
_LEET_L = str.maketrans({"1": "l", "!": "l"})

_YEAR = re.compile(r"(19[5-9]\d|20[0-4]\d)")


def fold(password: str) -> str:
    """Case and Unicode compatibility forms do not make a password harder to guess."""
    return unicodedata.normalize("NFKC", password).casefold()


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


def is_year(text: str) -> bool:
    return _YEAR.fullmatch(text) is not None


def decode_mojibake(line: str) -> str:
    """UTF-8 that was decoded as Windows-1252 and encoded again ('Ð¿Ð°Ñ€' -> 'пар')."""
    for codec in ("cp1252", "latin-1"):
        try:
            return line.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return line
