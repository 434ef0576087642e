"""Analysis of one reported message: indicators, signals, a verdict with reasons. Never raises.

    analysis = analyze(raw_bytes, settings.mail)
    analysis.verdict, analysis.score, analysis.category, analysis.reasons
    analysis.to_dict()            # JSON-ready; the store, campaigns and takedowns read this

Parsing is bounded (parse.py); every check is a pure function from the parsed message to
signals (headers.py, urls.py, attachments.py, lures.py); verdict.py adds them up.
"""

from __future__ import annotations

import email.message
import email.utils
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from phalanx.config.mail import MailSettings
from phalanx.mail import attachments, headers, lures, urls
from phalanx.mail.parse import ParsedMessage, html_to_text, normalise_text, parse_message
from phalanx.mail.verdict import Signal, decide


@dataclass(frozen=True)
class Attachment:
    name: str
    sha256: str
    type: str  # the real type, from the content's magic bytes ("pe", "zip", "pdf", ...)


@dataclass(frozen=True)
class Indicators:
    urls: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    sender: str | None = None  # the From address
    attachments: tuple[Attachment, ...] = ()
    return_path: str | None = None
    sending_ip: str | None = None  # the first public IP in the Received chain


@dataclass(frozen=True)
class Analysis:
    verdict: str  # malicious | suspicious | spam | clean | error
    score: int
    category: str
    reasons: tuple[str, ...] = ()
    indicators: Indicators = field(default_factory=Indicators)
    subject: str = ""
    sender: str = ""  # the From header as shown ("Name <address>")
    message_id: str = ""
    date: datetime | None = None
    text: str = ""
    error: str | None = None
    rules: tuple[str, ...] = ()  # identifiers of the rules that fired, for tuning

    def to_dict(self) -> dict[str, Any]:
        ind = self.indicators
        return {
            "verdict": self.verdict,
            "score": self.score,
            "category": self.category,
            "reasons": list(self.reasons),
            "rules": list(self.rules),
            "indicators": {
                "urls": list(ind.urls),
                "domains": list(ind.domains),
                "ips": list(ind.ips),
                "sender": ind.sender,
                "return_path": ind.return_path,
                "sending_ip": ind.sending_ip,
                "attachments": [
                    {"name": a.name, "sha256": a.sha256, "type": a.type} for a in ind.attachments
                ],
            },
            "subject": self.subject,
            "sender": self.sender,
            "message_id": self.message_id,
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
            "error": self.error,
        }


def analyze(
    raw: bytes, settings: MailSettings, message: email.message.Message | None = None
) -> Analysis:
    """The analysis of one message. Never raises: a bad message gives verdict "error".

    `message`: the compat32 parse of `raw` when the caller has it (Extracted.message)."""
    try:
        return _analyze(raw, settings, message)
    except Exception as exc:  # a bug must cost one report its analysis, never the service
        return Analysis("error", 0, "none", error=f"analysis failed: {type(exc).__name__}: {exc}")


def _analyze(
    raw: bytes, settings: MailSettings, message: email.message.Message | None
) -> Analysis:
    if not isinstance(raw, bytes | bytearray | memoryview):
        return Analysis("error", 0, "none", error="input is not bytes")
    parsed = parse_message(bytes(raw), settings, message)
    if parsed.fatal:
        return Analysis("error", 0, "none", reasons=(parsed.fatal,), error=parsed.fatal)
    body = _visible_text(parsed, settings)
    envelope = headers.read_envelope(parsed)
    found_attachments = attachments.inspect(parsed.attachments, settings)
    inside = tuple(url for item in found_attachments for url in item.urls)
    found_urls = urls.extract(parsed, settings, inside)
    signals: list[Signal] = []
    signals += headers.check(parsed, envelope, settings)
    signals += urls.check(found_urls, envelope, settings)
    signals += attachments.signals(found_attachments)
    signals += lures.check(envelope, body, found_urls, found_attachments, settings)
    outcome = decide(signals, settings)
    errors = [*parsed.notes, *(e for a in found_attachments for e in a.errors)]
    ordered = sorted(signals, key=lambda s: -s.weight)
    return Analysis(
        verdict=outcome.verdict,
        score=outcome.score,
        category=outcome.category,
        reasons=tuple(dict.fromkeys(s.reason for s in ordered)),
        indicators=Indicators(
            urls=tuple(found_urls.urls),
            domains=tuple(found_urls.domains),
            ips=envelope.ips,
            sender=envelope.from_address or None,
            attachments=tuple(Attachment(a.name, a.sha256, a.real_type) for a in found_attachments),
            return_path=envelope.return_path or None,
            sending_ip=envelope.originating_ip or None,
        ),
        subject=envelope.subject,
        sender=envelope.from_header,
        message_id=parsed.header("message-id")[:300],
        date=_date(parsed.header("date")),
        text=body,
        error="; ".join(errors) if errors else None,
        rules=tuple(dict.fromkeys(s.rule for s in ordered)),
    )


def _visible_text(parsed: ParsedMessage, settings: MailSettings) -> str:
    if any(p.strip() for p in parsed.plain):
        text = " ".join(parsed.plain)
    else:
        text = " ".join(html_to_text(h, settings.max_html_chars) for h in parsed.html)
    return normalise_text(text[: settings.max_text_chars * 3], settings.max_text_chars)


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value[:100])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# --- reading message files -----------------------------------------------------------------


def read_message_file(path: Path | str) -> list[bytes]:
    """The messages in a .eml, .msg, mbox file or Maildir folder, as RFC 822 bytes."""
    return list(iter_message_file(Path(path)))


def iter_message_file(path: Path) -> Iterator[bytes]:
    from phalanx.mail.msg import is_msg, msg_to_rfc822

    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(str(path), factory=None, create=False)
            for key in box.iterkeys():
                yield box.get_bytes(key)
        return
    data = path.read_bytes()
    if is_msg(data):
        yield msg_to_rfc822(data)
    elif data.startswith(b"From ") and _is_mbox(data):
        mbox = mailbox.mbox(str(path), create=False)
        for key in mbox.iterkeys():
            yield mbox.get_bytes(key)
    else:
        yield data


def _is_mbox(data: bytes) -> bool:
    """An mbox holds several messages, each after a "From " line; a single .eml saved from a
    mailbox also starts with one, and is read whole."""
    return data.count(b"\nFrom ") >= 1
