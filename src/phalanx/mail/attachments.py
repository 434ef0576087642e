"""Attachments: hash, real type from magic bytes versus the name, Office macros (oletools),
HTML attachments (forms, scripts, redirects) and zip archives one level deep, with size caps
so a zip bomb is refused rather than inflated."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field

from phalanx.config.mail import MailSettings
from phalanx.mail import qr, urls
from phalanx.mail.parse import Part
from phalanx.mail.verdict import CREDENTIAL_PHISHING, MALWARE, Signal

# (offset, magic, type), most specific first.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"MZ", "pe"),
    (0, b"\x7fELF", "elf"),
    (0, b"PK\x03\x04", "zip"),
    (0, b"PK\x05\x06", "zip"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (0, b"%PDF", "pdf"),
    (0, b"Rar!\x1a\x07", "rar"),
    (0, b"7z\xbc\xaf\x27\x1c", "7z"),
    (0, b"\x1f\x8b", "gzip"),
    (0, b"{\\rt", "rtf"),
    (0, b"L\x00\x00\x00\x01\x14\x02\x00", "lnk"),
    (0, b"\x89PNG", "png"),
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"GIF8", "gif"),
    (0, b"BEGIN:VCALENDAR", "ics"),
    (0x8001, b"CD001", "iso"),
    (0, b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d", "onenote"),
)
_HTML_START = re.compile(
    rb"^\s*(?:<!doctype html|<html|<head|<script|<body|<form|<meta|<svg)", re.IGNORECASE
)
_EXECUTABLE_EXT = frozenset(
    [
        "exe",
        "scr",
        "com",
        "pif",
        "cpl",
        "msi",
        "msp",
        "dll",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "hta",
        "bat",
        "cmd",
        "ps1",
        "psm1",
        "lnk",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "jar",
        "appx",
        "msix",
        "xll",
        "reg",
        "one",
        "library-ms",
        "application",
        "gadget",
        "chm",
        "inf",
        "sct",
    ]
)
# An Internet shortcut (.url) is harmless when it opens a web page, not when it points at a
# file share (file:, \\\\host, smb:) -- the route of CVE-2024-21412 and its kin.
_REMOTE_SHORTCUT = re.compile(rb"(?im)^\s*URL\s*=\s*(?:file:|\\\\|smb:|search-ms:)")
# QR codes are looked for in the first few images only: lures carry one, newsletters dozens.
MAX_QR_IMAGES = 3
_MACRO_EXT = frozenset(
    ["doc", "docm", "xls", "xlsm", "xlsb", "ppt", "pptm", "dotm", "xltm", "xlam", "ppam"]
)
_HTML_EXT = frozenset(["htm", "html", "shtml", "xhtml", "svg", "mht", "mhtml"])
_ARCHIVE_EXT = frozenset(["zip", "rar", "7z", "gz", "tgz", "ace", "arj", "cab", "iso", "img"])
_EXT_TYPES = {
    "pdf": "pdf",
    "zip": "zip",
    "rar": "rar",
    "7z": "7z",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "exe": "pe",
    "dll": "pe",
    "rtf": "rtf",
    "doc": "ole",
    "xls": "ole",
    "ppt": "ole",
    "docx": "zip",
    "xlsx": "zip",
    "pptx": "zip",
    "docm": "zip",
    "xlsm": "zip",
    "html": "html",
    "htm": "html",
    "iso": "iso",
    "lnk": "lnk",
    "gz": "gzip",
}
_SCRIPT_TRICKS = re.compile(
    r"\batob\s*\(|\bunescape\s*\(|\beval\s*\(|fromCharCode|window\.location|location\.href\s*="
    r"|location\.replace|document\.write\s*\(",
    re.IGNORECASE,
)


@dataclass
class Inspected:
    name: str
    sha256: str
    real_type: str
    declared_type: str
    size: int
    signals: list[Signal] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # archive member names
    urls: list[str] = field(default_factory=list)  # links inside (PDF, HTML)


def warm_up() -> None:
    """Import the heavy optional libraries now (oletools, the QR decoder), so the first
    message that needs them does not pay for it: service workers call this at start."""
    import oletools.olevba  # noqa: F401

    qr.available()


def real_type(data: bytes) -> str:
    for offset, magic, kind in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return kind
    if _HTML_START.match(data[:1024]):
        return "html"
    head = data[:2048]
    if head and sum(1 for b in head if b < 9 or 13 < b < 32) == 0:
        return "text"
    return "data" if data else "empty"


def extension(name: str) -> str:
    base = name.lower().rsplit("/", 1)[-1].rstrip(". ")
    return base.rsplit(".", 1)[-1] if "." in base else ""


def inspect(parts: list[Part], settings: MailSettings) -> list[Inspected]:
    items = []
    qr_budget = MAX_QR_IMAGES
    for part in parts:
        data = part.payload
        is_image = real_type(data[:16]) in ("png", "jpeg", "gif")
        items.append(
            inspect_one(
                part.filename or "(unnamed)",
                part.content_type,
                data,
                settings,
                qr=is_image and qr_budget > 0,
            )
        )
        qr_budget -= is_image
    return items


def inspect_one(
    name: str,
    ctype: str,
    data: bytes,
    settings: MailSettings,
    *,
    depth: int = 0,
    qr: bool = False,
) -> Inspected:
    kind = real_type(data)
    if ctype == "message/rfc822":
        kind = "message"
    item = Inspected(name, hashlib.sha256(data).hexdigest(), kind, ctype, len(data))
    _name_signals(item)
    if extension(name) == "url" and _REMOTE_SHORTCUT.search(data[:4000]):
        item.signals.append(
            Signal(
                "attachment.remote_shortcut",
                60,
                MALWARE,
                f"The shortcut {name} opens a file on a remote share, a "
                "known way to run malware past Windows' warnings.",
            )
        )
    if kind == "html" or extension(name) in _HTML_EXT or ctype == "text/html":
        _html_signals(item, data, settings)
    if kind in ("ole", "zip") and (
        extension(name) in _MACRO_EXT or kind == "ole" or _is_office_zip(data)
    ):
        _macro_signals(item, data)
    if kind == "pdf":
        _pdf_signals(item, data)
    if qr and kind in ("png", "jpeg", "gif"):
        _qr_signals(item, data)
    if kind == "zip" and not _is_office_zip(data) and depth == 0:  # one level deep only
        _zip_signals(item, data, settings)
    return item


def _name_signals(item: Inspected) -> None:
    ext = extension(item.name)
    base = item.name.lower()
    if ext in _EXECUTABLE_EXT or item.real_type in ("pe", "elf", "lnk"):
        item.signals.append(
            Signal(
                "attachment.executable",
                70,
                MALWARE,
                f"The attachment {item.name} is a program or script "
                f"({ext or item.real_type}) that runs when opened.",
            )
        )
    elif item.real_type in ("iso", "onenote"):
        item.signals.append(
            Signal(
                "attachment.container",
                40,
                MALWARE,
                f"The attachment {item.name} is a {item.real_type} file, "
                "a common way to smuggle malware past filters.",
            )
        )
    if re.search(r"\.(pdf|docx?|xlsx?|jpe?g|png|txt)\s*\.[a-z0-9]{2,5}$", base) and (
        ext in _EXECUTABLE_EXT or ext in _HTML_EXT or ext in _ARCHIVE_EXT
    ):
        item.signals.append(
            Signal(
                "attachment.double_extension",
                30,
                MALWARE,
                f"The attachment name {item.name} hides its real extension.",
            )
        )
    expected = _EXT_TYPES.get(ext)
    if (
        expected
        and item.real_type not in (expected, "data", "empty", "text")
        and not (expected in ("zip", "ole", "html") and item.real_type in ("zip", "ole", "html"))
    ):
        item.signals.append(
            Signal(
                "attachment.type_mismatch",
                25,
                MALWARE,
                f"The attachment {item.name} claims to be .{ext} but is really {item.real_type}.",
            )
        )


def _html_signals(item: Inspected, data: bytes, settings: MailSettings) -> None:
    markup = data[: settings.max_html_chars].decode("utf-8", "replace")
    found = urls.FoundUrls()
    urls.from_html(markup, found)
    item.urls.extend(link.url for link in found.links[:100])
    item.signals.append(
        Signal(
            "attachment.html",
            20,
            CREDENTIAL_PHISHING,
            f"The attachment {item.name} is a web page, which opens in a "
            "browser outside the mail client's protections.",
        )
    )
    if found.password_form or ("password" in markup.lower() and "<input" in markup.lower()):
        item.signals.append(
            Signal(
                "attachment.html_password_form",
                50,
                CREDENTIAL_PHISHING,
                f"The web page {item.name} asks for a password.",
            )
        )
    elif found.form_actions:
        item.signals.append(
            Signal(
                "attachment.html_form",
                30,
                CREDENTIAL_PHISHING,
                f"The web page {item.name} contains a form.",
            )
        )
    if _SCRIPT_TRICKS.search(markup) or any(link.source == "refresh" for link in found.links):
        item.signals.append(
            Signal(
                "attachment.html_redirect",
                30,
                CREDENTIAL_PHISHING,
                f"The web page {item.name} redirects or builds its content with obfuscated script.",
            )
        )


_PDF_URI = re.compile(rb"/URI\s*\(([^)]{4,1000})\)")
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|OpenAction)\b")
_PDF_SCAN_BYTES = 3_000_000


def _pdf_signals(item: Inspected, data: bytes) -> None:
    """Links and active content of a PDF, read from its uncompressed objects (most lure PDFs
    keep their link annotations there); the PDF is never rendered."""
    head = data[:_PDF_SCAN_BYTES]
    for raw in _PDF_URI.findall(head)[:50]:
        url = raw.decode("latin-1").replace("\\", "").strip()
        if url.lower().startswith(("http", "www.")):
            item.urls.append(url)
    if item.urls:
        item.signals.append(
            Signal(
                "attachment.pdf_link",
                15,
                CREDENTIAL_PHISHING,
                f"The PDF {item.name} carries a link to "
                f"{urls.host_of(urls.refang(item.urls[0])) or 'a website'}.",
            )
        )
    active = {m.decode() for m in _PDF_ACTIVE.findall(head)}
    if active & {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile"}:
        item.signals.append(
            Signal(
                "attachment.pdf_active",
                30,
                MALWARE,
                f"The PDF {item.name} contains active content ({', '.join(sorted(active))}).",
            )
        )


def _qr_signals(item: Inspected, data: bytes) -> None:
    links = [t for t in qr.qr_texts(data) if t.lower().startswith(("http", "www."))]
    if not links:
        return
    item.urls.extend(links)
    item.signals.append(
        Signal(
            "attachment.qr_link",
            25,
            CREDENTIAL_PHISHING,
            f"The image {item.name} holds a QR code leading to "
            f"{urls.host_of(urls.refang(links[0])) or 'a website'}: "
            "phone cameras open it outside the organisation's protection.",
        )
    )


def _is_office_zip(data: bytes) -> bool:
    head = data[:4000]
    return b"[Content_Types].xml" in head or b"word/" in head or b"xl/" in head or b"ppt/" in head


def _macro_signals(item: Inspected, data: bytes) -> None:
    try:
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser(item.name, data=data)
        try:
            if not parser.detect_vba_macros():
                return
            kinds = {kind for kind, _keyword, _desc in parser.analyze_macros()}
        finally:
            parser.close()
    except Exception as exc:  # oletools raises many types on damaged files
        item.errors.append(f"attachment {item.name}: macros not readable ({type(exc).__name__})")
        return
    auto = "AutoExec" in kinds
    weight = 70 if auto or "Suspicious" in kinds else 40
    item.signals.append(
        Signal(
            "attachment.macro",
            weight,
            MALWARE,
            f"The document {item.name} contains macros"
            + (" that run when it is opened." if auto else "."),
        )
    )


def _zip_signals(item: Inspected, data: bytes, settings: MailSettings) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _zip_members(item, archive, infos, settings)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError):
        item.errors.append(f"attachment {item.name}: damaged zip archive")


def _zip_members(
    item: Inspected, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], settings: MailSettings
) -> None:
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > settings.max_zip_member_bytes * 4 or total / packed > settings.max_zip_ratio:
        item.errors.append(
            f"attachment {item.name}: zip bomb refused ({total} bytes from "
            f"{packed}, ratio {total // packed}:1)"
        )
        item.signals.append(
            Signal("attachment.zip_bomb", 40, MALWARE, f"The archive {item.name} is a zip bomb.")
        )
        return
    if any(i.flag_bits & 0x1 for i in infos):
        item.signals.append(
            Signal(
                "attachment.encrypted_archive",
                25,
                MALWARE,
                f"The archive {item.name} is password-protected, which "
                "hides its content from scanners.",
            )
        )
    for info in infos[: settings.max_zip_members]:
        item.members.append(info.filename)
        if info.is_dir() or info.flag_bits & 0x1 or info.file_size > settings.max_zip_member_bytes:
            continue
        # Read at most the cap: a member's declared size can lie.
        with archive.open(info) as handle:
            content = handle.read(settings.max_zip_member_bytes + 1)
        if len(content) > settings.max_zip_member_bytes:
            item.errors.append(
                f"attachment {item.name}: member {info.filename} over the size limit, not inspected"
            )
            continue
        member = inspect_one(info.filename, "", content, settings, depth=1)
        for signal in member.signals:
            item.signals.append(
                Signal(
                    signal.rule,
                    signal.weight,
                    signal.category,
                    f"Inside {item.name}: {signal.reason}",
                )
            )
        item.errors.extend(member.errors)


def signals(items: list[Inspected]) -> list[Signal]:
    found: dict[str, Signal] = {}
    for item in items:
        for signal in item.signals:
            found.setdefault(signal.rule, signal)
    return list(found.values())
