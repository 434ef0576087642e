"""Messages built in code for the analysis tests (nothing copied from the corpus)."""

from __future__ import annotations

import functools
import io
import zipfile
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText


def message(
    body: str = "Hello, see you tomorrow.",
    *,
    sender: str = "Alice Example <alice@uni.example>",
    subject: str = "Lunch",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    root: Message
    if html is None and not attachments:
        root = MIMEText(body, "plain", "utf-8")
    else:
        root = MIMEMultipart("mixed")
        root.attach(MIMEText(body, "plain", "utf-8"))
        if html is not None:
            root.attach(MIMEText(html, "html", "utf-8"))
        for name, data in attachments:
            part = MIMEApplication(data, _subtype="octet-stream")
            part.add_header("Content-Disposition", "attachment", filename=name)
            root.attach(part)
    root["From"] = sender
    root["To"] = "bob@uni.example"
    root["Subject"] = subject
    root["Date"] = "Mon, 06 Nov 2023 10:00:00 +0000"
    root["Message-ID"] = "<test@uni.example>"
    for key, value in (headers or {}).items():
        root[key] = value
    return root.as_bytes()


def report_with_attached(*originals: bytes, reporter: str = "carol@uni.example") -> bytes:
    """A staff report forwarding messages as message/rfc822 attachments."""
    from email import message_from_bytes, policy

    report = MIMEMultipart("mixed")
    report["From"] = reporter
    report["To"] = "phishing@uni.example"
    report["Subject"] = "Fw: suspicious"
    report.attach(MIMEText("Is this phishing?", "plain", "utf-8"))
    for original in originals:
        part = MIMEBase("message", "rfc822")
        part.set_payload([message_from_bytes(original, policy=policy.compat32)])
        report.attach(part)
    return report.as_bytes()


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def zip_bomb() -> bytes:
    """A 30 KB archive that inflates to 30 MB (ratio ~1000:1): never to be opened in full."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("invoice.pdf", "w") as member,
    ):
        for _ in range(30):
            member.write(b"\0" * 1_000_000)
    return buffer.getvalue()
