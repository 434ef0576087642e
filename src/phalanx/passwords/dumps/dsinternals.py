"""DSInternals `Get-ADReplAccount` / `Get-ADDBAccount` text output (Format-List).

One account per block: `SamAccountName: jsmith`, `Enabled: True`, then under `Secrets` the
`NTHash:` and `LMHash:` lines (empty when none is stored).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from phalanx.core.errors import InputError
from phalanx.passwords.dumps.colon import _hash
from phalanx.passwords.dumps.records import AccountHash

_FIELD = re.compile(
    r"^\s*(DistinguishedName|SamAccountName|NTHash|LMHash|Enabled|Sid)\s*:\s*(.*?)\s*$")


_ACCOUNT_LINE = re.compile(r"^\s*SamAccountName\s*:[^:]*$", re.MULTILINE)
_HASH_LINE = re.compile(r"^\s*NTHash\s*:", re.MULTILINE)


def looks_like(head: str) -> bool:
    return bool(_ACCOUNT_LINE.search(head) and _HASH_LINE.search(head))


def read(lines: Iterable[tuple[int, str]], where: str) -> Iterator[AccountHash]:
    block: dict[str, tuple[int, str]] = {}
    for number, line in lines:
        match = _FIELD.match(line)
        if not match:
            continue
        key, value = match.groups()
        if "SamAccountName" in block and key in ("DistinguishedName", "SamAccountName"):
            yield _account(block, where)
            block = {}
        if key in block and key in ("NTHash", "LMHash"):
            continue  # the NTHashHistory list follows; only the current hash counts
        block[key] = (number, value)
    if block:
        yield _account(block, where)


def _account(block: dict[str, tuple[int, str]], where: str) -> AccountHash:
    if "SamAccountName" not in block:
        first = min(n for n, _ in block.values())
        raise InputError("hash lines before any SamAccountName", path=where, record=first)
    line, name = block["SamAccountName"]
    nt_line, nt = block.get("NTHash", (line, ""))
    lm_line, lm = block.get("LMHash", (line, ""))
    sid = block.get("Sid", (0, ""))[1]
    enabled = block.get("Enabled", (0, ""))[1].lower()
    return AccountHash(
        account=name, nt=_hash(nt, "NT", nt_line, where), lm=_hash(lm, "LM", lm_line, where),
        rid=int(sid.rsplit("-", 1)[1]) if sid.count("-") > 2 else None,
        enabled={"true": True, "false": False}.get(enabled), line=line,
    )
