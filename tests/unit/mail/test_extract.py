"""split_report: the suspicious messages a staff report carries, in each shape reports come."""

from __future__ import annotations

import base64
import re
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from html import escape
from pathlib import Path

from phalanx.config.mail import MailSettings
from phalanx.mail.analyze import analyze
from phalanx.mail.extract import Extracted, split_report

from .factory import message, report_with_attached

SETTINGS = MailSettings()


def _corpus_pair(mail_corpus: Path) -> tuple[bytes, bytes]:
    folder = sorted((mail_corpus / "sublime").glob("*.eml"))
    return folder[0].read_bytes(), folder[1].read_bytes()


def test_two_attached_corpus_messages_give_two(mail_corpus: Path) -> None:
    first, second = _corpus_pair(mail_corpus)
    carried = split_report(report_with_attached(first, second))
    assert [e.how for e in carried] == ["attachment", "attachment"]
    subjects = [analyze(e.raw, SETTINGS).subject for e in carried]
    assert subjects == [analyze(first, SETTINGS).subject, analyze(second, SETTINGS).subject]
    # The original headers survive: the sender is the phisher's, not the reporter's.
    assert (
        analyze(carried[0].raw, SETTINGS).indicators.sender
        == analyze(first, SETTINGS).indicators.sender
    )


def test_eml_file_attachment(mail_corpus: Path) -> None:
    original, _ = _corpus_pair(mail_corpus)
    raw = message("See attached", attachments=[("suspicious.eml", original)])
    [carried] = split_report(raw)
    assert carried.how == "attachment"
    assert analyze(carried.raw, SETTINGS).subject == analyze(original, SETTINGS).subject


def test_outlook_msg_attachment(mail_corpus: Path) -> None:
    msg = (mail_corpus / "samples-msg" / "unicode.msg").read_bytes()
    raw = message("Reporting this", attachments=[("Test for TIF files.msg", msg)])
    [carried] = split_report(raw)
    assert carried.how == "msg"
    assert analyze(carried.raw, SETTINGS).subject == "Test for TIF files"


GMAIL_FORWARD = """Please check this one.

---------- Forwarded message ---------
From: PayPal Service <service@paypa1-secure.example>
Date: Mon, 6 Nov 2023 at 09:12
Subject: Your account has been limited
To: <carol@uni.example>


Dear customer, verify your account within 24 hours: https://paypa1-secure.example/login
"""

OUTLOOK_FORWARD = """FYI - is this real?

________________________________
From: IT Service Desk <helpdesk@uni-example.com>
Sent: Monday, November 6, 2023 9:12 AM
To: Carol <carol@uni.example>
Subject: Mailbox quota exceeded

Your mailbox is full. Log in to continue receiving mail: http://uni-example.com/owa
"""


def _report(body: str, *, as_html: bool = False) -> bytes:
    if as_html:
        # As Outlook writes it: one <div> a line, field names in bold, addresses escaped.
        lines = [escape(line) for line in body.split("\n")]
        lines = [re.sub(r"^(From|Sent|To|Subject):", r"<b>\1:</b>", ln) for ln in lines]
        html = "<html><body>" + "".join(f"<div>{line}</div>" for line in lines)
        part: MIMEText | MIMEMultipart = MIMEMultipart("alternative")
        part.attach(MIMEText(html + "</body></html>", "html", "utf-8"))
    else:
        part = MIMEText(body, "plain", "utf-8")
    part["From"] = "Carol <carol@uni.example>"
    part["To"] = "phishing@uni.example"
    part["Subject"] = "Fwd: something odd"
    return part.as_bytes()


def test_gmail_inline_forward_recovers_the_original() -> None:
    [carried] = split_report(_report(GMAIL_FORWARD))
    assert carried.how == "inline_forward"
    result = analyze(carried.raw, SETTINGS)
    assert result.indicators.sender == "service@paypa1-secure.example"
    assert result.subject == "Your account has been limited"
    assert "https://paypa1-secure.example/login" in result.indicators.urls
    assert result.verdict in ("malicious", "suspicious")


