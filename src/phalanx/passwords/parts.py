"""Into how few guessable parts does a password split? The cheapest reading a cracker has.

One "part" is the information in one random word of the EFF large list (log2 7776 = 12.9
bits); three random words are three parts. A password is read as a chain of pieces, and the
cheapest chain is its cost:

- a banned word (the lists, sector and organisation words, first names and surnames of many
  languages, the user's own names): one part;
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
from functools import cache

from phalanx.passwords.denylist import HEAD, DenyList
from phalanx.passwords.letters import (
    WORDLIKE_BITS,
    WORDLIKE_LENGTHS,
    letter_bits,
    reads_like_name,
    script,
)
from phalanx.passwords.names import FIRST_NAME, NAME_SUFFIXES, SURNAME
from phalanx.passwords.normalise import YEAR

WORD_BITS = math.log2(7776)
_KIND_BITS = {"digit": math.log2(10), "symbol": math.log2(33), "separator": math.log2(4),
              "letter": math.log2(26)}
_CYRILLIC_LETTER_BITS = math.log2(33)
# Keyboard walks: keys next to one another on a QWERTY keyboard (as zxcvbn's spatial matcher
# and hashcat's kwprocessor walk them). Each key's neighbours: left and right, the two above
# and the two below it on the staggered rows.
_ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
_NEIGHBOURS = {
    key: frozenset(
        _ROWS[r2][c2] for r2, c2 in ((r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1),
                                     (r + 1, c - 1), (r + 1, c))
        if 0 <= r2 < len(_ROWS) and 0 <= c2 < len(_ROWS[r2])) | {key}
    for r, row in enumerate(_ROWS) for c, key in enumerate(row)}
WALK_MIN = 4  # three adjacent keys turn up in ordinary words (sad, wer, poi)
# a walk is worth its first key and, for every further key, which of the (about six)
# neighbours or the same key again it is
WALK_START_BITS = math.log2(sum(map(len, _ROWS)))
WALK_STEP_BITS = math.log2(7)
_YEAR_IN = re.compile(rf"(?<!\d){YEAR}(?!\d)")
_SEPARATORS = frozenset("-_. ")
REVERSED_BITS = 1.0
REVERSED_MIN = 5  # shorter words turn up backwards by chance in random strings
REPEAT_MIN = 3  # which way round the word is written
DATE_BITS = math.log2(366 * 100) + 2  # a day in a century, in one of four layouts
_DATE = re.compile(r"(\d\d)([./-]?)(\d\d)\2((?:19|20)?\d\d)|((?:19|20)\d\d)([./-]?)(\d\d)\6(\d\d)")


_TERM_KINDS = ("term", FIRST_NAME, SURNAME, "reversed")  # pieces that are banned words
_SUFFIXES: dict[str, list[tuple[str, str]]] = {}
for _kind_of_name, _endings in NAME_SUFFIXES.items():
    for _ending in dict.fromkeys(_endings):
        _SUFFIXES.setdefault(_ending[0], []).append((_kind_of_name, _ending))
SUFFIX_BITS = math.log2(sum(map(len, _SUFFIXES.values())))  # which suffix
_VOWELS = frozenset("aeiouyаеёиоуыэюяй")
COMBINED_NAME_MIN = 4  # a name that starts or ends a run of a name and a name-like piece
APPENDED_MAX = 1.0  # parts an ending of digits and symbols can add
# hashcat's best64 appends one to three characters; spray tools a year and a symbol
APPENDED_FREE = 4


@dataclass(frozen=True)
class Split:
    parts: float
    pieces: tuple[tuple[str, str], ...]  # (kind, text) of every piece longer than a character
    loose: int = 0  # letters outside every piece, not in a stretch that reads like a word

    def __add__(self, other: Split) -> Split:
        return Split(self.parts + other.parts, self.pieces + other.pieces,
                     self.loose + other.loose)

    @property
    def terms(self) -> list[str]:
        return [text for kind, text in self.pieces if kind in _TERM_KINDS]

    @property
    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.pieces}


def split_ending(text: str, deny: DenyList, on_word: bool, paid: str = "") -> Split:
    """Digits and symbols before or after the letters.

    Added to a word (`on_word`: the rest has a banned word, a name, a date...), up to
    APPENDED_FREE of them are a sprayer's rule (Winter2024!, Password123!) and count nothing;
    otherwise they count what they read as, at most APPENDED_MAX.
    """
    if not text:
        return Split(0.0, ())
    if on_word and len(text) <= APPENDED_FREE:  # said as a year when it is one (2024!)
        year = _YEAR_IN.search(text)
        if year is None:
            return Split(0.0, (("appended", text),))
        rest = text.replace(year.group(), "", 1)
        return Split(0.0, (("year", year.group()),) + ((("appended", rest),) if rest else ()))
    split = split_parts(text, deny, set(), paid=paid)
    if split.parts <= APPENDED_MAX:
        return split
    return Split(APPENDED_MAX, (("appended", text),))


# How a character outside any piece is paid for: a run of letters is costed either by the
# letter model (MODEL: cheap when it reads like a word) or as random characters (RANDOM);
# a cracker that changes method inside a run pays SWITCH_BITS to say where.
_FREE, _MODEL, _RANDOM = 0, 1, 2
SWITCH_BITS = 3.0


def split_parts(text: str, deny: DenyList, names: set[str], original: str = "",
                paid: str = "") -> Split:
    """The cheapest chain of pieces `text` (folded, look-alikes undone) reads as.

    `original` is `text` before look-alikes were undone: "19" in "covid-19" is digits there,
    and is costed (and read as a year) as written; repeats and dates are looked for in it.
    `paid` holds the separators already paid for elsewhere in the password.
    """
    original = original or text
    n = len(text)
    model = letter_bits(text)
    by_letter = [bits / WORD_BITS for bits in model]  # NaN where there is no letter
    scripts = list(map(script, text))
    # a letter in the same run of letters as the one before it
    inside = [False] + [scripts[i] != 0 and scripts[i] == scripts[i - 1] for i in range(1, n)]
    plain = [_plain_parts(char) for char in original]
    for i, char in enumerate(original):
        if scripts[i] == 2 and text[i] == char:  # a Cyrillic letter: one of 33
            plain[i] = _CYRILLIC_LETTER_BITS / WORD_BITS
        # words joined by a separator: the separator is chosen once (alena_plotnikova_1995)
        elif char in _SEPARATORS and (char in paid or char in original[:i]):
            plain[i] = 0.0
    pieces = _pieces(text, original, deny, names, model, scripts)
    walks = _walk_ends(original)
    switch = SWITCH_BITS / WORD_BITS
    inf = math.inf
    # cost[state][i]: cheapest way to read text[:i] ending in that state; back: how.
    # Equal costs keep the reading found first (the pieces in the order _pieces lists them):
    # which one is kept decides the pieces named in a refusal.
    cost = [[inf] * (n + 1) for _ in range(3)]
    back: list[list[tuple[int, int, str, str]]] = [[(0, 0, "", "")] * (n + 1) for _ in range(3)]
    cost[_FREE][0] = 0.0
    free, by_model, at_random = cost
    free_back, model_back, random_back = back
    for i in range(n):
        # the cheapest state; of equal ones the first in state order (FREE, MODEL, RANDOM),
        # as every choice of a state below
        at_free, at_model, at_rand = free[i], by_model[i], at_random[i]
        here, src = at_free, _FREE
        if at_model < here:
            here, src = at_model, _MODEL
        if at_rand < here:
            here, src = at_rand, _RANDOM
        if here == inf:
            continue
        letter = by_letter[i]
        if letter != letter:  # NaN, not a letter: its kind's price, then free again
            if here + plain[i] < free[i + 1]:
                free[i + 1] = here + plain[i]
                free_back[i + 1] = (i, src, "", "")
        else:  # a letter, by the model or as a random one (the model reads whole runs:
            # starting it inside a run, after a word or random letters, costs a switch).
            # Only this position reaches the model and random states of the next one.
            value, state = at_free + (switch if inside[i] else 0.0), _FREE
            if at_model < value:
                value, state = at_model, _MODEL
            if at_rand + switch < value:
                value, state = at_rand + switch, _RANDOM
            by_model[i + 1] = value + letter
            model_back[i + 1] = (i, state, "", "")
            value, state = at_free, _FREE
            if at_model + switch < value:
                value, state = at_model + switch, _MODEL
            if at_rand < value:
                value, state = at_rand, _RANDOM
            at_random[i + 1] = value + plain[i]
            random_back[i + 1] = (i, state, "", "")
            if src == _MODEL and inside[i]:
                # a piece inside a run ends the model's reading there: saying where costs a
                # switch
                here, src = at_free, _FREE
                if at_model + switch < here:
                    here, src = at_model + switch, _MODEL
                if at_rand < here:
                    here, src = at_rand, _RANDOM
        for j, extra, kind, piece in pieces[i]:
            if here + extra < free[j]:
                free[j] = here + extra
                free_back[j] = (i, src, kind, piece)
        if walks[i] - i >= WALK_MIN:
            for j in range(i + WALK_MIN, walks[i] + 1):
                bits = WALK_START_BITS + (j - i - 1) * WALK_STEP_BITS
                if here + bits / WORD_BITS < free[j]:
                    free[j] = here + bits / WORD_BITS
                    free_back[j] = (i, src, "walk", original[i:j])
    return _result(cost, back, text, original, model, deny)


_YEAR_AT = re.compile(f"(?=({YEAR}))")  # every year, overlapping ones too


def _pieces(text: str, original: str, deny: DenyList, names: set[str], model: list[float],
            scripts: list[int]) -> list[list[tuple[int, float, str, str]]]:
    """(end, parts, kind, piece) of every piece, by the position it starts at.

    Each kind is looked for in one pass over the text, the passes in the order costs are
    compared at a position (years, dates, banned words, the user's names, reversed words,
    runs, repeats, word-like runs): of pieces of equal cost the first is kept.
    """
    n = len(text)
    found: list[list[tuple[int, float, str, str]]] = [[] for _ in range(n)]
    for year in _YEAR_AT.finditer(original):
        found[year.start()].append((year.start() + 4, 0.0, "year", year.group(1)))
    for i, char in enumerate(original):
        if char.isdigit() and (i == 0 or not original[i - 1].isdigit()):
            for size in _date_lengths(original, i):
                found[i].append((i + size, DATE_BITS / WORD_BITS, "date", original[i:i + size]))
    _banned_words(text, deny, found)
    for size in {len(name) for name in names}:
        for i in range(n - size + 1):
            if text[i:i + size] in names:
                found[i].append((i + size, 1.0, "term", text[i:i + size]))
    for i, ends in _reversed_terms(text, deny).items():
        for j in ends:
            found[i].append((j, 1 + REVERSED_BITS / WORD_BITS, "reversed", text[i:j][::-1]))
    codes = list(map(ord, original))
    for i in range(n - 2):
        if abs(codes[i + 1] - codes[i]) == 1:
            for size, bits in _sequences(original, i):
                found[i].append((i + size, bits / WORD_BITS, "sequence", original[i:i + size]))
    seen: dict[str, list[int]] = {}  # character -> where it was before i
    for i, char in enumerate(original):
        earlier = seen.setdefault(char, [])
        if earlier:
            for size, bits in _repeats(original, i, earlier):
                found[i].append((i + size, bits / WORD_BITS, "repeat", original[i:i + size]))
        earlier.append(i)
    _word_like(text, deny, model, scripts, found)
    return found


def _banned_words(text: str, deny: DenyList,
                  found: list[list[tuple[int, float, str, str]]]) -> None:
    """Banned words, and the names made from first names, at every position."""
    n = len(text)
    heads, terms = deny.heads, deny.terms
    for i in range(n):
        # a three-letter word is its own head, longer ones share theirs (at the end of the
        # text both heads are the same three letters: look once)
        for head in (text[i:i + 3], text[i:i + HEAD]) if i + HEAD <= n else (text[i:i + 3],):
            for size in heads.get(head, ()):
                if i + size > n:
                    break
                piece = text[i:i + size]
                source = terms.get(piece)
                if source is not None:
                    parts, kind = deny.piece(piece, source)
                    found[i].append((i + size, parts, kind, piece))
                    if kind == FIRST_NAME and i + size < n:
                        found[i].extend(_derived_names(text, i, size, parts))


def _word_like(text: str, deny: DenyList, model: list[float], scripts: list[int],
               found: list[list[tuple[int, float, str, str]]]) -> None:
    """Runs of letters that read like a word: from a run's start, or after a name that
    starts it."""
    n = len(text)
    start = 0
    while start < n:
        end = start + 1
        if scripts[start]:
            while end < n and scripts[end] == scripts[start]:
                end += 1
            for i in range(start, end):
                if i == start or (i - start >= COMBINED_NAME_MIN
                                  and text[start:i] in deny.kinds):
                    for stop in _word_ends(text, i, (start, end), model, deny):
                        found[i].append((stop, WORDLIKE_BITS / WORD_BITS, "wordlike",
                                         text[i:stop]))
        start = end


def _walk_ends(original: str) -> list[int]:
    """For each position, the end of the longest keyboard walk that starts there."""
    ends = list(range(1, len(original) + 1))
    for i in range(len(original) - 2, -1, -1):
        if original[i + 1] in _NEIGHBOURS.get(original[i], ()):
            ends[i] = ends[i + 1]
    return ends


def _derived_names(text: str, i: int, size: int,
                   parts: float) -> list[tuple[int, float, str, str]]:
    """A first name (or the name without its last vowel) and a Slavic suffix: a surname made
    from it (david-yuk, efim-kin) or an endearing form (marin-ochka): the name and a suffix."""
    found = []
    ends = (i + size, i + size - 1) if size > 3 and text[i + size - 1] in _VOWELS else (
        i + size,)
    for root_end in ends:
        for kind, suffix in _SUFFIXES.get(text[root_end:root_end + 1], ()):
            if text.startswith(suffix, root_end):
                end = root_end + len(suffix)
                found.append((end, parts + SUFFIX_BITS / WORD_BITS, kind, text[i:end]))
    return found


def _result(cost: list[list[float]], back: list[list[tuple[int, int, str, str]]],
            text: str, original: str, model: list[float], deny: DenyList) -> Split:
    j = len(original)
    total, state = min((cost[s][j], s) for s in (_FREE, _MODEL, _RANDOM))
    pieces: list[tuple[str, str]] = []
    by_model: list[int] = []  # positions of letters the letter model read
    loose = 0
    while j > 0:
        i, previous, kind, piece = back[state][j]
        if kind:
            pieces.append((kind, piece))
        elif original[i].isalpha():
            if state == _MODEL:
                by_model.append(i)
            else:
                loose += 1
        j, state = i, previous
    loose += _not_wordlike(by_model[::-1], model, text, deny)
    return Split(total, tuple(pieces[::-1]), loose)


def _not_wordlike(positions: list[int], model: list[float], text: str, deny: DenyList) -> int:
    """How many of these letters (read by the letter model) are in stretches that are not a
    word of the lists and do not read like one (alija in alija-gatina does, max in
    max.kirilov is one, byqosq in hadbyqosq is neither)."""
    count, start = 0, 0
    for k in range(1, len(positions) + 1):
        if k == len(positions) or positions[k] != positions[k - 1] + 1:
            first, last = positions[start], positions[k - 1] + 1
            stretch = model[first:last]
            if (text[first:last] not in deny.terms
                    and not reads_like_name(text[first:last], stretch)):
                count += len(stretch)
            start = k
    return count


@cache
def _plain_parts(char: str) -> float:
    """What a character outside any piece is worth as a random one of its kind, in parts."""
    return _KIND_BITS[_kind(char)] / WORD_BITS


def _kind(char: str) -> str:
    if char.isalpha():
        return "letter"
    if char in _SEPARATORS:  # one of the four people put between words
        return "separator"
    return "digit" if char.isdigit() else "symbol"


def _reversed_terms(text: str, deny: DenyList) -> dict[int, list[int]]:
    """start -> ends of the pieces that are a banned word written backwards."""
    found: dict[int, list[int]] = {}
    backwards = text[::-1]  # text[start:end] backwards is backwards[n - end:n - start]
    n = len(text)
    for end in range(REVERSED_MIN, n + 1):
        for size in deny.word_heads.get(backwards[n - end:n - end + HEAD], ()):
            start = end - size
            if start < 0:
                break
            word = backwards[n - end:n - start]
            if size >= REVERSED_MIN and deny.is_word(word):
                found.setdefault(start, []).append(end)
    return found


def _repeats(original: str, i: int, earlier: list[int]) -> list[tuple[int, float]]:
    """(length, bits) of pieces at `i` that repeat, or mirror, the piece just before.

    What a cracker's duplicate and reflect rules make of a word (passwordpassword, abcabc,
    aaaa, abccba): only the length of the copy is new. `earlier` are the positions before
    `i` of the same character, in order: a copy starts as the piece before it does.
    """
    out = []
    room = len(original) - i
    # a copy starts with the same two characters as the piece before (a copy of one
    # character is a double letter, read below as the smallest mirror)
    sizes = [i - start for start in reversed(earlier)
             if i - start <= room and (i - start == 1 or original[i + 1] == original[start + 1])]
    if original[i - 1] == original[i]:  # a mirror (abccba): as long as the letters match
        longest = 1
        while (longest < min(i, room)
               and original[i + longest] == original[i - 1 - longest]):
            longest += 1
        sizes = sorted({*sizes, *range(2, longest + 1)})
    for size in sizes:
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


def _word_ends(text: str, i: int, run: tuple[int, int], model: list[float],
               deny: DenyList) -> list[int]:
    """Ends of the pieces at `i` that read like a word or a name of some language.

    Such a piece is a whole run of letters (plotnikova), or the rest of a run that starts or
    ends with a first name or a surname (`veralipatnikova`, `lipatnikovavera`: a cracker's
    names-by-names combinator attack). A run that is several known words end to end
    (coffeetrainfish) is a phrase, not one dictionary entry: it is costed word by word; so
    is the rest of a run next to a name when it ends (or starts) with a known word
    (`starveddeucetables` is not `star` and a name `veddeucetables`).
    """
    start, end = run
    ends: list[int] = []
    if start == i:
        if _reads_as_word(text, i, end, model, deny):
            ends.append(end)
        for k in range(i + WORDLIKE_LENGTHS.start, min(end, i + WORDLIKE_LENGTHS.stop)):
            if (end - k >= COMBINED_NAME_MIN and deny.kinds.get(text[k:end]) is not None
                    and not _known_edge(text[i:k], deny, at_end=False)
                    and _reads_as_word(text, i, k, model, deny)):
                ends.append(k)
    elif (i - start >= COMBINED_NAME_MIN and deny.kinds.get(text[start:i]) is not None
          and not _known_edge(text[i:end], deny, at_end=True)
          and _reads_as_word(text, i, end, model, deny)):
        ends.append(end)
    return ends


def _known_edge(piece: str, deny: DenyList, at_end: bool) -> bool:
    """Does `piece` end (or start) with a word of the lists of 4+ letters?"""
    for size in range(4, len(piece)):
        edge = piece[-size:] if at_end else piece[:size]
        if deny.is_word(edge):
            return True
    return False


def _reads_as_word(text: str, i: int, end: int, model: list[float], deny: DenyList) -> bool:
    """Read as a word of its own: a piece inside a run is costed from its first letter."""
    kind = script(text[i])
    inside = i > 0 and script(text[i - 1]) == kind
    bits = letter_bits(text[i:end]) if inside else model[i:end]
    return reads_like_name(text[i:end], bits) and not _made_of_words(text[i:end], deny)


def _made_of_words(run: str, deny: DenyList) -> bool:
    """Is `run` several words of the lists end to end? The names and words of other
    languages do not count: three-letter names split almost any run (plot-nik-ova)."""
    reached = [True] + [False] * len(run)
    for i in range(len(run)):
        if reached[i]:
            for size in (*deny.word_heads.get(run[i:i + 3], ()),
                         *deny.word_heads.get(run[i:i + HEAD], ())):
                if i + size > len(run) or size >= len(run):
                    break
                if deny.is_word(run[i:i + size]):
                    reached[i + size] = True
    return reached[-1]
