"""Into how few guessable parts does a password split? The cheapest reading a cracker has.

One "part" is the information in one random word of the EFF large list (log2 7776 = 12.9
bits); three random words are three parts. A password is read as a chain of pieces, and the
cheapest chain is its cost:

- a banned word (the lists, sector and organisation words, the user's own names): one part;
- the same spelt backwards (5+ letters): one part and a bit;
- a run counting up or down (12345, 9876, abcd): where it starts, its length and way;
- a piece that repeats or mirrors the piece just before it (passwordpassword, abcabc,
  abccba): only the bits that say how long the copy is;
- a year (1950-2049): nothing, sprayers append the current one; a whole date (ddmmyyyy,
  yyyy-mm-dd, dd.mm.yy ...): one day in a century, 17 bits;
- a run of letters that reads like a word or a name (letters.word_like): one entry of a
  cracker's million-word dictionary, 20 bits;
- digits and symbols added at either end of a word (Password123!, 2024Winter): nothing up
  to four of them, a sprayer's rule; more, or around no word, what they read as, at most
  one part per end;
- any other character: a letter what a cracker's letter model pays for it after the two
  letters before (letters.py) or what a random letter is worth, whichever reading of the run
  is cheaper; a digit, symbol or separator what a random one of its kind is worth.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from phalanx.passwords.denylist import DenyList
from phalanx.passwords.letters import WORDLIKE_BITS, letter_bits, word_like
from phalanx.passwords.normalise import is_year

WORD_BITS = math.log2(7776)
_KIND_BITS = {"digit": math.log2(10), "symbol": math.log2(33), "separator": math.log2(4),
              "letter": math.log2(26)}
_SEPARATORS = frozenset("-_. ")
REVERSED_BITS = 1.0
REVERSED_MIN = 5  # shorter words turn up backwards by chance in random strings
REPEAT_MIN = 3  # which way round the word is written
DATE_BITS = math.log2(366 * 100) + 2  # a day in a century, in one of four layouts
_DATE = re.compile(r"(\d\d)([./-]?)(\d\d)\2((?:19|20)?\d\d)|((?:19|20)\d\d)([./-]?)(\d\d)\6(\d\d)")


APPENDED_MAX = 1.0  # parts an ending of digits and symbols can add
# hashcat's best64 appends one to three characters; spray tools a year and a symbol
APPENDED_FREE = 4


@dataclass(frozen=True)
class Split:
    parts: float
    pieces: tuple[tuple[str, str], ...]  # (kind, text) of every piece longer than a character

    def __add__(self, other: Split) -> Split:
        return Split(self.parts + other.parts, self.pieces + other.pieces)

    @property
    def terms(self) -> list[str]:
        return [text for kind, text in self.pieces if kind in ("term", "reversed")]

    @property
    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.pieces}


def split_ending(text: str, deny: DenyList, on_word: bool) -> Split:
    """Digits and symbols before or after the letters.

    Added to a word (`on_word`: the rest has a banned word, a name, a date...), up to
    APPENDED_FREE of them are a sprayer's rule (Winter2024!, Password123!) and count nothing;
    otherwise they count what they read as, at most APPENDED_MAX.
    """
    if not text or (on_word and len(text) <= APPENDED_FREE):
        return Split(0.0, (("appended", text),) if text else ())
    split = split_parts(text, deny, set())
    if split.parts <= APPENDED_MAX:
        return split
    return Split(APPENDED_MAX, (("appended", text),))


# How a character outside any piece is paid for: a run of letters is costed either by the
# letter model (MODEL: cheap when it reads like a word) or as random characters (RANDOM);
# a cracker that changes method inside a run pays SWITCH_BITS to say where.
_FREE, _MODEL, _RANDOM = 0, 1, 2
SWITCH_BITS = 3.0


def split_parts(text: str, deny: DenyList, names: set[str], original: str = "") -> Split:
    """The cheapest chain of pieces `text` (folded, look-alikes undone) reads as.

    `original` is `text` before look-alikes were undone: "19" in "covid-19" is digits there,
    and is costed (and read as a year) as written; repeats and dates are looked for in it.
    """
    original = original or text
    n = len(text)
    model = letter_bits(text)
    plain = [_KIND_BITS[_kind(char)] / WORD_BITS for char in original]
    switch = SWITCH_BITS / WORD_BITS
    inf = math.inf
    # cost[state][i]: cheapest way to read text[:i] ending in that state; back: how
    cost = [[inf] * (n + 1) for _ in range(3)]
    back: list[list[tuple[int, int, str, str]]] = [[(0, 0, "", "")] * (n + 1) for _ in range(3)]
    cost[_FREE][0] = 0.0
    free, by_model, at_random = cost
    reversed_at = _reversed_terms(text, deny)
    name_lengths = {len(name) for name in names}
    for i in range(n):
        here, src = min((free[i], _FREE), (by_model[i], _MODEL), (at_random[i], _RANDOM))
        if here == inf:
            continue
        if model[i] != model[i]:  # NaN, not a letter: its kind's price, then free again
            _relax(cost, back, i + 1, _FREE, here + plain[i], (i, src, "", ""))
        else:  # a letter, by the model or as a random one (the model reads whole runs:
            # starting it inside a run, after a word or random letters, costs a switch)
            enter = 0.0 if i == 0 or model[i - 1] != model[i - 1] else switch
            value, state = min((free[i] + enter, _FREE), (by_model[i], _MODEL),
                               (at_random[i] + switch, _RANDOM))
            _relax(cost, back, i + 1, _MODEL, value + model[i] / WORD_BITS, (i, state, "", ""))
            value, state = min((free[i], _FREE), (at_random[i], _RANDOM),
                               (by_model[i] + switch, _MODEL))
            _relax(cost, back, i + 1, _RANDOM, value + plain[i], (i, state, "", ""))
        if src == _MODEL and model[i] == model[i] and i and model[i - 1] == model[i - 1]:
            # a piece inside a run ends the model's reading there: saying where costs a switch
            here, src = min((free[i], _FREE), (at_random[i], _RANDOM),
                            (by_model[i] + switch, _MODEL))
        for j, extra, kind, piece in _pieces_at(text, original, i, deny, names, name_lengths,
                                                 reversed_at, model):
            _relax(cost, back, j, _FREE, here + extra, (i, src, kind, piece))
    return _result(cost, back, n)


def _pieces_at(text: str, original: str, i: int, deny: DenyList, names: set[str],
               name_lengths: set[int], reversed_at: dict[int, list[int]],
               model: list[float]) -> list[tuple[int, float, str, str]]:
    """(end, parts, kind, piece) of every piece that starts at `i`."""
    n = len(text)
    found: list[tuple[int, float, str, str]] = []
    char = original[i]
    if char.isdigit() and (i == 0 or not original[i - 1].isdigit()):
        if is_year(original[i:i + 4]):
            found.append((i + 4, 0.0, "year", original[i:i + 4]))
        for size in _date_lengths(original, i):
            found.append((i + size, DATE_BITS / WORD_BITS, "date", original[i:i + size]))
    elif is_year(original[i:i + 4]):
        found.append((i + 4, 0.0, "year", original[i:i + 4]))
    for size in (*deny.heads.get(text[i:i + 3], ()), *name_lengths):
        piece = text[i:i + size]
        if i + size <= n and (piece in deny.terms or piece in names):
            found.append((i + size, 1.0, "term", piece))
    for j in reversed_at.get(i, ()):
        found.append((j, 1 + REVERSED_BITS / WORD_BITS, "reversed", text[i:j][::-1]))
    if i + 2 < n and abs(ord(original[i + 1]) - ord(char)) == 1:
        for size, bits in _sequences(original, i):
            found.append((i + size, bits / WORD_BITS, "sequence", original[i:i + size]))
    if i and char in original[:i]:
        for size, bits in _repeats(original, i):
            found.append((i + size, bits / WORD_BITS, "repeat", original[i:i + size]))
    if "a" <= text[i] <= "z" and (i == 0 or not "a" <= text[i - 1] <= "z"):
        end = _word_end(text, i, model, deny)
        if end:
            found.append((end, WORDLIKE_BITS / WORD_BITS, "wordlike", text[i:end]))
    return found


def _relax(cost: list[list[float]], back: list[list[tuple[int, int, str, str]]], j: int,
           state: int, value: float, step: tuple[int, int, str, str]) -> None:
    if j < len(cost[state]) and value < cost[state][j]:
        cost[state][j] = value
        back[state][j] = step


def _result(cost: list[list[float]], back: list[list[tuple[int, int, str, str]]],
            n: int) -> Split:
    total, state = min((cost[s][n], s) for s in (_FREE, _MODEL, _RANDOM))
    pieces: list[tuple[str, str]] = []
    j = n
    while j > 0:
        i, state, kind, piece = back[state][j]
        if kind:
            pieces.append((kind, piece))
        j = i
    return Split(total, tuple(pieces[::-1]))


def _kind(char: str) -> str:
    if char.isalpha():
        return "letter"
    if char in _SEPARATORS:  # one of the four people put between words
        return "separator"
    return "digit" if char.isdigit() else "symbol"


def _reversed_terms(text: str, deny: DenyList) -> dict[int, list[int]]:
    """start -> ends of the pieces that are a banned word written backwards."""
    found: dict[int, list[int]] = {}
    for end in range(3, len(text) + 1):
        for size in deny.heads.get(text[end - 3:end][::-1], ()):
            start = end - size
            if size >= REVERSED_MIN and start >= 0 and text[start:end][::-1] in deny.terms:
                found.setdefault(start, []).append(end)
    return found


def _repeats(original: str, i: int) -> list[tuple[int, float]]:
    """(length, bits) of pieces at `i` that repeat, or mirror, the piece just before.

    What a cracker's duplicate and reflect rules make of a word (passwordpassword, abcabc,
    aaaa, abccba): only the length of the copy is new.
    """
    out = []
    mirrored = original[i - 1] == original[i]
    for size in range(1, min(i, len(original) - i) + 1):
        if original[i - size] != original[i] and not mirrored:
            continue  # neither a copy nor a mirror can start here
        piece, before = original[i:i + size], original[i - size:i]
        # a piece under three characters counts as repeated from its third copy on: the
        # double letters of ordinary words (coffee, dill) are not a cracker's rule
        if size < REPEAT_MIN and original[max(0, i - 2 * size):i - size] != before:
            continue
        if piece == before or (size > 1 and piece == before[::-1]):
            out.append((size, 1 + math.log2(size)))
    return out


def _sequences(original: str, i: int) -> list[tuple[int, float]]:
    """(length, bits) of runs at `i` that count up or down by one: 12345, 9876, abcd.

    Worth which character starts it, which way it goes, and how long it is.
    """
    start = original[i]
    if not (start.isdigit() or "a" <= start <= "z"):
        return []
    alphabet = 10 if start.isdigit() else 26
    out = []
    for step in (1, -1):
        end = i + 1
        while (end < len(original) and ord(original[end]) - ord(original[end - 1]) == step
               and original[end].isdigit() == start.isdigit()):
            end += 1
            if end - i >= REPEAT_MIN:
                bits = math.log2(alphabet) + math.log2(end - i) + (1 if step < 0 else 0)
                out.append((end - i, bits))
    return out


def _date_lengths(original: str, i: int) -> list[int]:
    if not original[i].isdigit() or (i and original[i - 1].isdigit()):
        return []
    lengths = []
    for candidate in (original[i:i + 10], original[i:i + 8], original[i:i + 6]):
        match = _DATE.fullmatch(candidate)
        if match and _is_date(match):
            lengths.append(len(candidate))
    return lengths


def _is_date(match: re.Match[str]) -> bool:
    if match.group(1):  # dd mm yy(yy) or mm dd yy(yy)
        a, b = int(match.group(1)), int(match.group(3))
        return min(a, b) >= 1 and max(a, b) <= 31 and min(a, b) <= 12
    month, day = int(match.group(7)), int(match.group(8))  # yyyy mm dd
    return 1 <= month <= 12 and 1 <= day <= 31


def _word_end(text: str, i: int, model: list[float], deny: DenyList) -> int:
    """End of the run of letters starting at `i` when the run reads like a word or a name.

    A run that is several known words end to end (coffeetrainfish) is a phrase, not one
    dictionary entry: it is costed word by word.
    """
    if not ("a" <= text[i] <= "z") or (i and "a" <= text[i - 1] <= "z"):
        return 0
    end = i
    while end < len(text) and "a" <= text[end] <= "z":
        end += 1
    if not word_like(model[i:end]) or _made_of_words(text[i:end], deny):
        return 0
    return end


def _made_of_words(run: str, deny: DenyList) -> bool:
    reached = [True] + [False] * len(run)
    for i in range(len(run)):
        if reached[i]:
            for size in deny.heads.get(run[i:i + 3], ()):
                if i + size <= len(run) and size < len(run) and run[i:i + size] in deny.terms:
                    reached[i + size] = True
    return reached[-1]
