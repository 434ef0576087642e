"""The takedown queue: one case per malicious URL or domain, its lifecycle and its evidence.

Public API (stable; the service stores cases as `case.to_dict()` and reads them back with
`TakedownCase.from_dict`):

    cases = cases_from_analysis(report_id, analysis, received_at)   # [] unless verdict malicious
    case = merge(stored_case, new_case)                # same key reported again: count, last seen
    case = transition(case, Status.REPORTED, at, note="sent to abuse@host.example")
    live = check_liveness(case.key, settings)          # "not_checked" unless network_enabled
    case = apply_liveness(case, live, at)              # reported->down, down->back_up, ...
    blob = evidence_pack(case, [(report_id, analysis, raw_headers), ...])   # zip bytes

Lifecycle (anything else raises TransitionError):

    new ──> reported ──> down ──> back_up ──> reported / down
     │          │          │         │
     └──> down  └──────────┴─────────┴──> closed        (closed is final; new -> closed too)

`new -> down` covers a site gone before anyone reported it. The liveness checker never runs a
script or renders a page: it reads at most max_body_bytes of the response, follows redirects only
on the same host and only max_redirects times, and stays silent unless network_enabled is set.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import re
import socket
import ssl
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parseaddr
from enum import StrEnum
from hashlib import sha256
from typing import Any
from urllib.parse import urljoin, urlsplit

from phalanx.config.mail_service import TakedownSettings
from phalanx.mail.campaigns import (
    SHARED_SERVICE_HOSTS,
    WELL_KNOWN_DOMAINS,
    host_of,
    normalise_url,
    under_any,
)


class Status(StrEnum):
    NEW = "new"
    REPORTED = "reported"  # reported to the hosting provider / registrar
    DOWN = "down"
    BACK_UP = "back_up"
    CLOSED = "closed"


ALLOWED: Mapping[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.REPORTED, Status.DOWN, Status.CLOSED}),
    Status.REPORTED: frozenset({Status.DOWN, Status.CLOSED}),
    Status.DOWN: frozenset({Status.BACK_UP, Status.CLOSED}),
    Status.BACK_UP: frozenset({Status.REPORTED, Status.DOWN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# Statuses whose site is worth re-testing on the schedule.
WATCHED = frozenset({Status.NEW, Status.REPORTED, Status.DOWN, Status.BACK_UP})


class TransitionError(ValueError):
    """A status change the lifecycle does not allow (e.g. closed -> reported)."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    status: Status
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"at": self.at.isoformat(), "status": self.status.value, "note": self.note}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> TimelineEntry:
        at = datetime.fromisoformat(str(raw["at"]))
        return cls(at, Status(raw["status"]), str(raw.get("note", "")))


@dataclass(frozen=True, slots=True)
class TakedownCase:
    key: str  # the normalised URL, or the domain for a domain case
    kind: str  # "url" or "domain"
    host: str
    status: Status
    report_ids: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    timeline: tuple[TimelineEntry, ...]
    abuse_contact: str | None = None  # from WHOIS/RDAP, filled by a person or a later enricher
    last_checked: datetime | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def report_count(self) -> int:
        return len(self.report_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "host": self.host,
            "status": self.status.value,
            "report_ids": list(self.report_ids),
            "report_count": self.report_count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "timeline": [entry.to_dict() for entry in self.timeline],
            "abuse_contact": self.abuse_contact,
            "last_checked": self.last_checked.isoformat() if self.last_checked else None,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> TakedownCase:
        checked = raw.get("last_checked")
        return cls(
            key=str(raw["key"]),
            kind=str(raw["kind"]),
            host=str(raw["host"]),
            status=Status(raw["status"]),
            report_ids=tuple(str(r) for r in raw.get("report_ids", ())),
            first_seen=datetime.fromisoformat(str(raw["first_seen"])),
            last_seen=datetime.fromisoformat(str(raw["last_seen"])),
            timeline=tuple(TimelineEntry.from_dict(e) for e in raw.get("timeline", ())),
            abuse_contact=raw.get("abuse_contact"),
            last_checked=datetime.fromisoformat(str(checked)) if checked else None,
            notes=tuple(str(n) for n in raw.get("notes", ())),
        )


# --- cases from analysed reports ------------------------------------------------------------


def cases_from_analysis(
    report_id: str,
    analysis: Mapping[str, Any],
    received_at: datetime,
    organisation_domains: Iterable[str] = (),
) -> list[TakedownCase]:
    """New cases for every URL, and every domain without a URL, of a malicious report.

    Legitimate sites a lure merely links to (the real login page, logos, XML namespaces) and the
    organisation's own domains are left out: no abuse desk should get a request about them.
    Content on shared services (a Google Form, a file-sharing link) is kept: that page is the
    attacker's, and the service's abuse desk removes it.
    """
    if analysis.get("verdict") != "malicious":
        return []
    indicators = analysis.get("indicators")
    if not isinstance(indicators, Mapping):
        return []
    skip = WELL_KNOWN_DOMAINS | frozenset(d.lower() for d in organisation_domains)
    cases: dict[str, TakedownCase] = {}
    for url in _texts(indicators.get("urls")):
        key = normalise_url(url)
        host = host_of(key) if key else None
        if key and host and _takedown_worthy(host, skip) and key not in cases:
            cases[key] = _new_case(key, "url", host, report_id, received_at)
    # A From domain is forged at will (often the very bank the lure imitates): on its own it
    # opens no case, lest an abuse desk be asked to take down the victim brand.
    ignore = {case.host for case in cases.values()} | _sender_domains(analysis, indicators)
    for domain in _texts(indicators.get("domains")):
        host = domain.lower().strip(".")
        if host and host not in ignore and host not in cases and _takedown_worthy(host, skip):
            cases[host] = _new_case(host, "domain", host, report_id, received_at)
    return list(cases.values())


def _sender_domains(analysis: Mapping[str, Any], indicators: Mapping[str, Any]) -> set[str]:
    found = set()
    for value in (analysis.get("sender"), indicators.get("sender")):
        if isinstance(value, str):
            found.add(parseaddr(value)[1].rpartition("@")[2].lower())
    return found


def _texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list | tuple) else []


