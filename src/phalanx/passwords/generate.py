"""Three (or more) random words from the EFF large word list, drawn with `secrets`.

The list comes from the `xkcdpass` package, which ships it (EFF, CC BY 3.0 US): 7,776 words,
so each word adds log2(7776) = 12.9 bits. A phrase `check` would refuse (rare: a word pair
that reads as a common phrase, a pattern zxcvbn rates low) is drawn again; the entropy shown
is that of the draw: with the default "-" separator refusals are 0.13 % of draws
(3.4 % without a separator), which costs at most 0.05 bits (log2 of the accepted share).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SYMBOLS = "!#%+-=?@"
MAX_DRAWS = 1000  # a policy no phrase can pass would otherwise loop for ever


@dataclass(frozen=True)
class Passphrase:
    text: str
    bits: float  # entropy of the draw
    draws: int  # how many phrases were drawn to get one the policy accepts


@cache
def eff_long_words() -> tuple[str, ...]:
    """The EFF large list as xkcdpass ships it (`static/eff-long`, one word a line)."""
    import xkcdpass

    path = Path(xkcdpass.__file__).parent / "static" / "eff-long"
    words = [line.split()[-1] for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    return tuple(dict.fromkeys(words))


def draw(words: int = 3, separator: str = "-", capital: bool = False,
         digit: bool = False) -> tuple[str, float]:
    """One phrase and its entropy in bits, before any policy check."""
    vocabulary = eff_long_words()
    chosen = [secrets.choice(vocabulary) for _ in range(words)]
    bits = words * math.log2(len(vocabulary))
    if capital:  # a legacy rule's capital: which word gets it adds a little
        index = secrets.randbelow(words)
        chosen[index] = chosen[index].capitalize()
        bits += math.log2(words)
    text = separator.join(chosen)
    if digit:
        text += separator + str(secrets.randbelow(10))
        bits += math.log2(10)
    return text, bits


def generate(words: int = 3, separator: str = "-", capital: bool = False, digit: bool = False,
             accept: Callable[[str], bool] | None = None) -> Passphrase:
    """A phrase `accept` (usually the check policy) agrees to; never one it refuses."""
    for draws in range(1, MAX_DRAWS + 1):
        text, bits = draw(words, separator, capital, digit)
        if accept is None or accept(text):
            return Passphrase(text, bits, draws)
    raise ValueError(f"the policy refused {MAX_DRAWS} phrases in a row; add words")
