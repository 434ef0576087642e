"""audit: a dump built here from corpus words under sprayer rules, plus strong passwords."""

from __future__ import annotations

import random
import secrets
from pathlib import Path

from phalanx.passwords.audit import OWN_NAME, AuditInputs, audit
from phalanx.passwords.candidates import default_rules
from phalanx.passwords.dumps import parse_dump
from phalanx.passwords.nthash import nt_hash

LM_EMPTY = "aad3b435b51404eeaad3b435b51404ee"


def _dump(accounts: list[tuple[str, str]]) -> str:
    return "".join(f"CORP\\{user}:{1100 + i}:{LM_EMPTY}:{nt_hash(pw).hex()}:::\n"
                   for i, (user, pw) in enumerate(accounts))


def test_every_planted_weak_account_is_found(corpus: Path) -> None:
    lines = (corpus / "passwords" / "ncsc-pwned-top100k.txt").read_text(
        encoding="utf-8", errors="replace").splitlines()[6:]
    words = [w.lower() for w in lines[:3000] if w.isascii() and w.strip()]
    rules = default_rules()
    chooser = random.Random(1320)
    planted = {}
    for i in range(60):
        word, rule = chooser.choice(words), chooser.choice(rules)
        planted[f"weak{i}"] = (word, rule.apply(word))
    strong = {f"strong{i}": secrets.token_urlsafe(15) for i in range(40)}
    accounts = [(u, pw) for u, (_, pw) in planted.items()] + list(strong.items())
    accounts += [("carol", ""), ("dave", "Dave2024"), ("WS01$", "ws01")]
    _, parsed = parse_dump(_dump(accounts), "built")
    result = audit(parsed, AuditInputs(dict.fromkeys(words, "NCSC top"), rules, workers=1,
                                       reveal=True))
    by_account: dict[str, set[str]] = {}
    for finding in result.findings:
        for account in finding.accounts:
            by_account.setdefault(account.split("\\")[-1], set()).add(finding.kind)
    guessable = {"passwords.sprayable", "passwords.listed"}
    missed = [u for u in planted if not by_account.get(u, set()) & guessable]
    assert missed == []
    assert not any(u in by_account for u in strong), "a strong random password was flagged"
    assert by_account["carol"] == {"passwords.empty"}
    assert "passwords.username" in by_account["dave"]
    assert "passwords.default_machine_password" in by_account["WS01$"]
    sprayable = [f for f in result.findings if f.kind == "passwords.sprayable"]
    assert all(f.details["base_word"] and f.details["rule"] for f in sprayable)
    for finding in sprayable:
        user = finding.accounts[0].split("\\")[-1]
        if user in planted:
            assert nt_hash(finding.details["password"]) == nt_hash(planted[user][1])


def test_passwords_stay_out_unless_revealed() -> None:
    _, parsed = parse_dump(_dump([("alice", "Winter2024!"), ("bob", "Winter2024!")]), "d")
    result = audit(parsed, AuditInputs({"winter": "seasons"}, workers=1))
    kinds = sorted(f.kind for f in result.findings)
    assert kinds == ["passwords.shared", "passwords.sprayable", "passwords.sprayable"]
    assert "Winter2024!" not in str(result.to_dict())
    assert OWN_NAME  # the account's own name is always a base word