def _takedown_worthy(host: str, skip: frozenset[str]) -> bool:
    return under_any(host, SHARED_SERVICE_HOSTS) or not under_any(host, skip)


def _new_case(key: str, kind: str, host: str, report_id: str, at: datetime) -> TakedownCase:
    entry = TimelineEntry(at, Status.NEW, f"first reported in report {report_id}")
    return TakedownCase(key, kind, host, Status.NEW, (report_id,), at, at, (entry,))


def merge(case: TakedownCase, seen_again: TakedownCase) -> TakedownCase:
    """The stored case updated by a newer sighting of the same key (count and first/last seen)."""
    if case.key != seen_again.key:
        raise ValueError(f"cannot merge takedown cases {case.key!r} and {seen_again.key!r}")
    reports = tuple(dict.fromkeys(case.report_ids + seen_again.report_ids))
    return replace(
        case,
        report_ids=reports,
        first_seen=min(case.first_seen, seen_again.first_seen),
        last_seen=max(case.last_seen, seen_again.last_seen),
    )


def transition(case: TakedownCase, to: Status, at: datetime, note: str = "") -> TakedownCase:
    """The case moved to status `to`, with the step written to its timeline."""
    if to not in ALLOWED[case.status]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[case.status])) or "nothing"
        raise TransitionError(
            f"takedown case {case.key}: {case.status.value} -> {to.value} is not allowed"
            f" (from {case.status.value}: {allowed})"
        )
    return replace(case, status=to, timeline=(*case.timeline, TimelineEntry(at, to, note)))


# --- liveness --------------------------------------------------------------------------------

# Text hosting providers and registrars put where a removed site was.
_REMOVED_PAGE = re.compile(
    rb"account (?:has been )?suspended|this (?:site|website|account) (?:has been|is) suspended"
    rb"|suspected phishing|has been (?:disabled|removed) for|site not found|"
    rb"this page (?:has been removed|is no longer available)",
    re.IGNORECASE,
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GONE = frozenset({404, 410, 451})


@dataclass(frozen=True, slots=True)
class Liveness:
    state: str  # "up", "down", "unknown" (inconclusive), "not_checked" (network disabled)
    detail: str
    status_code: int | None = None
    final_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "detail": self.detail,
            "status_code": self.status_code,
            "final_url": self.final_url,
        }


def check_liveness(url: str, settings: TakedownSettings) -> Liveness:
    """Whether the site still serves the reported page, without running any of it.

    With network use not configured this makes no connection at all. Only http(s) URLs are
    fetched; a redirect to another host is not followed (the answer is then "unknown").
    """
    if not settings.network_enabled:
        return Liveness("not_checked", "network use is not enabled for takedown checks")
    if not url.lower().startswith(("http://", "https://")):
        url = "http://" + url  # a domain case: is anything served there?
    current = url
    for _ in range(settings.max_redirects + 1):
        outcome = _fetch_once(current, settings)
        if isinstance(outcome, Liveness):
            return outcome
        status, location = outcome
        target = urljoin(current, location)
        if host_of(target) != host_of(url):
            return Liveness("unknown", f"redirects to another host: {target}", status, target)
        current = target
    return Liveness("unknown", f"more than {settings.max_redirects} redirects", None, current)


