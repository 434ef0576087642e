"""Hash dumps of Active Directory accounts, with the format detected from the content.

Formats: secretsdump / pwdump (`user:rid:lm:nt:::`), plain `user:nthash` (hashcat NT,
DSInternals HashcatNT view) and DSInternals' account listing. One file holds one format: a
file mixing shapes, or a Pwned Passwords hash list given where a dump belongs (a trap
DSInternals users fall into, silently getting zero hits), is refused naming the line.
"""

from __future__ import annotations

import re
from pathlib import Path

from phalanx.core.errors import InputError
from phalanx.passwords.dumps import colon, dsinternals
from phalanx.passwords.dumps.records import EMPTY_LM, AccountHash

FORMATS = ("secretsdump", "pwdump", "plain", "dsinternals")
_PWNED_LINE = re.compile(r"^[0-9A-Fa-f]{27,40}:\d+$")


def read_dump(path: Path) -> tuple[str, list[AccountHash]]:
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read hash dump ({exc.strerror})", path=str(path)) from exc
    return parse_dump(text, str(path))


def parse_dump(text: str, where: str) -> tuple[str, list[AccountHash]]:
    """(format name, accounts) of a whole dump."""
    lines = [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), start=1)]
    content = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    if not content:
        raise InputError("the hash dump is empty", path=where)
    if dsinternals.looks_like(text[:65536]):
        return "dsinternals", list(dsinternals.read(lines, where))
    _refuse_pwned(content, where)
    shape = _shape(content, where)
    if shape == "plain":
        return "plain", [colon.parse_plain(line, n, where) for n, line in content]
    accounts = [a for n, line in content if (a := colon.parse_pwdump(line, n, where))]
    name = "secretsdump" if _is_secretsdump(content) else "pwdump"
    return name, accounts


def _shape(content: list[tuple[int, str]], where: str) -> str:
    first_number, first_line = content[0]
    shape = colon.line_shape(first_line)
    if shape is None:
        raise InputError("not a hash dump line (expected user:rid:lmhash:nthash::: or "
                         "user:nthash)", path=where, record=first_number)
    for number, line in content[1:]:
        other = colon.line_shape(line)
        if other != shape:
            described = other or "an unrecognised line"
            raise InputError(f"{described} in a {shape} dump (line {first_number} set the "
                             "format): one file must hold one format", path=where, record=number)
    return shape


def _refuse_pwned(content: list[tuple[int, str]], where: str) -> None:
    sample = content[:20]
    if all(_PWNED_LINE.match(line.strip()) for _, line in sample):
        raise InputError("this is a Pwned Passwords hash list (HASH:COUNT), not an account dump; "
                         "give it with --pwned", path=where, record=sample[0][0])


def _is_secretsdump(content: list[tuple[int, str]]) -> bool:
    return any("\\" in line.split(":", 1)[0] or "(status=" in line or "(pwdLastSet=" in line
               for _, line in content[:1000])




__all__ = ["EMPTY_LM", "FORMATS", "AccountHash", "parse_dump", "read_dump"]
