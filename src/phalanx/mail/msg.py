"""Outlook .msg (a Compound File of MAPI properties) converted to RFC 822, over olefile (BSD).

extract-msg does this fully but is GPL-3.0; the analysis needs only the subject, sender,
recipients, transport headers, bodies and attachments, which are plain property streams:
`__substg1.0_PPPPTTTT` where PPPP is the property id and TTTT its type (001F UTF-16LE,
001E 8-bit string, 0102 binary), attachments under `__attach_version1.0_#N`.
"""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import format_datetime

import olefile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_TRANSPORT_MESSAGE_HEADERS = 0x007D
PR_SENDER_NAME = 0x0C1A
PR_SENDER_EMAIL = 0x0C1F
PR_SENDER_SMTP = 0x5D01
PR_DISPLAY_CC = 0x0E03
PR_DISPLAY_TO = 0x0E04
PR_MESSAGE_DELIVERY_TIME = 0x0E06
PR_BODY = 0x1000
PR_HTML = 0x1013
PR_INTERNET_MESSAGE_ID = 0x1035
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_ATTACH_CONTENT_ID = 0x3712
# Headers describing the original MIME structure, which the rebuilt message replaces.
_STRUCTURE_HEADERS = ("content-type", "content-transfer-encoding", "mime-version")
_MAX_ATTACHMENTS = 100


def is_msg(data: bytes) -> bool:
    return data[:8] == OLE_MAGIC


class _Props:
    """The property streams of one storage (the message or one attachment)."""

    def __init__(self, ole: olefile.OleFileIO, prefix: str) -> None:
        self._ole = ole
        self._prefix = prefix

    def raw(self, prop: int, kind: str) -> bytes | None:
        path = f"{self._prefix}__substg1.0_{prop:04X}{kind}"
        if not self._ole.exists(path):
            return None
        data: bytes = self._ole.openstream(path).read()
        return data

    def text(self, prop: int) -> str:
        data = self.raw(prop, "001F")
        if data is not None:
            return data.decode("utf-16-le", "replace").rstrip("\x00")
        data = self.raw(prop, "001E")
        if data is not None:
            return data.decode("cp1252", "replace").rstrip("\x00")
        return ""

    def time(self, prop: int) -> datetime | None:
        """A PT_SYSTIME property from the fixed-size property stream."""
        path = f"{self._prefix}__properties_version1.0"
        if not self._ole.exists(path):
            return None
        data = self._ole.openstream(path).read()
        for offset in range(32, len(data) - 15, 16):
            kind, pid = struct.unpack_from("<HH", data, offset)
            if pid == prop and kind == 0x0040:
                (filetime,) = struct.unpack_from("<Q", data, offset + 8)
                try:
                    return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=filetime // 10)
                except OverflowError:
                    return None
        return None


def msg_to_rfc822(data: bytes) -> bytes:
    """The .msg as RFC 822 bytes. Raises ValueError when the data is not a readable .msg."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:
        raise ValueError(f"not a readable Outlook .msg file ({type(exc).__name__})") from exc
    try:
        return _convert(ole).as_bytes()
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"damaged Outlook .msg file ({type(exc).__name__}: {exc})") from exc
    finally:
        ole.close()


def _convert(ole: olefile.OleFileIO) -> Message:
    props = _Props(ole, "")
    if not ole.exists("__properties_version1.0"):
        raise ValueError("not an Outlook .msg file: no MAPI property stream")
    message = MIMEMultipart("mixed")
    _copy_transport_headers(props.text(PR_TRANSPORT_MESSAGE_HEADERS), message)
    _fill_missing_headers(props, message)
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(props.text(PR_BODY), "plain", "utf-8"))
    html = props.raw(PR_HTML, "0102") or props.text(PR_HTML).encode("utf-8")
    if html:
        body.attach(MIMEText(html.decode("utf-8", "replace"), "html", "utf-8"))
    message.attach(body)
    for prefix in _attachment_prefixes(ole):
        part = _attachment(_Props(ole, prefix))
        if part is not None:
            message.attach(part)
    return message


def _copy_transport_headers(headers: str, message: Message) -> None:
    """The original Internet headers Outlook kept, minus those describing its MIME layout."""
    if not headers.strip():
        return
    original = HeaderParser(policy=compat32).parsestr(headers.replace("\r\n", "\n") + "\n\n")
    for key, value in original.raw_items():
        if key.strip().lower() not in _STRUCTURE_HEADERS:
            message[key] = value


def _fill_missing_headers(props: _Props, message: Message) -> None:
    sender = props.text(PR_SENDER_SMTP) or props.text(PR_SENDER_EMAIL)
    name = props.text(PR_SENDER_NAME)
    values = {
        "Subject": props.text(PR_SUBJECT),
        "From": f'"{name}" <{sender}>' if sender and "@" in sender else name or sender,
        "To": props.text(PR_DISPLAY_TO),
        "Cc": props.text(PR_DISPLAY_CC),
        "Message-ID": props.text(PR_INTERNET_MESSAGE_ID),
    }
    when = props.time(PR_CLIENT_SUBMIT_TIME) or props.time(PR_MESSAGE_DELIVERY_TIME)
    if when is not None:
        values["Date"] = format_datetime(when)
    for key, value in values.items():
        if value and key not in message:
            message[key] = value.replace("\r", " ").replace("\n", " ")


def _attachment_prefixes(ole: olefile.OleFileIO) -> list[str]:
    storages = sorted(
        {
            e[0]
            for e in ole.listdir(streams=True, storages=True)
            if e and e[0].startswith("__attach_version1.0_#")
        }
    )
    return [f"{s}/" for s in storages[:_MAX_ATTACHMENTS]]


def _attachment(props: _Props) -> Message | None:
    data = props.raw(PR_ATTACH_DATA, "0102")
    if data is None:
        return None  # embedded .msg (3701000D storage) or OLE object: not converted
    name = props.text(PR_ATTACH_LONG_FILENAME) or props.text(PR_ATTACH_FILENAME) or "attachment"
    mime = props.text(PR_ATTACH_MIME_TAG) or "application/octet-stream"
    maintype, _, subtype = mime.partition("/")
    part = MIMEApplication(data, _subtype="octet-stream")
    if maintype and subtype and "\n" not in mime:
        part.replace_header("Content-Type", mime)
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part