def _fetch_once(url: str, settings: TakedownSettings) -> Liveness | tuple[int, str]:
    """One GET: a verdict, or (status, Location) when the server redirects."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Liveness("unknown", f"not a web address: {url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Liveness("unknown", f"not a web address: {url}")
    refused = _refuse_address(parts.hostname, port, url, settings)
    if refused:
        return refused
    connection = _connection(parts.scheme, parts.hostname, port, settings)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path, headers={"User-Agent": settings.user_agent})
        response = connection.getresponse()
        body = response.read(settings.max_body_bytes)
        location = response.getheader("Location")
    except ConnectionRefusedError:
        return Liveness("down", "connection refused", None, url)
    except TimeoutError:
        return Liveness("unknown", f"no answer within {settings.request_timeout_seconds} s")
    except (OSError, http.client.HTTPException) as exc:
        return Liveness("unknown", f"connection failed ({type(exc).__name__}: {exc})", None, url)
    finally:
        connection.close()
    if response.status in _REDIRECTS and location:
        return response.status, location
    return _judge(response.status, body, url)


def _refuse_address(host: str, port: int, url: str, settings: TakedownSettings) -> Liveness | None:
    """A verdict without fetching when the name does not resolve, or resolves inside.

    A reported URL pointing at 10.x, 169.254.169.254 or localhost would make the checker
    a way into the organisation's own network: such addresses are not fetched.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_NONAME:
            return Liveness("down", "host name does not exist", None, url)
        return Liveness("unknown", f"name lookup failed ({exc.strerror})", None, url)
    if settings.allow_private_addresses:
        return None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return Liveness("unknown", f"{host} resolves to internal address {ip}: not fetched")
    return None


def _connection(
    scheme: str, host: str, port: int, settings: TakedownSettings
) -> http.client.HTTPConnection:
    timeout = settings.request_timeout_seconds
    if scheme == "https":
        # Whether a page is still served does not depend on its certificate, and phishing
        # sites' certificates are often wrong: nothing is sent that a certificate would protect.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _judge(status: int, body: bytes, url: str) -> Liveness:
    if status in _GONE:
        return Liveness("down", f"HTTP {status}: the page is gone", status, url)
    if _REMOVED_PAGE.search(body):
        return Liveness("down", f"HTTP {status}: a suspension or removal notice", status, url)
    if 200 <= status < 300:
        return Liveness("up", f"HTTP {status}: the page is served", status, url)
    return Liveness("unknown", f"HTTP {status}: inconclusive", status, url)


def next_status(case: TakedownCase, liveness: Liveness) -> Status | None:
    """The status a liveness result moves the case to, or None when it changes nothing."""
    if liveness.state == "down" and case.status in (Status.NEW, Status.REPORTED, Status.BACK_UP):
        return Status.DOWN
    if liveness.state == "up" and case.status == Status.DOWN:
        return Status.BACK_UP
    return None


def apply_liveness(case: TakedownCase, liveness: Liveness, at: datetime) -> TakedownCase:
    """The case after a check: moved on when the result says so, last_checked stamped."""
    if liveness.state == "not_checked":
        return case
    checked = replace(case, last_checked=at)
    to = next_status(case, liveness)
    return transition(checked, to, at, f"liveness check: {liveness.detail}") if to else checked


def due_for_check(case: TakedownCase, now: datetime, settings: TakedownSettings) -> bool:
    """Whether the schedule says this case should be re-tested now."""
    if case.status not in WATCHED or not settings.network_enabled:
        return False
    if case.last_checked is None:
        return True
    return (now - case.last_checked).total_seconds() >= settings.check_interval_minutes * 60


# --- evidence pack ---------------------------------------------------------------------------

Report = tuple[str, Mapping[str, Any], str]  # (report id, analysis dict, raw headers text)

# Headers naming our own staff: an abuse desk needs the attacker's side, not who received it.
_RECIPIENT_HEADERS = re.compile(
    r"^(to|cc|bcc|delivered-to|x-original-to|envelope-to|x-forwarded-to|x-rcpt-to"
    r"|x-envelope-to|x-ms-exchange-organization-originalenvelopeto)(\s*:).*(?:\r?\n[ \t].*)*",
    re.IGNORECASE | re.MULTILINE,
)
_RECEIVED_FOR = re.compile(r"(\bfor\s+)<?[^\s<>;]+@[^\s<>;]+>?", re.IGNORECASE)


def redact_recipients(headers: str) -> str:
    """The headers with our recipients' addresses replaced: To/Cc/Delivered-To... and the
    `for <address>` clause of Received lines."""
    headers = _RECIPIENT_HEADERS.sub(lambda m: f"{m.group(1)}{m.group(2)} [redacted]", headers)
    return _RECEIVED_FOR.sub(r"\1<[redacted]>", headers)


def defang(url: str) -> str:
    """A URL nobody can click by accident: hxxps://evil[.]example/login."""
    text = re.sub(r"^http", "hxxp", url, flags=re.IGNORECASE)
    return text.replace(".", "[.]").replace("://", "[://]")


