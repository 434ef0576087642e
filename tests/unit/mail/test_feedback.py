"""Replies to reporters: plain words, nothing clickable, delivered through an SMTP relay."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.policy import default
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.config.mail_service import FeedbackSettings
from phalanx.mail.feedback import (
    FeedbackError,
    defang_text,
    send,
    takedown_reply,
    verdict_reply,
)
from phalanx.mail.takedown import Status, cases_from_analysis, merge, transition

SETTINGS = FeedbackSettings(sender="phishing-report@uni.example", it_contact="the IT desk on 4444")
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def analysis(verdict: str | None, category: str | None = None, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "verdict": verdict,
        "category": category,
        "subject": "Your mailbox is full - act at https://login.evil.example/owa",
        "sender": "IT Helpdesk <helpdesk@evil.example>",
        "reasons": [
            "the link goes to login.evil.example, not to uni.example",
            "Reply-To differs from From",
        ],
        "indicators": {
            "urls": [f"https://login.evil.example/owa/{i}" for i in range(7)],
            "domains": ["login.evil.example"],
        },
    }
    found.update(extra)
    return found


def body(message: EmailMessage) -> str:
    content = message.get_content()
    assert isinstance(content, str)
    return content


def test_a_credential_phishing_verdict_says_what_it_was_and_what_to_do() -> None:
    reply = verdict_reply(
        "alice@uni.example", analysis("malicious", "credential_phishing"), SETTINGS
    )

    text = body(reply)
    assert reply["To"] == "alice@uni.example"
    assert reply["From"] == "phishing-report@uni.example"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Subject"].startswith("[Report result] malicious: Your mailbox is full")
    assert "This was a credential-phishing email" in text
    assert "change it now and tell the IT desk on 4444" in text
    assert "Reply-To differs from From" in text
    assert "(and 2 more)" in text


def test_nothing_from_the_reported_mail_stays_clickable() -> None:
    reply = verdict_reply(
        "alice@uni.example", analysis("malicious", "credential_phishing"), SETTINGS
    )

    whole = reply.as_string()
    assert reply.get_content_type() == "text/plain"
    assert not reply.is_multipart()
    assert "https://" not in whole
    assert "evil.example" not in whole
    assert "helpdesk@" not in whole
    assert "hxxps[://]login[.]evil[.]example/owa/0" in body(reply)
    assert "helpdesk[@]evil[.]example" in body(reply)


@pytest.mark.parametrize(
    ("verdict", "category", "expected"),
    [
        ("malicious", "malware", "disconnect the computer from the network"),
        ("malicious", "bec", "Do not reply, pay or change any bank details"),
        ("malicious", "callback_phishing", "Do not call any number in it."),
        ("malicious", "something_new", "This email was malicious."),
        ("error", "none", "We could not analyse this email automatically"),
        ("suspicious", "credential_phishing", "a person will look at it more closely"),
        ("spam", None, "This was spam"),
        ("spam", None, "You can delete it or mark it as junk.\n\nWhy we think so:"),
        ("clean", None, "We found nothing dangerous in this email."),
        (None, None, "We could not analyse this email automatically"),
    ],
)
def test_every_verdict_has_plain_advice(
    verdict: str | None, category: str | None, expected: str
) -> None:
    reply = verdict_reply("bob@uni.example", analysis(verdict, category), SETTINGS)
    assert expected in body(reply)


def test_a_hostile_subject_or_reporter_cannot_add_headers() -> None:
    hostile = analysis("spam", subject="Hi\r\nBcc: everyone@uni.example\r\n\r\nbody")
    reply = verdict_reply("bob@uni.example\r\nCc: all@uni.example", hostile, SETTINGS)
    assert reply["Cc"] is None
    assert reply["Bcc"] is None
    parsed = email.message_from_string(reply.as_string(), policy=default)
    assert parsed["Bcc"] is None


def test_defang_text_leaves_ordinary_words_alone() -> None:
    assert defang_text("Version 2.0, see www.evil.example or mail a@b.example.") == (
        "Version 2.0, see www[.]evil[.]example or mail a[@]b[.]example."
    )


@given(st.text(max_size=200))
@settings(max_examples=100, deadline=None)
def test_defanged_text_holds_no_scheme_separator(text: str) -> None:
    assert "://" not in defang_text(text).replace("[://]", "")


@given(
    st.from_regex(
        r"https?://[a-z0-9-]{1,12}(\.[a-z0-9-]{1,8}){1,3}(/[a-z0-9./?=&-]{0,20})?", fullmatch=True
    )
)
@settings(max_examples=100, deadline=None)
def test_defanged_urls_lose_their_scheme_and_dots(url: str) -> None:
    inert = defang_text(f"see {url} now")
    assert "http" not in inert.replace("hxxp", "")
    assert re.search(r"[a-z0-9-]\.[a-z0-9-]", inert) is None


def down_case() -> Any:
    [case] = cases_from_analysis(
        "r1",
        {"verdict": "malicious", "indicators": {"urls": ["https://login.evil.example/owa"]}},
        T0,
    )
    [again] = cases_from_analysis(
        "r2",
        {"verdict": "malicious", "indicators": {"urls": ["https://login.evil.example/owa"]}},
        T0,
    )
    case = transition(merge(case, again), Status.REPORTED, T0 + timedelta(hours=1))
    return transition(case, Status.DOWN, T0 + timedelta(hours=5, minutes=30))


def test_the_takedown_reply_says_the_site_is_down_and_when() -> None:
    reply = takedown_reply("alice@uni.example", down_case(), SETTINGS)

    text = body(reply)
    assert (
        reply["Subject"] == "[Report result] the site you reported is down: login[.]evil[.]example"
    )
    assert "the site you reported is down" in text
    assert "hxxps[://]login[.]evil[.]example/owa" in text
    assert "found offline on 22 November 2026 at 14:30 UTC" in text
    assert "You and 1 other colleague reported it." in text
    assert "evil.example" not in reply.as_string()


# --- delivery through a relay on loopback ------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default))
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def relay() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_the_reply_is_delivered_through_the_relay(relay: tuple[Inbox, int]) -> None:
    inbox, port = relay
    settings = FeedbackSettings(enabled=True, relay_host="127.0.0.1", relay_port=port)
    reply = verdict_reply(
        "alice@uni.example", analysis("malicious", "credential_phishing"), settings
    )

    assert send(reply, settings) is True

    [(recipients, received)] = inbox.received
    assert recipients == ["alice@uni.example"]
    assert received["Subject"] == reply["Subject"]
    assert "credential-phishing" in received.get_content()


def test_disabled_feedback_sends_nothing(relay: tuple[Inbox, int]) -> None:
    inbox, port = relay
    settings = FeedbackSettings(enabled=False, relay_port=port)
    assert send(takedown_reply("a@uni.example", down_case(), settings), settings) is False
    assert inbox.received == []


def test_replies_go_only_to_reporters_in_the_reply_domains(relay: tuple[Inbox, int]) -> None:
    inbox, port = relay
    settings = FeedbackSettings(enabled=True, relay_port=port, reply_domains=("uni.example",))
    stranger = verdict_reply("victim@elsewhere.example", analysis("spam"), settings)
    colleague = verdict_reply("Bob <bob@med.uni.example>", analysis("spam"), settings)

    assert send(stranger, settings) is False
    assert send(colleague, settings) is True
    assert [rcpt for rcpt, _ in inbox.received] == [["bob@med.uni.example"]]


def test_an_unreachable_relay_is_a_clear_error() -> None:
    settings = FeedbackSettings(enabled=True, relay_port=free_port(), relay_timeout_seconds=2)
    with pytest.raises(FeedbackError, match=r"feedback relay 127\.0\.0\.1:\d+"):
        send(verdict_reply("a@uni.example", analysis("spam"), settings), settings)


HEADLINES = {
    "malicious": "malicious",
    "suspicious": "suspicious",
    "spam": "spam",
    "clean": "no threat found",
}


@pytest.mark.corpus
def test_replies_about_real_phishing_carry_nothing_clickable(corpus: Path) -> None:
    analyze_module = pytest.importorskip("phalanx.mail.analyze")
    from phalanx.config.mail import MailSettings

    samples = sorted((corpus / "mail" / "sublime").iterdir())
    for path in samples:
        result = analyze_module.analyze(path.read_bytes(), MailSettings()).to_dict()
        reply = verdict_reply("alice@uni.example", result, SETTINGS)
        whole = reply.as_string()
        assert "://" not in whole.replace("[://]", ""), path.name
        for url in result["indicators"]["urls"]:
            host = urlsplit(url).hostname or ""
            if "." in host:
                assert host not in whole, (path.name, host)
        headline = HEADLINES.get(result["verdict"], "under review")
        assert reply["Subject"].startswith(f"[Report result] {headline}: "), path.name


def test_links_are_listed_only_where_they_are_a_danger() -> None:
    spam = body(verdict_reply("bob@uni.example", analysis("spam"), SETTINGS))
    phish = body(verdict_reply("bob@uni.example", analysis("malicious"), SETTINGS))
    assert "Links in it" not in spam
    assert "Links in it (made unclickable; do not visit them):" in phish
