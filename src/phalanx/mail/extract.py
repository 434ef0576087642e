"""A staff member's report -> the suspicious message(s) it carries.

Reports arrive in four shapes, tried in this order:
- "attachment": the original forwarded as message/rfc822 or as an .eml file (best: every header
  survives); several attached messages give several results;
- "msg": an Outlook .msg attachment, converted to RFC 822 (msg.py);
- "inline_forward": the original quoted in the body after a forward marker ("---------- Forwarded
  message ---------", "-----Original Message-----", Outlook's "From: ... Sent: ..." block); its
  From/Sent/To/Subject and body are recovered, the rest of its headers are lost;
- "as_is": anything else, including junk, is the suspicious message itself.
Never raises.
"""

from __future__ import annotations

import email
import email.message
import re
from dataclasses import dataclass, field
from email import policy
from email.mime.text import MIMEText

from phalanx.config.mail import MailSettings
from phalanx.mail.msg import is_msg, msg_to_rfc822
from phalanx.mail.parse import (
    charset_of,
    decode_bytes,
    decode_header,
    decode_payload,
    html_to_text,
    looks_like_message,
)


class _Verbatim(policy.Compat32):
    """Headers written back as they were read, original folding included.

    compat32 keeps a parsed header's value with its line breaks; the default generator
    re-folds it through email.header.Header, which costs most of a report's split time and
    changes the bytes an abuse desk would look at."""

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        return f"{name}: {value}{self.linesep}"


_VERBATIM = _Verbatim()
_MAX_REPORT_PARTS = 200
_MAX_FORWARD_CHARS = 200_000
_SETTINGS = MailSettings()

_MARKER = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|Mensaje original|"
    r"Message d'origine|Ursprüngliche Nachricht|Mensagem original|Messaggio originale|"
    r"Doorgestuurd bericht|Weitergeleitete Nachricht)\s*-{2,}|Begin forwarded message:|"
    r"_{10,})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Markers that only a forward writes (a reply never does).
_FORWARD_MARKER = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Mensaje reenviado|Message transféré|"
    r"Doorgestuurd bericht|Weitergeleitete Nachricht|Mensagem encaminhada|"
    r"Messaggio inoltrato)\s*-{2,}|Begin forwarded message:)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Forward prefixes of mail clients in the languages above (Fwd, Fw, TR, WG, Enc, RV, I, Doorst).
_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:fwd?|tr|wg|enc|rv|i|doorst)\s*:", re.IGNORECASE
)
# Outlook's quoted header block without a marker line: "From: ...\nSent: ...".
_OUTLOOK_BLOCK = re.compile(r"^[ \t>*]*From:[^\n]{1,500}\n[ \t>*]*(?:Sent|Date):", re.MULTILINE)
_FIELD = re.compile(
    r"^[ \t>*]*(From|Sent|Date|To|Cc|Subject|Reply-To|De|Von|Envoyé|Gesendet|Enviado|Objet|"
    r"Betreff|Asunto|Assunto|Para|À|An)\s*:\s*\**\s*(.*)$",
    re.IGNORECASE,
)
_FIELD_NAMES = {
    "de": "from",
    "von": "from",
    "envoyé": "date",
    "gesendet": "date",
    "enviado": "date",
    "sent": "date",
    "objet": "subject",
    "betreff": "subject",
    "asunto": "subject",
    "assunto": "subject",
    "para": "to",
    "à": "to",
    "an": "to",
}


@dataclass(frozen=True)
class Extracted:
    raw: bytes  # the suspicious message as RFC 822 bytes
    how: str  # attachment | msg | inline_forward | as_is
    # The compat32 parse of `raw` when splitting made it (a report that is the message itself):
    # analyze() takes it instead of parsing the same bytes again.
    message: email.message.Message | None = field(default=None, compare=False, repr=False)


def split_report(raw: bytes) -> list[Extracted]:
    """The suspicious message(s) a report carries; [Extracted(raw, "as_is")] when unsure."""
    try:
        return _split(raw)
    except Exception:  # a report must never be lost to a parsing bug
        return [Extracted(raw, "as_is")]


def _split(raw: bytes) -> list[Extracted]:
    if looks_like_message(raw):
        return [Extracted(raw, "as_is")]
    report = email.message_from_bytes(raw, policy=policy.compat32)
    attached = _attached_messages(report)
    if attached:
        return attached
    forwarded = _inline_forward(report)
    if forwarded is not None:
        return [Extracted(forwarded, "inline_forward")]
    return [Extracted(raw, "as_is", report)]


