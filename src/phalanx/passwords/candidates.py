"""The mangling rules a sprayer (or a cracker's first pass) applies to a base word.

Each rule is one capitalisation x one substitution set x one ending — the same shapes that
hashcat's best66/leetspeak/toggles rule files try first and that spray tools feed from a
season or an organisation name: `Winter2024!`, `P@ssw0rd1`, `NORTHWICK123`. About 750 rules.

Rules are applied to many words at once as NumPy arrays of UTF-16 code units (the form the NT
hash is computed over), so candidates never exist as Python strings unless one matches.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from phalanx.passwords.nthash import MAX_UNITS

U32 = npt.NDArray[np.uint32]

CASES = ("lower", "capital", "upper")
LEETS: dict[str, dict[str, str]] = {
    "none": {},
    "o→0": {"o": "0"},
    "a→@ e→3 i→1 o→0 s→$": {"a": "@", "e": "3", "i": "1", "o": "0", "s": "$"},
}
_FIXED_ENDINGS = ("", *"0123456789", *"!?.@#$*", "!!", "1!", "12", "123", "1234", "12345",
                  "123!", "01", "11", "69", "99", "007")


@dataclass(frozen=True)
class Rule:
    case: str
    leet: str
    ending: str

    @property
    def is_identity(self) -> bool:
        return self.case == "lower" and self.leet == "none" and not self.ending

    def describe(self) -> str:
        steps = {"lower": [], "capital": ["capitalise"], "upper": ["upper case"]}[self.case]
        if self.leet != "none":
            steps.append(self.leet)
        if self.ending:
            steps.append(f"append {self.ending!r}")
        return ", ".join(steps) or "as is"

    def apply(self, word: str) -> str:
        """The candidate as a string (for reports with --reveal and for tests)."""
        text = {"lower": word, "capital": word[:1].upper() + word[1:],
                "upper": word.upper()}[self.case]
        table = LEETS[self.leet]
        text = "".join(table.get(c.lower(), c) for c in text) if table else text
        return text + self.ending


def default_rules(first_year: int = 1990, last_year: int = 2030) -> list[Rule]:
    years = [str(y) for y in range(first_year, last_year + 1)]
    recent = [f"{y}!" for y in range(max(first_year, last_year - 12), last_year + 1)]
    endings = (*_FIXED_ENDINGS, *years, *recent)
    return [Rule(case, leet, ending) for leet in LEETS for case in CASES for ending in endings]


# ---------------------------------------------------------------- vectorised application

@dataclass
class WordUnits:
    """Lower-cased base words as (N, 28) UTF-16 code units; words too long are left out."""

    words: list[str]  # sorted by length in code units
    units: U32
    lengths: npt.NDArray[np.int64]
    groups: list[tuple[int, int, int]]  # (length, first row, end row)


def encode_words(words: Sequence[str]) -> WordUnits:
    kept = sorted((w for w in dict.fromkeys(w.lower() for w in words)
                   if 0 < len(w.encode("utf-16-le")) // 2 <= MAX_UNITS),
                  key=lambda w: len(w.encode("utf-16-le")))
    units = np.zeros((len(kept), MAX_UNITS + 1), dtype=np.uint32)
    lengths = np.zeros(len(kept), dtype=np.int64)
    for row, word in enumerate(kept):
        code = np.frombuffer(word.encode("utf-16-le"), dtype="<u2")
        units[row, : len(code)] = code
        lengths[row] = len(code)
    changes = np.flatnonzero(np.diff(lengths)) + 1
    bounds = [0, *changes.tolist(), len(kept)]
    groups = [(int(lengths[a]), a, b) for a, b in itertools.pairwise(bounds)
              if b > a]
    return WordUnits(kept, units, lengths, groups)


def _table(case: str, leet: str) -> U32:
    table = np.arange(1 << 16, dtype=np.uint32)
    if case == "upper":
        table[ord("a"): ord("z") + 1] -= 32
    for plain, substitute in LEETS[leet].items():
        table[ord(plain)] = ord(substitute)
        table[ord(plain.upper())] = ord(substitute)
    return table


def transformed_words(base: WordUnits, case: str, leet: str) -> U32:
    """MD4 message words (16, N) of every base word under one case and substitution set.

    Computed once per (case, substitution) pair; each ending is then written into a copy, so
    a rule costs one copy and a few column writes before hashing.
    """
    units = _table(case, leet)[base.units]
    if case == "capital":
        first = base.units[:, 0]
        lower = (first >= ord("a")) & (first <= ord("z")) & (units[:, 0] == first)
        units[:, 0] = np.where(lower, first - 32, units[:, 0])
    words = np.zeros((16, len(base.words)), dtype=np.uint32)
    words[:14] = (units[:, 0:28:2] | (units[:, 1:28:2] << np.uint32(16))).T
    return words


def rule_blocks(prepared: U32, base: WordUnits,
                ending: str) -> tuple[U32, npt.NDArray[np.bool_]]:
    """Padded MD4 blocks for `prepared` words plus `ending`, and which fit one block.

    Base words are sorted by length, so within one length group the ending lands on the same
    units for every word: a handful of column writes per group instead of a scatter.
    """
    words = prepared.copy()
    code = [ord(c) for c in ending.encode("utf-16-le").decode("utf-16-le")]
    fits = np.ones(words.shape[1], dtype=np.bool_)
    for length, start, end in base.groups:
        total = length + len(code)
        if total > MAX_UNITS:
            fits[start:end] = False
            continue
        for offset, unit in enumerate((*code, 0x80)):
            position = length + offset
            words[position >> 1, start:end] |= np.uint32(unit << (16 * (position & 1)))
        words[14, start:end] = total * 16
    return words, fits
