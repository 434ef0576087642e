"""Colon-separated dumps: secretsdump, pwdump (and DSInternals' PWDump view), user:nthash.

    secretsdump  CORP\\jsmith:1104:aad3b435...:31d6cfe0...::: (pwdLastSet=...) (status=Enabled)
    pwdump       jsmith:1104:NO PASSWORD*********************:31d6cfe0...:::
    plain        jsmith:31d6cfe0d16ae931b73c59d7e0c089c0   (hashcat NT / DSInternals HashcatNT)
"""

from __future__ import annotations

import re

from phalanx.core.errors import InputError
from phalanx.passwords.dumps.records import AccountHash

_HEX = re.compile(r"^[0-9A-Fa-f]*$")
_NO_HASH = re.compile(r"^NO PASSWORD\**$|^\*+$", re.IGNORECASE)
_STATUS = re.compile(r"\(status=(Enabled|Disabled)\)", re.IGNORECASE)
_HISTORY = re.compile(r"_history\d+$")


def line_shape(line: str) -> str | None:
    """'pwdump' (RID and LM:NT fields), 'plain' (user:hash) or None."""
    body = line.split(" (", 1)[0].rstrip()
    fields = body.split(":")
    if len(fields) >= 4 and fields[1].strip().isdigit():
        return "pwdump"
    if len(fields) == 2:
        return "plain"
    return None


def parse_pwdump(line: str, number: int, where: str) -> AccountHash | None:
    """One secretsdump/pwdump line; None for password-history lines (not current passwords)."""
    body = line.split(" (", 1)[0].rstrip()
    fields = body.split(":")
    if len(fields) < 4:
        raise InputError("expected user:rid:lmhash:nthash:::", path=where, record=number)
    user, rid, lm, nt = fields[:4]
    domain, _, account = user.rpartition("\\")
    if _HISTORY.search(account):
        return None
    status = _STATUS.search(line)
    return AccountHash(
        account=_account(account, number, where), domain=domain,
        rid=int(rid), lm=_hash(lm, "LM", number, where), nt=_hash(nt, "NT", number, where),
        enabled=None if status is None else status.group(1).lower() == "enabled", line=number,
    )


def parse_plain(line: str, number: int, where: str) -> AccountHash:
    user, _, nt = line.strip().partition(":")
    domain, _, account = user.rpartition("\\")
    return AccountHash(account=_account(account, number, where), domain=domain,
                       nt=_hash(nt, "NT", number, where), line=number)


def _account(name: str, number: int, where: str) -> str:
    if not name.strip():
        raise InputError("the account name is empty", path=where, record=number)
    return name.strip()


def _hash(text: str, label: str, number: int, where: str) -> bytes | None:
    text = text.strip()
    if not text or _NO_HASH.match(text):
        return None
    if not _HEX.match(text):
        raise InputError(f"the {label} hash {text[:40]!r} is not hexadecimal", path=where,
                         record=number)
    if len(text) != 32:
        raise InputError(f"the {label} hash has {len(text)} hex digits, expected 32", path=where,
                         record=number)
    return bytes.fromhex(text)
