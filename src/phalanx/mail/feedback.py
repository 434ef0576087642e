"""Replies to the person who reported a message: the verdict, and later "the site is down".

Public API (stable):

    message = verdict_reply(reporter, analysis, settings)   # EmailMessage, plain text only
    message = takedown_reply(reporter, case, settings)      # the site you reported is down
    sent = send(message, settings)                           # via the SMTP relay; False if disabled
    may_reply(reporter, settings)                            # reporter inside reply_domains?

The replies copy nothing active from the reported mail: plain text only, no HTML, no
attachments, and every URL, domain or address taken from it is defanged (hxxps://evil[.]example,
someone[@]evil[.]example) so that no mail client turns it into a link. They carry
`Auto-Submitted: auto-replied` (RFC 3834) so that auto-responders do not answer them back.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from phalanx.config.mail_service import FeedbackSettings
from phalanx.mail.campaigns import under_any
from phalanx.mail.takedown import Status, TakedownCase

# What the verdict means for the reader, and what to do; keyed by (verdict, category) then
# verdict. Written for people who are not security staff.
_ADVICE: Mapping[tuple[str, str | None], tuple[str, str]] = {
    ("malicious", "credential_phishing"): (
        "This was a credential-phishing email: it tried to get you to give away your password.",
        "Delete it. If you clicked the link and entered your password, change it now and tell"
        " {it_contact}.",
    ),
    ("malicious", "malware"): (
        "This email carried malicious software.",
        "Delete it without opening the attachment. If you opened it or enabled macros,"
        " disconnect the computer from the network and call {it_contact} now.",
    ),
    ("malicious", "bec"): (
        "This was a fraud attempt: someone pretended to be a colleague or a supplier.",
        "Do not reply, pay or change any bank details it asks for. If you already did, tell"
        " your finance team and {it_contact} now.",
    ),
    ("malicious", "scam"): (
        "This was a scam.",
        "Do not reply or call any number in it. If you paid or gave personal details, tell"
        " {it_contact}.",
    ),
    ("malicious", "callback_phishing"): (
        "This was a call-back scam: it wanted you to phone a number so that someone could talk"
        " you into paying or installing software.",
        "Do not call any number in it. If you called, paid or let someone onto your computer,"
        " tell {it_contact} now.",
    ),
    ("malicious", None): (
        "This email was malicious.",
        "Delete it. If you clicked a link, entered a password or opened an attachment, tell"
        " {it_contact} now.",
    ),
    ("suspicious", None): (
        "This email looks suspicious and a person will look at it more closely.",
        "Until you hear back, do not click its links, open its attachments or reply to it.",
    ),
    ("spam", None): (
        "This was spam: unwanted advertising, not an attack.",
        "You can delete it or mark it as junk.",
    ),
    ("clean", None): (
        "We found nothing dangerous in this email.",
        "If you still have doubts, check with the sender using contact details you already"
        " know, not those in the email.",
    ),
}
_UNKNOWN = (
    "We could not analyse this email automatically; a person will look at it.",
    "Until you hear back, do not click its links, open its attachments or reply to it.",
)
_VERDICT_WORDS = {
    "malicious": "malicious",
    "suspicious": "suspicious",
    "spam": "spam",
    "clean": "no threat found",
}
_MAX_LINKS = 5
_MAX_REASONS = 6

_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_DOMAINISH = re.compile(r"\b[\w.+'@-]*[\w-]\.[a-z][a-z0-9-]+\b(?:[/?#]\S*)?", re.IGNORECASE)


class FeedbackError(RuntimeError):
    """The relay refused or could not be reached; the message was not sent."""


def defang_text(text: str) -> str:
    """Text from a reported mail made inert: schemes become hxxp, dots in hosts [.], @ [@]."""
    text = _URL.sub(lambda m: _defang_token(m.group(0)), text)
    text = _DOMAINISH.sub(lambda m: _defang_token(m.group(0)), text)
    return re.sub(r"(?<!\[)://", "[://]", text)  # any other scheme, too


def _defang_token(token: str) -> str:
    token = re.sub(r"^http", "hxxp", token, flags=re.IGNORECASE)
    token = re.sub(r"^ftp", "fxp", token, flags=re.IGNORECASE).replace("://", "[://]")
    token = re.sub(r"(?<!\[)\.(?!\])", "[.]", token)
    return token.replace("@", "[@]")


def _one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _base(reporter: str, subject: str, settings: FeedbackSettings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = _one_line(reporter, 320)  # a forged address must not add header lines
    message["Subject"] = _one_line(f"{settings.subject_prefix} {subject}", 200)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    return message


def verdict_reply(
    reporter: str, analysis: Mapping[str, Any], settings: FeedbackSettings
) -> EmailMessage:
    """The verdict on a reported message in plain words, with what to do next."""
    verdict = str(analysis.get("verdict") or "")
    category = analysis.get("category")
    what, todo = _advice(verdict, category if isinstance(category, str) else None)
    original = defang_text(_one_line(str(analysis.get("subject") or "(no subject)")))
    lines = [
        "Thank you for reporting this email:",
        "",
        f"  Subject: {original}",
        f"  From:    {defang_text(_one_line(str(analysis.get('sender') or '(unknown sender)')))}",
        "",
        what,
        todo.format(it_contact=settings.it_contact),
    ]
    lines += _why(analysis)
    if verdict not in ("clean", "spam"):
        lines += _links(analysis)
    lines += ["", "-- ", settings.team_name]
    headline = _VERDICT_WORDS.get(verdict, "under review")
    message = _base(reporter, f"{headline}: {original}", settings)
    message.set_content("\n".join(lines) + "\n")
    return message


def _advice(verdict: str, category: str | None) -> tuple[str, str]:
    return _ADVICE.get((verdict, category)) or _ADVICE.get((verdict, None)) or _UNKNOWN


def _why(analysis: Mapping[str, Any]) -> list[str]:
    reasons = [r for r in analysis.get("reasons") or () if isinstance(r, str) and r.strip()]
    if not reasons:
        return []
    shown = [f"  - {defang_text(_one_line(r, 200))}" for r in reasons[:_MAX_REASONS]]
    return ["", "Why we think so:", *shown]


def _links(analysis: Mapping[str, Any]) -> list[str]:
    indicators = analysis.get("indicators")
    urls = indicators.get("urls") if isinstance(indicators, Mapping) else None
    urls = [u for u in urls or () if isinstance(u, str)]
    if not urls:
        return []
    shown = [f"  {defang_text(_one_line(u, 160))}" for u in urls[:_MAX_LINKS]]
    more = len(urls) - _MAX_LINKS
    tail = [f"  (and {more} more)"] if more > 0 else []
    return ["", "Links in it (made unclickable; do not visit them):", *shown, *tail]


def takedown_reply(reporter: str, case: TakedownCase, settings: FeedbackSettings) -> EmailMessage:
    """Tells a reporter that the site behind what they reported has been taken down."""
    down_at = next((e.at for e in reversed(case.timeline) if e.status is Status.DOWN), None)
    when = down_at.strftime("%d %B %Y at %H:%M UTC") if down_at else "recently"
    reported = any(e.status is Status.REPORTED for e in case.timeline)
    how = "It was reported to its host and was" if reported else "It was"
    others = case.report_count - 1
    helped = (
        f"You and {others} other colleague{'s' if others != 1 else ''} reported it."
        if others > 0
        else "Yours was the report that flagged it."
    )
    lines = [
        "Good news: the site you reported is down.",
        "",
        f"  {defang_text(case.key)}",
        "",
        f"{how} found offline on {when}. {helped}",
        "Reports like yours are how these sites get removed. Thank you.",
        "",
        "-- ",
        settings.team_name,
    ]
    message = _base(reporter, f"the site you reported is down: {defang_text(case.host)}", settings)
    message.set_content("\n".join(lines) + "\n")
    return message


def may_reply(reporter: str, settings: FeedbackSettings) -> bool:
    """Whether replies may go to this reporter (reply_domains; empty allows anyone)."""
    if not settings.reply_domains:
        return True
    domain = parseaddr(reporter)[1].rpartition("@")[2].lower()
    allowed = frozenset(d.lower().strip(".") for d in settings.reply_domains)
    return bool(domain) and under_any(domain, allowed)


def send(message: EmailMessage, settings: FeedbackSettings) -> bool:
    """Sends through the configured relay. False, and nothing sent, while feedback is disabled
    or when a recipient is outside reply_domains."""
    recipients = [str(v) for v in message.get_all("To", [])]
    if not settings.enabled or not all(may_reply(r, settings) for r in recipients):
        return False
    where = f"{settings.relay_host}:{settings.relay_port}"
    try:
        with smtplib.SMTP(
            settings.relay_host, settings.relay_port, timeout=settings.relay_timeout_seconds
        ) as relay:
            if settings.relay_starttls:
                relay.starttls()
            if settings.relay_username:
                relay.login(settings.relay_username, settings.relay_password or "")
            relay.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise FeedbackError(f"feedback relay {where}: {exc}") from exc
    return True