def test_outlook_inline_forward_recovers_the_original() -> None:
    for as_html in (False, True):
        [carried] = split_report(_report(OUTLOOK_FORWARD, as_html=as_html))
        assert carried.how == "inline_forward"
        result = analyze(carried.raw, SETTINGS)
        assert result.indicators.sender == "helpdesk@uni-example.com"
        assert result.subject == "Mailbox quota exceeded"
        assert result.date is not None or "Monday" in carried.raw.decode()
        assert "Your mailbox is full" in result.text


def test_plain_message_is_as_is() -> None:
    raw = message("Lunch at noon?")
    assert split_report(raw) == [Extracted(raw, "as_is")]


def test_base64_encoded_forward_body_is_read() -> None:
    part = MIMEText(GMAIL_FORWARD, "plain", "utf-8")  # utf-8 bodies are sent base64
    part["From"] = "carol@uni.example"
    part["Subject"] = "Fwd"
    assert b"Forwarded message" not in part.as_bytes()
    assert base64.b64decode(part.get_payload()).startswith(b"Please check")
    [carried] = split_report(part.as_bytes())
    assert carried.how == "inline_forward"


def test_junk_is_returned_as_is() -> None:
    for junk in (b"", b"\x00\x01garbage", b"no headers here"):
        assert split_report(junk) == [Extracted(junk, "as_is")]


def test_damaged_msg_attachment_is_skipped_not_fatal() -> None:
    ole_magic = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    raw = message("see attached", attachments=[("broken.msg", ole_magic + b"\x00" * 100)])
    assert [e.how for e in split_report(raw)] == ["as_is"]


def test_a_reply_chain_is_not_mistaken_for_a_forward() -> None:
    """A phish with a fake quoted history must keep its own sender."""
    body = OUTLOOK_FORWARD.replace("FYI - is this real?", "Please pay the attached invoice.")
    part = MIMEText(body, "plain", "utf-8")
    part["From"] = "Supplier <billing@evil.example>"
    part["Subject"] = "RE: invoice 4471"
    assert [e.how for e in split_report(part.as_bytes())] == ["as_is"]
    del part["Subject"]
    part["Subject"] = "FW: invoice 4471"
    assert [e.how for e in split_report(part.as_bytes())] == ["inline_forward"]


def test_a_message_reported_as_is_is_analysed_from_the_parse_split_made(
    mail_corpus: Path,
) -> None:
    """The service hands analyze() the parse split_report made of a report that is the message
    itself: the analysis is the one its bytes give, over the whole corpus."""
    reused = 0
    for path in sorted(p for p in mail_corpus.rglob("*") if p.is_file()):
        for carried in split_report(path.read_bytes()):
            if carried.message is not None:
                reused += 1
                assert analyze(carried.raw, SETTINGS, carried.message) == analyze(
                    carried.raw, SETTINGS
                ), path.name
    assert reused > 1000


def test_the_parse_is_not_reused_for_a_message_cut_for_analysis() -> None:
    raw = message("Verify your password: http://evil.example/login " + "x" * 3000)
    [carried] = split_report(raw)
    assert carried.message is not None
    small = MailSettings(max_message_bytes=1000)
    cut = analyze(carried.raw, small, carried.message)
    assert cut == analyze(carried.raw, small) and "message cut to 1000 bytes" in str(cut.error)


def test_a_multipart_whose_boundary_never_comes_is_read_alike_from_either_parse() -> None:
    raw = (b"From: x@evil.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="never-seen"\r\n\r\n'
           b"--real\r\nContent-Type: text/plain\r\n\r\nVerify: http://login.evil.example/\r\n"
           b"--real--\r\n")
    [carried] = split_report(raw)
    assert carried.how == "as_is" and carried.message is not None
    assert analyze(raw, SETTINGS, carried.message) == analyze(raw, SETTINGS)
    assert "http://login.evil.example/" in analyze(raw, SETTINGS).indicators.urls
