"""MFA gaps: who signs in with a password alone, ranked by how exposed they are.

Inputs are data, not other capabilities: a sign-in table in the sign-ins schema (successful
sign-ins whose `auth_requirement` is "single_factor"), a Microsoft Graph
userRegistrationDetails export, the JSON of `phalanx signins scan` (sprayed and compromised
accounts) and the JSON of `phalanx passwords audit` (guessable passwords). An account that
was sprayed, has no second factor and has a guessable password is first in the list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from phalanx.core import Finding, Severity
from phalanx.core.errors import InputError

GUESSABLE_KINDS = frozenset({"passwords.sprayable", "passwords.listed", "passwords.username",
                             "passwords.empty", "passwords.pwned", "passwords.shared",
                             "passwords.default_machine_password"})


def account_key(name: str) -> str:
    """One key for 'CORP\\JSmith', 'jsmith@corp.ac.uk' and 'jsmith' (sign-ins: lower, no domain)."""
    return name.strip().rsplit("\\", 1)[-1].split("@", 1)[0].lower()


@dataclass(frozen=True)
class Registration:
    account: str
    mfa_registered: bool | None
    mfa_capable: bool | None
    methods: tuple[str, ...] = ()
    is_admin: bool = False


@dataclass
class Exposure:
    """What is known about one account that lacks a second factor."""

    account: str
    single_factor_signins: int = 0
    sources: set[str] = field(default_factory=set)
    clients: set[str] = field(default_factory=set)
    registration: Registration | None = None
    sprayed: bool = False
    compromised: bool = False
    guessable: set[str] = field(default_factory=set)  # audit finding kinds

    @property
    def score(self) -> int:
        return self.sprayed + bool(self.guessable) + 1  # no MFA is the first point

    def sort_key(self) -> tuple[int, bool, bool, int, str]:
        return (-self.score, not self.compromised, not self.registration_admin,
                -self.single_factor_signins, self.account)

    @property
    def registration_admin(self) -> bool:
        return bool(self.registration and self.registration.is_admin)


def single_factor_signins(table: pa.Table) -> dict[str, tuple[int, set[str], set[str]]]:
    """account -> (successful single-factor sign-ins, sources, clients/protocols)."""
    mask = pc.and_(pc.equal(table["outcome"], "success"),
                   pc.equal(table["auth_requirement"], "single_factor"))
    rows = table.filter(pc.fill_null(mask, False))
    out: dict[str, tuple[int, set[str], set[str]]] = {}
    for record in rows.select(["account", "source", "protocol", "client"]).to_pylist():
        key = account_key(record["account"])
        count, sources, clients = out.get(key, (0, set(), set()))
        sources.add(record["source"] or "")
        clients.add(record["client"] or record["protocol"] or "")
        out[key] = (count + 1, sources, clients)
    return out


def mfa_gaps(signins: pa.Table | None = None,
             registrations: Iterable[Registration] = (),
             spray_report: Mapping[str, Any] | None = None,
             audit_report: Mapping[str, Any] | None = None) -> list[Exposure]:
    """Accounts without a second factor, most exposed first."""
    gaps: dict[str, Exposure] = {}
    if signins is not None:
        for key, (count, sources, clients) in single_factor_signins(signins).items():
            gaps[key] = Exposure(key, count, sources - {""}, clients - {""})
    registered: dict[str, Registration] = {}
    for registration in registrations:
        key = account_key(registration.account)
        registered[key] = registration
        if registration.mfa_registered is False:
            gaps.setdefault(key, Exposure(key))
    for key, exposure in gaps.items():
        exposure.registration = registered.get(key)
    sprayed, compromised = _sprayed(spray_report or {})
    guessable = _guessable(audit_report or {})
    for key, exposure in gaps.items():
        exposure.sprayed = key in sprayed
        exposure.compromised = key in compromised
        exposure.guessable = guessable.get(key, set())
    return sorted(gaps.values(), key=Exposure.sort_key)


def _sprayed(report: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    sprayed: set[str] = set()
    compromised: set[str] = set()
    for finding in report.get("findings", []):
        if str(finding.get("kind", "")).startswith("signins."):
            sprayed.update(account_key(a) for a in finding.get("accounts", []))
            compromised.update(account_key(a) for a in finding.get("compromised", []))
    return sprayed, compromised


def _guessable(report: Mapping[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for finding in report.get("findings", []):
        if finding.get("kind") in GUESSABLE_KINDS:
            for account in finding.get("accounts", []):
                out.setdefault(account_key(account), set()).add(finding["kind"])
    return out


def to_findings(gaps: Iterable[Exposure]) -> list[Finding]:
    return [_finding(gap) for gap in gaps]


def _finding(gap: Exposure) -> Finding:
    severity = {3: Severity.CRITICAL, 2: Severity.HIGH}.get(gap.score, Severity.MEDIUM)
    why = ["signs in with a password alone" if gap.single_factor_signins
           else "has no second factor registered"]
    if gap.sprayed:
        why.append("was targeted by a password spray" +
                   (" that succeeded" if gap.compromised else ""))
    if gap.guessable:
        why.append("has a guessable password (" + ", ".join(
            sorted(k.removeprefix("passwords.") for k in gap.guessable)) + ")")
    return Finding(
        kind="passwords.mfa_gap", severity=severity, title="Account without a second factor",
        explanation=f"The account {'; '.join(why)}. Turn on two-factor authentication for it "
                    "and block legacy sign-in protocols; change the password if it is guessable.",
        technique="T1110.003", confidence="high" if gap.single_factor_signins else "medium",
        accounts=(gap.account,), compromised=(gap.account,) if gap.compromised else (),
        sources=tuple(sorted(gap.sources)), attempts=gap.single_factor_signins,
        details={"single_factor_signins": gap.single_factor_signins,
                 "clients": sorted(gap.clients), "sprayed": gap.sprayed,
                 "guessable": sorted(gap.guessable),
                 "mfa_registered": gap.registration.mfa_registered if gap.registration else None,
                 "methods": list(gap.registration.methods) if gap.registration else [],
                 "is_admin": gap.registration_admin})


# ---------------------------------------------------------------- reading the JSON/CSV inputs

def read_registrations(path: Path) -> list[Registration]:
    """A Graph userRegistrationDetails export: JSON ({"value": [...]} or a list) or CSV."""
    data = _read(path)
    if data.lstrip()[:1] in (b"{", b"["):
        parsed = _json(data, path)
        rows = parsed.get("value", []) if isinstance(parsed, dict) else parsed
    else:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="replace"))))
    out = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("userPrincipalName"):
            raise InputError("a registration without userPrincipalName", path=str(path),
                             record=number)
        out.append(Registration(
            account=str(row["userPrincipalName"]),
            mfa_registered=_flag(row.get("isMfaRegistered")),
            mfa_capable=_flag(row.get("isMfaCapable")),
            methods=_methods(row.get("methodsRegistered")),
            is_admin=bool(_flag(row.get("isAdmin")))))
    return out


def read_report(path: Path) -> dict[str, Any]:
    """The JSON of `phalanx signins scan --format json` or `phalanx passwords audit -f json`."""
    parsed = _json(_read(path), path)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("findings"), list):
        raise InputError("expected a Phalanx JSON report with a \"findings\" list",
                         path=str(path))
    return parsed


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=str(path)) from exc


def _json(data: bytes, path: Path) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc})", path=str(path)) from exc


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return {"true": True, "false": False}.get(str(value).strip().lower())


def _methods(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    text = str(value or "").strip("[] ")
    return tuple(m.strip().strip("'\"") for m in text.replace(";", ",").split(",") if m.strip())
