"""`check`: would a sprayer guess this password? One call per candidate password.

Order of the rules is cheapest first; every rule that fires adds a reason in plain words, so
a member of staff learns all that is wrong at once. The rules (see docs/passwords.md):

1. length below the minimum (12 by default: NCSC / NIST SP 800-63B reasoning);
2. the whole password is on a list (the built-in list, NCSC top 100k, user lists);
3. in Pwned Passwords (a hash list or a Phalanx store), with its count;
4. once case, look-alikes (P@ssw0rd) and leading/trailing digits and symbols are undone, it is
   a banned word, or one edit (typo, swapped letters) away from one;
5. it is built from too few guessable parts: banned words found anywhere (organisation,
   sector, season, month, the user's own names, common words) plus digits, symbols or a year.
   Three random words count three parts and pass; "NorthwickHospital2024!" counts two.
6. a strength estimate (zxcvbn) below the floor: keyboard walks, repeats, sequences.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from phalanx.passwords.denylist import FUZZY_MAX, FUZZY_MIN, DenyList
from phalanx.passwords.normalise import core_span, fold, is_year, unleet
from phalanx.passwords.strength import guesses_log10

MIN_PARTS = 3  # three random words
# One "part" is the information in one random word of the EFF large list (log2 7776 bits).
# A letter, digit or symbol that belongs to no banned word counts what a random one of its
# kind is worth, so a random 12-character string still passes and "Greil" adds under two.
WORD_BITS = math.log2(7776)
_CHAR_PARTS = {"letter": math.log2(26) / WORD_BITS, "digit": math.log2(10) / WORD_BITS,
               "symbol": math.log2(33) / WORD_BITS, "separator": math.log2(4) / WORD_BITS}
_SEPARATORS = frozenset("-_. ")


class PwnedLookup(Protocol):
    """Something that knows how often a password was seen in breaches (0 = never)."""

    name: str

    def count(self, password: str) -> int: ...


@dataclass
class Policy:
    deny: DenyList
    min_length: int = 12
    min_parts: int = MIN_PARTS
    min_guesses_log10: float = 10.0  # zxcvbn score 4; see PasswordSettings
    pwned: Sequence[PwnedLookup] = ()


@dataclass(frozen=True)
class Reason:
    code: str  # too_short | listed | pwned | banned_word | similar | guessable_parts | weak
    message: str


@dataclass(frozen=True)
class CheckResult:
    accepted: bool
    reasons: tuple[Reason, ...]
    guesses_log10: float
    matched_terms: tuple[str, ...] = ()  # banned words found; show only to the password's owner
    parts: float = 0.0
    pwned_count: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"accepted": self.accepted, "reasons": [r.message for r in self.reasons],
                "codes": [r.code for r in self.reasons],
                "guesses_log10": round(self.guesses_log10, 2)}


@dataclass
class _Findings:
    reasons: list[Reason] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    def add(self, code: str, message: str) -> None:
        if all(r.code != code for r in self.reasons):
            self.reasons.append(Reason(code, message))


def check_password(password: str, policy: Policy, user_names: Iterable[str] = ()) -> CheckResult:
    """Judge one candidate password; `user_names` are the person's own names and account."""
    found = _Findings()
    folded = fold(password)
    names = _name_terms(user_names)
    if len(password) < policy.min_length:
        found.add("too_short", f"It is shorter than {policy.min_length} characters: three random "
                  "words joined together are long enough and easy to remember.")
    _check_lists(folded, policy, found)
    pwned = _check_pwned(password, policy, found)
    parts = _check_words(folded, policy, names, found)
    guesses = guesses_log10(password, sorted(names))
    if guesses < policy.min_guesses_log10:
        found.add("weak", "It follows a pattern password crackers try early (a keyboard "
                  "row, a repeated or sequential run, a date or a common word).")
    return CheckResult(not found.reasons, tuple(found.reasons), guesses,
                       tuple(dict.fromkeys(found.terms)), parts, pwned)


def _check_lists(folded: str, policy: Policy, found: _Findings) -> None:
    source = policy.deny.exact.get(folded)
    if source is not None:
        found.add("listed", f"It is on a list of passwords attackers try first ({source}).")


def _check_pwned(password: str, policy: Policy, found: _Findings) -> int:
    for lookup in policy.pwned:
        count = lookup.count(password)
        if count:
            found.add("pwned", f"It has been seen {count:,} times in data breaches "
                      f"({lookup.name}); attackers try these first.")
            return count
    return 0


