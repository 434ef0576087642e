"""Links in a message: found in text and HTML (defanged, hidden or obfuscated ones included)
and judged -- link text that names another site, shorteners, IP hosts, punycode, lookalikes of
the organisation or of a brand, credential forms. HTML is tokenised by regular expressions with
bounded repetition: never rendered, never fetched."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from phalanx.config.mail import MailSettings
from phalanx.mail import brands
from phalanx.mail.domains import is_ip, lookalike_of, registrable_domain, under_any, unicode_host
from phalanx.mail.headers import Envelope
from phalanx.mail.parse import ParsedMessage
from phalanx.mail.verdict import CREDENTIAL_PHISHING, GENERIC, Signal

_TEXT_URL = re.compile(
    r"(?:h(?:tt|xx|\[xx\]|XX)ps?|ftp)(?:://|\[://\]|\[:\]//)"
    r"(?:\[\.\]|\[dot\]|\(\.\)|[^\s<>\"'`{}|\\^\[\]()]){2,2000}"
    r"|\bwww(?:\.|\[\.\])[a-z0-9-]{1,63}(?:\.|\[\.\])"
    r"(?:\[\.\]|[^\s<>\"'`{}|\\^\[\]()]){2,2000}",
    re.IGNORECASE,
)
_A_TAG = re.compile(r"<a\b([^>]{0,3000})>(.{0,2000}?)</a\s*>", re.IGNORECASE | re.DOTALL)
_URL_TAG = re.compile(
    r"<(form|iframe|frame|script|base|area|link|embed|object|img)\b([^>]{0,3000})>",
    re.IGNORECASE,
)
_META_REFRESH = re.compile(
    r"<meta\b[^>]{0,500}http-equiv\s*=\s*[\"']?refresh[^>]{0,500}>", re.IGNORECASE
)
_ATTR = re.compile(r"([a-zA-Z_:-]{1,30})\s*=\s*(\"[^\"]{0,4000}\"|'[^']{0,4000}'|[^\s>]{1,4000})")
_PASSWORD_INPUT = re.compile(r"<input\b[^>]{0,1000}type\s*=\s*[\"']?password", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px)?\b", re.IGNORECASE
)
# Text pushed tens of thousands of pixels out of view: written for filters, not for the reader
# (a kit pastes a real newsletter there and its own lure on top). No layout needs 10,000 px.
_OFFSCREEN = re.compile(
    r"(?<![\w-])(?:margin(?:-top|-left)?|top|left|height|padding(?:-top)?|text-indent)\s*:\s*"
    r"-?(?:\d{5,}(?:\.\d+)?(?:px|pt)|\d{4,}(?:vh|em|rem))",
    re.IGNORECASE,
)
_DOMAINISH = re.compile(
    r"^(?:https?://)?([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+)(?:[/:?#].*)?$", re.IGNORECASE
)

SHORTENERS = frozenset(
    [
        "bit.ly",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "rb.gy",
        "t.ly",
        "tiny.cc",
        "bl.ink",
        "s.id",
        "v.gd",
        "qrco.de",
        "short.io",
        "lnkd.in",
        "trib.al",
        "soo.gd",
        "shorte.st",
        "adf.ly",
        "bc.vc",
        "clck.ru",
        "u.to",
        "x.gd",
        "2u.pm",
        "urlz.fr",
        "tinu.be",
        "t2m.io",
        "kutt.it",
        "surl.li",
        "shorturl.me",
        "rotf.lol",
        "cutt.us",
        "diminua.me",
        "encurtador.com.br",
        "tinyurl.is",
        "shorturl.asia",
        "bitly.ws",
        "urlshortener.at",
        "shrtco.de",
        "ouo.io",
        "linktr.ee",
    ]
)
# Hosting where anyone can publish a page in minutes: common homes of phishing kits.
FREE_HOSTING = frozenset(
    (
        "web.app",
        "firebaseapp.com",
        "appspot.com",
        "pages.dev",
        "workers.dev",
        "r2.dev",
        "netlify.app",
        "vercel.app",
        "github.io",
        "glitch.me",
        "herokuapp.com",
        "repl.co",
        "000webhostapp.com",
        "weebly.com",
        "wixsite.com",
        "square.site",
        "blogspot.com",
        "sites.google.com",
        "storage.googleapis.com",
        "blob.core.windows.net",
        "azurewebsites.net",
        "web.core.windows.net",
        "ipfs.io",
        "dweb.link",
        "cloudflare-ipfs.com",
        "ngrok.io",
        "ngrok-free.app",
        "trycloudflare.com",
        "typeform.com",
        "forms.gle",
        "jotform.com",
        "formstack.com",
        "wufoo.com",
        "surveymonkey.com",
        "sharefile.com",
        "mailchimpsites.com",
        "webflow.io",
        "godaddysites.com",
        "framer.app",
        "carrd.co",
        "notion.site",
        "canva.site",
        "s3.amazonaws.com",
        "digitaloceanspaces.com",
        "linodeobjects.com",
        "backblazeb2.com",
        "cloudfunctions.net",
        "run.app",
        "firebasestorage.googleapis.com",
        "myshopify.com",
        "yolasite.com",
        "jimdosite.com",
        "strikingly.com",
    )
)
RISKY_TLDS = frozenset(
    [
        "zip",
        "mov",
        "xyz",
        "top",
        "club",
        "online",
        "site",
        "website",
        "live",
        "click",
        "link",
        "work",
        "buzz",
        "rest",
        "fit",
        "cam",
        "icu",
        "monster",
        "cyou",
        "sbs",
        "cfd",
        "quest",
        "bar",
        "best",
        "ru",
        "cn",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "pw",
        "su",
        "ws",
        "cc",
        "shop",
        "store",
    ]
)


@dataclass
class Link:
    url: str
    text: str = ""  # the link text, for anchors
    hidden: bool = False
    source: str = "text"  # text | href | form | iframe | refresh | script | ...


@dataclass
class FoundUrls:
    links: list[Link] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # unique, in order of appearance
    domains: list[str] = field(default_factory=list)  # unique hosts
    password_form: bool = False
    form_actions: list[str] = field(default_factory=list)
    defanged: int = 0
    mailto: list[str] = field(default_factory=list)  # mailto: links of HTML, without "mailto:"
    offscreen: str = ""  # a style that pushes text far out of view ("margin-top: 470500px")


def refang(url: str) -> str:
    url = re.sub(r"^h(?:xx|\[xx\]|XX)p", "http", url, flags=re.IGNORECASE)
    url = url.replace("[://]", "://").replace("[:]//", "://").replace("[.]", ".")
    url = url.replace("(.)", ".").replace("[dot]", ".")
    if url.lower().startswith("www."):
        url = "http://" + url
    return url.rstrip(".,;:!?'\")]}>")


def host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.strip(".").lower()


def extract(
    parsed: ParsedMessage, settings: MailSettings, extra: tuple[str, ...] = ()
) -> FoundUrls:
    """Links of the bodies, plus `extra` ones found inside attachments (PDF, HTML)."""
    found = FoundUrls()
    found.links.extend(Link(refang(url), source="attachment") for url in extra)
    for text in parsed.plain:
        _from_text(text[: settings.max_html_chars], found)
    for markup in parsed.html:
        from_html(markup[: settings.max_html_chars], found)
    _index(found, settings.max_urls)
    return found


def _from_text(text: str, found: FoundUrls) -> None:
    for match in _TEXT_URL.finditer(text):
        raw = match.group(0)
        url = refang(raw)
        if url != raw and not raw.lower().startswith("www."):
            found.defanged += 1
        found.links.append(Link(url))


def attributes(tag_body: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, value in _ATTR.findall(tag_body):
        attrs.setdefault(name.lower(), html.unescape(value.strip("\"'")).strip())
    return attrs


def from_html(markup: str, found: FoundUrls) -> None:
    """Links, forms and refreshes of one HTML document (a body or an attachment)."""
    for match in _A_TAG.finditer(markup):
        attrs = attributes(match.group(1))
        href = attrs.get("href", "")
        if href[:7].lower() == "mailto:" and len(found.mailto) < 20:
            found.mailto.append(unquote(href[7:300]).strip())
        elif href.lower().startswith(("http", "//", "www.")):
            text = html.unescape(_TAG.sub("", match.group(2))).strip()
            hidden = bool(_HIDDEN_STYLE.search(attrs.get("style", "")))
            found.links.append(Link(refang(href), text[:300], hidden, "href"))
    for match in _URL_TAG.finditer(markup):
        tag, attrs = match.group(1).lower(), attributes(match.group(2))
        target = attrs.get(
            "action" if tag == "form" else "href" if tag in ("base", "area", "link") else "src", ""
        )
        if tag == "form":
            found.form_actions.append(target)
        if target.lower().startswith(("http", "//")) and tag != "img" and tag != "link":
            found.links.append(Link(refang(target), source=tag))
    for match in _META_REFRESH.finditer(markup):
        content = attributes(match.group(0)).get("content", "")
        url = content.partition("=")[2].strip(" '\"") if "=" in content else ""
        if url:
            found.links.append(Link(refang(url), source="refresh"))
    if _PASSWORD_INPUT.search(markup):
        found.password_form = True
    if not found.offscreen:
        far = _OFFSCREEN.search(markup)
        found.offscreen = far.group(0) if far else ""
    for raw in _TEXT_URL.findall(_script_text(markup)):
        found.links.append(Link(refang(raw), source="script"))


def _script_text(markup: str) -> str:
    lowered = markup.lower()
    if "<script" not in lowered:
        return ""
    return " ".join(
        re.findall(r"<script\b[^>]{0,500}>(.{0,50000}?)</script", markup, re.IGNORECASE | re.DOTALL)
    )


def _index(found: FoundUrls, limit: int) -> None:
    seen_urls: dict[str, None] = {}
    seen_hosts: dict[str, None] = {}
    for link in found.links:
        url = link.url
        if url.startswith("//"):
            url = link.url = "https:" + url
        if len(seen_urls) < limit:
            seen_urls.setdefault(url[:2000])
        host = host_of(url)
        if host and len(seen_hosts) < limit:
            seen_hosts.setdefault(host)
    found.urls = list(seen_urls)
    found.domains = list(seen_hosts)


def check(found: FoundUrls, env: Envelope, settings: MailSettings) -> list[Signal]:
    signals: list[Signal] = []
    signals += _link_text_signals(found)
    signals += _host_signals(found, env, settings)
    if found.password_form:
        signals.append(
            Signal(
                "html.password_form",
                45,
                CREDENTIAL_PHISHING,
                "The message contains a form asking for a password.",
            )
        )
    external = [a for a in found.form_actions if a.lower().startswith(("http", "//"))]
    if external and not found.password_form:
        signals.append(
            Signal(
                "html.external_form",
                10,
                CREDENTIAL_PHISHING,
                f"The message contains a form that sends what is typed to "
                f"{host_of(refang(external[0])) or 'another site'}.",
            )
        )
    if found.offscreen:
        signals.append(
            Signal(
                "html.offscreen_text",
                25,
                GENERIC,
                f"Part of the message is pushed far out of view by its layout "
                f'("{found.offscreen[:40]}"): text written for filters, not for the reader.',
            )
        )
    if found.defanged:
        signals.append(
            Signal("url.defanged", 5, GENERIC, "Some links are written defanged (hxxp, [.]).")
        )
    return signals


def _link_text_signals(found: FoundUrls) -> list[Signal]:
    signals: list[Signal] = []
    for link in found.links:
        if link.source != "href":
            continue
        shown = _DOMAINISH.match(link.text.strip())
        host = host_of(link.url)
        if shown and host and "." in shown.group(1):
            shown_host = shown.group(1).lower()
            if not shown_host.endswith((".png", ".jpg", ".gif")) and (
                registrable_domain(shown_host) != registrable_domain(host)
            ):
                signals.append(
                    Signal(
                        "url.text_mismatch",
                        30,
                        CREDENTIAL_PHISHING,
                        f"A link shows {shown_host} but leads to {host}.",
                    )
                )
                break
    if any(link.hidden for link in found.links):
        signals.append(
            Signal("url.hidden_link", 10, GENERIC, "The message contains a hidden link.")
        )
    return signals


def _host_signals(found: FoundUrls, env: Envelope, settings: MailSettings) -> list[Signal]:
    signals: dict[str, Signal] = {}
    org = settings.organisation_domains
    for host in found.domains:
        for signal in _judge_host(host, org, settings):
            signals.setdefault(signal.rule, signal)
    for url in found.urls:
        for signal in _judge_url(url):
            signals.setdefault(signal.rule, signal)
        if "@" in _netloc(url):
            signals.setdefault(
                "url.userinfo",
                Signal(
                    "url.userinfo",
                    20,
                    CREDENTIAL_PHISHING,
                    "A link hides its real destination after an @ sign.",
                ),
            )
    return list(signals.values())


# An address in a link's path, query or fragment ("?email=a@b.example", "#a@b"); the domain
# part starts with a letter, so that "logo@2x.png" is not one.
_EMAIL_IN_URL = re.compile(r"[=/#&](?:[\w.+-]|%2[bdeBDE])+(?:@|%40)[a-z][\w-]*", re.IGNORECASE)
# Plain letters and digits written as percent codes ("%68%74%74%70" for "http"): no encoder
# escapes them, only someone hiding where a link goes.
_ENCODED_LETTERS = re.compile(r"(?:%(?:3[0-9]|[46][1-9a-fA-F]|[57][0-9aA])){3}")
_URL_IN_URL = re.compile(r".[?&=/](?:https?:/?/?[a-z0-9])", re.IGNORECASE)
# Form and page builders on big hosts, recognised by host and path.
_FORM_PATHS = (
    ("docs.google.com", "/forms"),
    ("forms.yandex.com", "/"),
    ("forms.yandex.ru", "/"),
    ("forms.office.com", "/"),
    ("forms.microsoft.com", "/"),
)


def _netloc(url: str) -> str:
    try:
        return urlsplit(url).netloc
    except ValueError:
        return ""


def _judge_url(url: str) -> list[Signal]:
    out: list[Signal] = []
    try:
        parts = urlsplit(url)
    except ValueError:
        return out
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    encoded = "%" in rest and _ENCODED_LETTERS.search(rest)
    if encoded:
        out.append(
            Signal(
                "url.encoded_letters",
                15,
                GENERIC,
                f"A link on {parts.hostname or 'a site'} spells plain letters in percent codes "
                f"({encoded.group(0)}), to hide where it goes.",
            )
        )
    if "%" in rest:
        rest = unquote(rest)
    if _EMAIL_IN_URL.search(rest):
        out.append(
            Signal(
                "url.recipient_in_link",
                10,
                GENERIC,
                "A link carries an e-mail address, to track or pre-fill the victim.",
            )
        )
    if _URL_IN_URL.search(rest):
        out.append(
            Signal(
                "url.redirect",
                10,
                GENERIC,
                f"A link on {parts.hostname or 'a site'} redirects to another site.",
            )
        )
    host = (parts.hostname or "").lower()
    if any(host == h and parts.path.startswith(p) for h, p in _FORM_PATHS):
        out.append(
            Signal(
                "url.form_builder",
                20,
                CREDENTIAL_PHISHING,
                f"A link opens an online form on {host}, a common way to collect "
                "passwords or personal data.",
            )
        )
    return out


def _judge_host(host: str, org: tuple[str, ...], settings: MailSettings) -> list[Signal]:
    out: list[Signal] = []
    if host in SHORTENERS:
        out.append(
            Signal(
                "url.shortener",
                10,
                GENERIC,
                f"A link goes through the URL shortener {host}, hiding its target.",
            )
        )
    if is_ip(host):
        out.append(
            Signal(
                "url.ip_host",
                25,
                CREDENTIAL_PHISHING,
                f"A link points at a bare IP address ({host}).",
            )
        )
        return out
    if "xn--" in host:
        out.append(
            Signal(
                "url.punycode",
                25,
                CREDENTIAL_PHISHING,
                f"A link goes to the punycode domain {host} (reads as {unicode_host(host)}).",
            )
        )
    if under_any(host, FREE_HOSTING):
        out.append(
            Signal(
                "url.free_hosting",
                15,
                CREDENTIAL_PHISHING,
                f"A link goes to {host}, a free hosting service where anyone can publish a page.",
            )
        )
    if host.rsplit(".", 1)[-1] in RISKY_TLDS:
        out.append(
            Signal(
                "url.risky_tld",
                5,
                GENERIC,
                f"A link goes to {host}, under a top-level domain much used for abuse.",
            )
        )
    domain = registrable_domain(host)
    target = lookalike_of(domain, org) if org else None
    if target:
        out.append(
            Signal(
                "url.org_lookalike",
                45,
                CREDENTIAL_PHISHING,
                f"A link goes to {domain}, which imitates the organisation's domain {target}.",
            )
        )
    out += _brand_in_host(host, settings)
    return out


def _brand_in_host(host: str, settings: MailSettings) -> list[Signal]:
    brand = brands.borrowed_brand(unquote(host), settings)
    if not brand:
        return []
    return [
        Signal(
            "url.brand_in_host",
            20,
            CREDENTIAL_PHISHING,
            f"A link goes to {host}, which uses the name {brand.title()} without belonging to it.",
        )
    ]