def evidence_pack(
    case: TakedownCase,
    reports: Sequence[Report],
    *,
    generated_at: datetime | None = None,
    redact: bool = True,
) -> bytes:
    """A zip for a hosting provider's abuse desk: summary, case JSON, URLs, hashes, headers.

    Only reports belonging to the case are included, and recipients are redacted, because
    reported mail may quote patient or student correspondence.
    """
    mine = [r for r in reports if r[0] in case.report_ids]
    when = generated_at or datetime.now(UTC)
    files: dict[str, str] = {
        "summary.txt": _summary(case, mine, when),
        "case.json": json.dumps(_case_document(case, mine, when), indent=2, sort_keys=True),
        "urls.txt": "".join(f"{url}\n" for url in _all_urls(case, mine)),
        "hashes.txt": "".join(f"{h}  {name}\n" for h, name in _attachment_hashes(mine)),
    }
    for report_id, _, headers in mine:
        name = f"headers/{_safe_name(report_id)}.txt"
        files[name] = redact_recipients(headers) if redact else headers
    files["MANIFEST.sha256"] = "".join(
        f"{sha256(body.encode()).hexdigest()}  {name}\n" for name, body in sorted(files.items())
    )
    return _zip(files, when)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:80] or "report"


def _zip(files: Mapping[str, str], when: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            info = zipfile.ZipInfo(f"takedown-evidence/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body.encode("utf-8"))
    return buffer.getvalue()


def _report_summary(report_id: str, analysis: Mapping[str, Any]) -> dict[str, Any]:
    indicators = analysis.get("indicators")
    indicators = indicators if isinstance(indicators, Mapping) else {}
    return {
        "report_id": report_id,
        "subject": analysis.get("subject"),
        "sender": analysis.get("sender"),
        "date": analysis.get("date"),
        "message_id": analysis.get("message_id"),
        "verdict": analysis.get("verdict"),
        "category": analysis.get("category"),
        "reasons": list(analysis.get("reasons") or ()),
        "urls": _texts(indicators.get("urls")),
        "sending_ips": _texts(indicators.get("ips")),
        "attachments": [
            {k: a.get(k) for k in ("name", "sha256", "type")}
            for a in indicators.get("attachments") or ()
            if isinstance(a, Mapping)
        ],
    }


def _case_document(case: TakedownCase, reports: Sequence[Report], when: datetime) -> dict[str, Any]:
    return {
        "generated_at": when.isoformat(),
        "case": case.to_dict(),
        "abuse_contact": case.abuse_contact,
        "reports": [_report_summary(rid, analysis) for rid, analysis, _ in reports],
    }


def _all_urls(case: TakedownCase, reports: Sequence[Report]) -> list[str]:
    urls = [case.key] if case.kind == "url" else []
    for _, analysis, _ in reports:
        indicators = analysis.get("indicators")
        if isinstance(indicators, Mapping):
            urls += [u for u in _texts(indicators.get("urls")) if host_of(u) == case.host]
    return list(dict.fromkeys(urls))


def _attachment_hashes(reports: Sequence[Report]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for _, analysis, _ in reports:
        for att in _report_summary("", analysis)["attachments"]:
            if isinstance(att.get("sha256"), str):
                found.setdefault(att["sha256"], str(att.get("name") or ""))
    return sorted(found.items())


def _summary(case: TakedownCase, reports: Sequence[Report], when: datetime) -> str:
    contact = case.abuse_contact or f"(to be filled: abuse contact of {case.host} from WHOIS/RDAP)"
    what = "phishing page" if case.kind == "url" else "domain used for phishing"
    lines = [
        f"Takedown request: {what} at {defang(case.key)}",
        "",
        f"Host: {case.host.replace('.', '[.]')}",
        f"Abuse contact: {contact}",
        f"Reported by our staff: {case.report_count} report(s),"
        f" first {case.first_seen.isoformat()}, last {case.last_seen.isoformat()}",
        f"Current status: {case.status.value}",
        f"Pack generated: {when.isoformat()}",
        "",
        "Please remove the content or suspend the service. The exact URLs are in urls.txt,",
        "the message headers (recipients redacted) in headers/, attachment SHA-256 in",
        "hashes.txt and everything as JSON in case.json. URLs here are defanged (hxxp, [.]).",
        "",
        "Timeline:",
    ]
    lines += [f"  {e.at.isoformat()}  {e.status.value:<8}  {e.note}" for e in case.timeline]
    lines += ["", "Reports:"]
    for report_id, analysis, _ in reports:
        subject = str(analysis.get("subject") or "(no subject)")
        lines.append(f"  {report_id}: {subject!r} from {analysis.get('sender') or '(unknown)'}")
    return "\n".join(lines) + "\n"
