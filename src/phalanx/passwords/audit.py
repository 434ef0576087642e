"""`audit`: which existing passwords would a sprayer guess? Works on NT hashes only.

DSInternals and Lithnet compare hashes for equality; this also replays a sprayer's rules
(candidates.py) over the deny lists, organisation words, seasons, months and the accounts' own
names, and says which base word and which rule produced each match. The passwords themselves
stay out of every finding unless the caller asks to reveal them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from phalanx.core import Finding, Severity
from phalanx.passwords.candidates import Rule, default_rules
from phalanx.passwords.crack import Crack, crack
from phalanx.passwords.dumps.records import AccountHash
from phalanx.passwords.nthash import EMPTY_NT, nt_hashes

SPRAY = "T1110.003"
OWN_NAME = "the account's own name"


@dataclass
class AuditInputs:
    base_words: dict[str, str]  # lower-case word -> the list it came from
    rules: Sequence[Rule] = field(default_factory=default_rules)
    pwned: Any = None  # something with counts(list[bytes]) -> array and a name (NTLM hashes)
    workers: int = 0
    reveal: bool = False


@dataclass
class AuditResult:
    findings: list[Finding]
    accounts: int
    without_hash: int
    candidates: int  # base words x rules tried

    def to_dict(self) -> dict[str, Any]:
        return {"accounts": self.accounts, "without_hash": self.without_hash,
                "candidates": self.candidates,
                "findings": [f.to_dict() for f in self.findings]}


def audit(accounts: Sequence[AccountHash], inputs: AuditInputs) -> AuditResult:
    hashed = [a for a in accounts if a.nt is not None]
    findings: list[Finding] = []
    findings += [_empty(a) for a in hashed if a.nt == EMPTY_NT]
    findings += [_lm(a) for a in accounts if a.has_lm]
    findings += _default_machine(hashed)
    findings += _shared(hashed)
    words = dict(inputs.base_words)
    for account in hashed:
        words.setdefault(account.account.lower().rstrip("$"), OWN_NAME)
    cracked = crack([a.nt for a in hashed if a.nt and a.nt != EMPTY_NT], list(words),
                    inputs.rules, inputs.workers)
    findings += [_guessable(a, cracked[a.nt], words, inputs.reveal)
                 for a in hashed if a.nt in cracked and not a.is_machine]
    if inputs.pwned is not None:
        findings += _pwned(hashed, inputs.pwned)
    findings.sort(key=lambda f: (-f.severity, f.kind, f.accounts))
    return AuditResult(findings, len(accounts), len(accounts) - len(hashed),
                       len(words) * len(inputs.rules))


def _finding(kind: str, severity: Severity, title: str, explanation: str,
             accounts: Iterable[str], **details: Any) -> Finding:
    return Finding(kind=f"passwords.{kind}", severity=severity, title=title,
                   explanation=explanation, technique=SPRAY, confidence="high",
                   accounts=tuple(accounts), details=details)


def _empty(account: AccountHash) -> Finding:
    return _finding("empty", Severity.CRITICAL, "Empty password",
                    "The account's password is empty: anyone can sign in as it. Set a password "
                    "or disable the account.", [account.qualified], line=account.line)


def _lm(account: AccountHash) -> Finding:
    finding = _finding("lm_hash", Severity.MEDIUM, "LM hash stored",
                       "An LM hash is stored: it splits the password into two 7-character upper-"
                       "case halves that crack in minutes. Set 'Do not store LAN Manager hash' "
                       "and change the password.", [account.qualified], line=account.line)
    return replace(finding, technique="T1110.002")  # cracking, not spraying


def _default_machine(accounts: Sequence[AccountHash]) -> list[Finding]:
    machines = [a for a in accounts if a.is_machine]
    defaults = nt_hashes([a.account[:-1].lower()[:14] for a in machines])
    return [_finding("default_machine_password", Severity.HIGH, "Default computer password",
                     "The computer account still has the password it was pre-created with (its "
                     "own name in lower case): reset the account or join the computer.",
                     [a.qualified], line=a.line)
            for a, default in zip(machines, defaults, strict=True) if a.nt == default]


def _shared(accounts: Sequence[AccountHash]) -> list[Finding]:
    groups: dict[bytes, list[str]] = defaultdict(list)
    for account in accounts:
        if account.nt and account.nt != EMPTY_NT:
            groups[account.nt].append(account.qualified)
    return [_finding("shared", Severity.MEDIUM, f"{len(names)} accounts share one password",
                     "These accounts have the same password: one guessed password opens all of "
                     "them, and shared passwords are usually reused or default ones.",
                     sorted(names), group_size=len(names))
            for names in groups.values() if len(names) > 1]


def _guessable(account: AccountHash, found: Crack, words: dict[str, str],
               reveal: bool) -> Finding:
    source = words.get(found.word, "")
    details: dict[str, Any] = {"base_word": found.word, "rule": found.rule.describe(),
                               "list": source, "line": account.line}
    if reveal:
        details["password"] = found.password
    if found.word == account.account.lower().rstrip("$"):  # whichever list also has it
        return _finding("username", Severity.HIGH, "Password is the user name",
                        f"The password is the account's own name ({found.rule.describe()}): the "
                        "first thing a sprayer tries. Change it.", [account.qualified], **details)
    if found.rule.is_identity:
        return _finding("listed", Severity.HIGH, "Password is on a deny list",
                        f"The password is on {source}, a list attackers spray first. Change it to "
                        "three random words.", [account.qualified], **details)
    return _finding("sprayable", Severity.HIGH, "Password a sprayer would guess",
                    f"The password is the word '{found.word}' from {source} with the rule "
                    f"'{found.rule.describe()}': a spray tool tries exactly this. Change it to "
                    "three random words.", [account.qualified], **details)


def _pwned(accounts: Sequence[AccountHash], store: Any) -> list[Finding]:
    counts = store.counts([a.nt for a in accounts if a.nt])
    return [_finding("pwned", Severity.HIGH, "Password in Pwned Passwords",
                     f"The password has been seen {int(count):,} times in data breaches "
                     f"({store.name}); it is in every attacker's list. Change it.",
                     [a.qualified], pwned_count=int(count), line=a.line)
            for a, count in zip([a for a in accounts if a.nt], counts, strict=True) if count]