def _attached_messages(report: email.message.Message) -> list[Extracted]:
    found: list[Extracted] = []
    if not report.is_multipart():
        return found
    for part in _top_level_parts(report):
        ctype = part.get_content_type()
        name = (part.get_filename() or "").lower() if _safe_filename(part) else ""
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
                found.append(Extracted(inner[0].as_bytes(policy=_VERBATIM), "attachment"))
            continue
        payload, _ = decode_payload(part, _SETTINGS.max_part_bytes)
        if name.endswith(".msg") or ctype == "application/vnd.ms-outlook" or is_msg(payload):
            if is_msg(payload):
                try:
                    found.append(Extracted(msg_to_rfc822(payload), "msg"))
                except ValueError:
                    continue
        elif name.endswith(".eml") and not looks_like_message(payload):
            found.append(Extracted(payload, "attachment"))
    return found


def _top_level_parts(report: email.message.Message) -> list[email.message.Message]:
    """Leaf parts and attached messages of the report, without descending into the latter."""
    parts: list[email.message.Message] = []
    stack = [report]
    while stack and len(parts) < _MAX_REPORT_PARTS:
        node = stack.pop(0)
        if node.get_content_type() == "message/rfc822" and node is not report:
            parts.append(node)
        elif node.is_multipart():
            payload = node.get_payload()
            if isinstance(payload, list):
                stack.extend(p for p in payload if isinstance(p, email.message.Message))
        elif node is not report:
            parts.append(node)
    return parts


def _safe_filename(part: email.message.Message) -> bool:
    try:
        part.get_filename()
    except Exception:
        return False
    return True


def _report_text(report: email.message.Message) -> str:
    plain: list[str] = []
    markup: list[str] = []
    for part in report.walk():
        if part.is_multipart() or part.get_content_type() not in ("text/plain", "text/html"):
            continue
        payload, _ = decode_payload(part, _MAX_FORWARD_CHARS)
        text = decode_bytes(payload, charset_of(part))
        (markup if part.get_content_type() == "text/html" else plain).append(text)
        if part.get_content_type() == "text/plain":
            break
    if plain:
        return plain[0]
    return "\n".join(_html_lines(m) for m in markup)


def _html_lines(markup: str) -> str:
    """HTML to text keeping line breaks, so quoted header blocks stay one field a line."""
    markup = re.sub(r"<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>", "\n", markup, flags=re.IGNORECASE)
    return "\n".join(html_to_text(line, _MAX_FORWARD_CHARS) for line in markup.split("\n"))


def _inline_forward(report: email.message.Message) -> bytes | None:
    """The message quoted in a forward. Replies quote too ("Original Message", Outlook's
    From/Sent block) and a phish may carry a fake reply chain whose quoted sender is not the
    sender: those markers count only when the subject says it is a forward."""
    text = _report_text(report)[:_MAX_FORWARD_CHARS].replace("\r\n", "\n")
    starts = [m.end() for m in _FORWARD_MARKER.finditer(text)]
    subject = str(report.get("subject", ""))[:300]
    if _FORWARD_SUBJECT.match(subject) or _FORWARD_SUBJECT.match(decode_header(subject, 300)):
        starts += [m.end() for m in _MARKER.finditer(text)]
        starts += [m.start() for m in _OUTLOOK_BLOCK.finditer(text)]
    # The innermost (last) quoted message is the original in a chain of forwards.
    for start in sorted(set(starts), reverse=True):
        rebuilt = _rebuild(text[start:])
        if rebuilt is not None:
            return rebuilt
    return None


def _rebuild(quoted: str) -> bytes | None:
    lines = quoted.lstrip("\n").split("\n")
    fields, body_start = _quoted_fields(lines)
    if "from" not in fields:
        return None
    body = "\n".join(
        line[1:].lstrip() if line.startswith(">") else line for line in lines[body_start:]
    ).strip()
    message = MIMEText(body, "plain", "utf-8")
    for name in ("from", "to", "cc", "subject", "reply-to"):
        if fields.get(name):
            message[name.title()] = _one_line(fields[name])
    if fields.get("date"):
        message["Date"] = _one_line(fields["date"])
    message["X-Phalanx-Recovered"] = "inline forward: original headers partly lost"
    return message.as_bytes()


def _quoted_fields(lines: list[str]) -> tuple[dict[str, str], int]:
    """The "From: / Sent: / To: / Subject:" block at the top of a quoted message, and the line
    its body starts at (the first line that is not a field once fields began)."""
    fields: dict[str, str] = {}
    for index, line in enumerate(lines[:40]):
        match = _FIELD.match(line)
        if match:
            name = match.group(1).lower()
            fields.setdefault(_FIELD_NAMES.get(name, name), match.group(2).strip().strip("*"))
        elif fields:
            return fields, index
    return fields, min(len(lines), 40)


def _one_line(value: str) -> str:
    return re.sub(r"[\r\n]+", " ", value)[:500]