def _check_words(folded: str, policy: Policy, names: set[str], found: _Findings) -> float:
    start, end = core_span(folded)
    core = folded[start:end]
    if not core:
        return 0.0
    best = math.inf
    for form in unleet(core):
        _check_base_word(form, policy.deny, found)
        parts, terms = split_parts(form, policy.deny, names, core)
        if parts < best:
            best, best_terms = parts, terms
    if best < policy.min_parts and best_terms:
        found.terms.extend(best_terms)
        own = [t for t in best_terms if t in names]
        what = "your own name or account" if own else "words attackers try"
        found.add("guessable_parts", f"Apart from {what}, it is only digits, symbols or a year, "
                  "or one more common word: add more unrelated words instead.")
    return best


def _check_base_word(form: str, deny: DenyList, found: _Findings) -> None:
    if form in deny.terms:
        found.terms.append(form)
        found.add("banned_word", "It is a common word or password with capitals, look-alike "
                  f"characters or digits and symbols added ({deny.source_of(form)}).")
        return
    near = near_term(form, deny) if FUZZY_MIN <= len(form) <= FUZZY_MAX + 1 else None
    if near is not None:
        found.terms.append(near)
        found.add("similar", "It is one typo or swapped letter away from a common word or "
                  f"password ({deny.source_of(near)}).")


def near_term(form: str, deny: DenyList) -> str | None:
    """A banned term one edit (insertion, deletion, substitution, swap) from `form`."""
    index = deny.near()
    if form in index:  # form is a term with one character missing
        return index[form]
    for i in range(len(form)):
        shorter = form[:i] + form[i + 1:]
        if shorter in deny.terms and len(shorter) >= FUZZY_MIN:  # one character added
            return shorter
        term = index.get(shorter)
        if term is not None and _one_edit(form, term):  # one character changed
            return term
        swapped = form[:i] + form[i + 1:i + 2] + form[i] + form[i + 2:]
        if i + 1 < len(form) and swapped in deny.terms:
            return swapped
    return None


def _one_edit(a: str, b: str) -> bool:
    """Same length and one position differs (the symmetric-delete candidate's check)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def split_parts(text: str, deny: DenyList, names: set[str],
                original: str = "") -> tuple[float, list[str]]:
    """Fewest guessable parts `text` splits into, and the banned words used.

    A banned word counts one part; a character outside any banned word counts what a random
    character of its kind is worth (see _CHAR_PARTS); a year counts none, since sprayers
    append the current one. `original` is `text` before look-alikes were undone: "19" in
    "covid-19" is digits there, and is costed (and read as a year) as written.
    """
    original = original or text
    n = len(text)
    cost = [math.inf] * (n + 1)
    back: list[tuple[int, str]] = [(0, "")] * (n + 1)
    cost[0] = 0
    name_lengths = {len(name) for name in names}
    for i in range(n):
        if cost[i] == math.inf:
            continue
        _relax(cost, back, i, i + 1, cost[i] + _char_parts(original[i]), "")
        if is_year(original[i:i + 4]):
            _relax(cost, back, i, i + 4, cost[i], "")
        lengths = deny.heads.get(text[i:i + 3], ())
        for size in (*lengths, *name_lengths):
            piece = text[i:i + size]
            if i + size <= n and (piece in deny.terms or piece in names):
                _relax(cost, back, i, i + size, cost[i] + 1, piece)
    terms: list[str] = []
    j = n
    while j > 0:
        i, term = back[j]
        if term:
            terms.append(term)
        j = i
    return cost[n], terms[::-1]


def _char_parts(char: str) -> float:
    if char.isalpha():
        return _CHAR_PARTS["letter"]
    if char in _SEPARATORS:  # one of the four people put between words
        return _CHAR_PARTS["separator"]
    return _CHAR_PARTS["digit" if char.isdigit() else "symbol"]


def _relax(cost: list[float], back: list[tuple[int, str]], i: int, j: int, value: float,
           term: str) -> None:
    if j < len(cost) and value < cost[j]:
        cost[j] = value
        back[j] = (i, term)


def _name_terms(user_names: Iterable[str]) -> set[str]:
    """A person's names split the way accounts are built: 'jane.doe@x.ac.uk' -> jane, doe."""
    terms: set[str] = set()
    for name in user_names:
        local = fold(name).split("@")[0]
        for piece in (local, *local.replace("_", ".").replace("-", ".").replace(" ", ".")
                      .replace("\\", ".").split(".")):
            for form in unleet(piece):
                if len(form) >= 3:
                    terms.add(form)
    return terms
