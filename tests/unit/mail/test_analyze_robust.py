"""Hostile and broken input: every case gives an Analysis with a clear error, never an
exception, and the corpus's pathological messages stay within the parsing limits."""

from __future__ import annotations

import email
import json
import re
from email import policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phalanx.config.mail import MailSettings
from phalanx.mail.analyze import analyze
from phalanx.mail.extract import split_report
from phalanx.mail.parse import codec

from .factory import message, zip_bomb

SETTINGS = MailSettings()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n  ", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "binary"),
        (b"just some words, no headers at all\n", "no header"),
    ],
)
def test_junk_gives_an_error_verdict(raw: bytes, words: str) -> None:
    result = analyze(raw, SETTINGS)
    assert result.verdict == "error"
    assert result.error and words in result.error
    assert json.dumps(result.to_dict())


def test_malformed_mime_is_named_and_still_analysed() -> None:
    raw = (
        b"From: x@evil.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-seen"\r\n\r\n'
        b"Verify your account within 24 hours: http://login.evil.example/\r\n"
    )
    result = analyze(raw, SETTINGS)
    assert result.error and "malformed MIME" in result.error
    assert result.verdict != "error"
    assert "http://login.evil.example/" in result.indicators.urls


def test_zip_bomb_is_refused_not_inflated() -> None:
    raw = message("Invoice attached.", attachments=[("invoice.zip", zip_bomb())])
    result = analyze(raw, SETTINGS)
    assert result.error and "zip bomb refused" in result.error
    assert "attachment.zip_bomb" in result.rules
    assert result.verdict in ("malicious", "suspicious")


def test_oversized_content_type_and_hostile_charset() -> None:
    params = "; ".join(f'p{i}="{"x" * 40}"' for i in range(330))  # ~14 KB of header
    raw = (
        f"From: a@b.example\r\nSubject: pathological\r\nContent-Type: text/plain; {params}\r\n"
        "\r\nhello there\r\n"
    ).encode()
    assert len(raw) > 14_000
    result = analyze(raw, SETTINGS)
    assert result.verdict != "error" and "hello there" in result.text
    html_charset = (
        b"From: a@b.example\r\nSubject: cs\r\n"
        b'Content-Type: text/plain; charset="<html><body>x</body></html>"\r\n\r\ncaf\xc3\xa9\r\n'
    )
    assert analyze(html_charset, SETTINGS).text == "café"
    assert codec("<html>") == "utf-8"


def test_missing_date_is_none() -> None:
    raw = b"From: a@b.example\r\nSubject: no date\r\n\r\nbody\r\n"
    assert analyze(raw, SETTINGS).date is None


def _pathological(mail_corpus: Path) -> list[Path]:
    """Corpus messages with a header over 8 KB, an unusable charset or no usable Date."""
    found = []
    for path in sorted((mail_corpus / "phishing").iterdir()) + sorted(
        (mail_corpus / "spam").iterdir()
    ):
        raw = path.read_bytes()
        msg = email.message_from_bytes(raw, policy=policy.compat32)
        long_header = any(len(str(v)) > 8000 for _, v in msg.raw_items())
        charsets = re.findall(rb'charset="?([^";\r\n]{1,200})', raw[:200_000])
        odd_charset = any(
            codec(c.decode("latin-1")) == "utf-8"
            and b"utf" not in c.lower()
            and b"ascii" not in c.lower()
            for c in charsets
        )
        if long_header or odd_charset or not msg.get("date"):
            found.append(path)
    return found


def test_corpus_pathological_messages_stay_within_limits(mail_corpus: Path) -> None:
    paths = _pathological(mail_corpus)
    assert len(paths) >= 5
    for path in paths:
        result = analyze(path.read_bytes(), SETTINGS)
        assert result.verdict != "error", path.name
        assert len(result.text) <= SETTINGS.max_text_chars
        assert len(result.subject) <= 1000
        assert len(result.indicators.urls) <= SETTINGS.max_urls


def test_part_and_count_limits_hold() -> None:
    small = MailSettings(max_parts=5, max_part_bytes=1000)
    raw = message("x" * 5000, attachments=[(f"f{i}.txt", b"y" * 5000) for i in range(10)])
    result = analyze(raw, small)
    assert result.error and "only the first 5 MIME parts" in result.error
    assert len(result.indicators.attachments) <= 5


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    result = analyze(raw, SETTINGS)
    assert result.verdict in ("malicious", "suspicious", "spam", "clean", "error")
    assert split_report(raw)


_HEADERISH = st.lists(
    st.sampled_from(
        [
            b"From: ",
            b"Subject: ",
            b"Content-Type: multipart/mixed; boundary=b\r\n",
            b"\r\n",
            b"--b\r\n",
            b"--b--\r\n",
            b"Content-Transfer-Encoding: base64\r\n",
            b"=?utf-8?b?",
            b"message/rfc822\r\n",
            b"<a href='http://x.example'>y</a>",
            b"\xff\xfe",
            b"?=",
            b"---------- Forwarded message ---------\r\n",
            b"From: a@b.example\r\nSent: x\r\n",
        ]
    ),
    max_size=40,
).map(b"".join)


@settings(max_examples=150, deadline=None)
@given(_HEADERISH)
def test_mail_shaped_noise_never_raises(raw: bytes) -> None:
    for extracted in split_report(raw):
        assert analyze(extracted.raw, SETTINGS).verdict


def test_boundary_recovered_when_the_header_quote_is_broken() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: kit\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed;boundary="--_=_kit-123_=_\r\n\r\n'
        b"----_=_kit-123_=_\r\nContent-Type: text/plain\r\n\r\n"
        b"Your parcel is on hold: http://parcel.evil.example/\r\n"
        b"----_=_kit-123_=_--\r\n"
    )
    result = analyze(raw, SETTINGS)
    assert result.text == "Your parcel is on hold: http://parcel.evil.example/"
    assert result.error is None
