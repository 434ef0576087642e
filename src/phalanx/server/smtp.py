"""The SMTP intake: staff forward suspicious mail to an address the service receives.

Point the organisation's mail system at it (a transport rule or an alias forwarding
phishing@uni.example to this host and port). Each message is stored durably before "250" is
answered, so a sending server that got "250" can forget it; anything else is a 4xx (try again
later) or a 5xx naming why. The reporter is the envelope sender, to whom the verdict is sent back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from phalanx.server.service import ReportingService, ReportRefused

log = logging.getLogger("phalanx.server.smtp")


class ReportHandler:
    """aiosmtpd handler: RCPT checks the reporting addresses, DATA stores the report."""

    def __init__(self, service: ReportingService) -> None:
        self.service = service
        self.recipients = frozenset(r.lower() for r in service.settings.server.smtp_recipients)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.recipients and address.lower() not in self.recipients:
            return "550 5.1.1 not a reporting address"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        reporter = envelope.mail_from or None
        loop = asyncio.get_running_loop()
        try:
            sid = await loop.run_in_executor(
                None, self.service.submit, bytes(raw), "smtp", reporter, f"SMTP from {peer}"
            )
        except ReportRefused as exc:
            return f"552 5.3.4 {exc}"
        except Exception:  # the store is down or full: the sender must keep the message
            log.exception("report from %s not stored", peer)
            return "451 4.3.0 the report could not be stored; try again later"
        return f"250 2.0.0 report {sid} stored"


class _ReportSMTP(SMTP):
    # RFC 5321 caps lines at 1,000 characters, but phishing kits send unwrapped HTML and
    # base64 of any length and mail gateways pass it on: a report is not refused for it.
    line_length_limit = 1 << 20


class _Intake(Controller):
    def factory(self) -> SMTP:
        return _ReportSMTP(self.handler, **self.SMTP_kwargs)


def smtp_intake(service: ReportingService) -> Controller:
    """The SMTP listener (not started): `controller.start()` runs it in its own thread."""
    # aiosmtpd logs every connection at INFO: at 200 reports a second that drowns the log.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    settings = service.settings.server
    return _Intake(
        ReportHandler(service),
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        data_size_limit=settings.max_report_bytes,
        decode_data=False,
        ident="Phalanx report intake",
    )
