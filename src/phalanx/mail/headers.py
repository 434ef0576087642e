"""Header checks: the Received chain, SPF/DKIM/DMARC results, sender mismatches, impersonation
of the organisation or a known brand in the display name, lookalike and punycode domains."""

from __future__ import annotations

import ipaddress
import itertools
import re
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr

from phalanx.config.mail import MailSettings
from phalanx.mail import brands
from phalanx.mail.domains import (
    lookalike_of,
    registrable_domain,
    under,
    under_any,
    unicode_host,
)
from phalanx.mail.parse import ParsedMessage
from phalanx.mail.verdict import BEC, CREDENTIAL_PHISHING, GENERIC, SPAM, Signal

_IP = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])|(?<=\[)[0-9a-fA-F:]{3,39}(?=\])")
_AUTH = re.compile(r"\b(spf|dkim|dmarc|compauth)\s*=\s*([a-z]+)", re.IGNORECASE)
_ADDRESS_IN_NAME = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
FREEMAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "protonmail.com",
        "proton.me",
        "zoho.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "web.de",
        "msn.com",
        "hotmail.co.uk",
        "outlook.fr",
        "hotmail.fr",
        "libero.it",
        "seznam.cz",
        "tutanota.com",
        "inbox.com",
        "bol.com.br",
        "uol.com.br",
        "terra.com.br",
        "rediffmail.com",
        "ymail.com",
        "rocketmail.com",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.it",
        "yahoo.co.in",
        "yahoo.com.br",
        "hotmail.de",
        "hotmail.it",
        "hotmail.es",
        "live.co.uk",
        "live.fr",
        "outlook.de",
        "gmx.at",
        "gmx.ch",
        "t-online.de",
        "orange.fr",
        "laposte.net",
        "free.fr",
        "sfr.fr",
        "ig.com.br",
        "bk.ru",
        "list.ru",
        "inbox.ru",
        "rambler.ru",
        "naver.com",
        "hanmail.net",
        "sina.com",
        "yeah.net",
        "pm.me",
        "tuta.io",
        "zohomail.com",
    ]
)


@dataclass(frozen=True)
class Envelope:
    """Who the message says it is from, and how it travelled."""

    from_header: str
    display_name: str
    from_address: str
    from_domain: str
    reply_to: str
    return_path: str
    subject: str
    hops: int
    ips: tuple[str, ...]
    originating_ip: str
    auth: dict[str, str]  # mechanism -> result, from the first Authentication-Results
    to_domain: str = ""  # the domain of the first To address
    list_address: str = ""  # the posting address of the mailing list that delivered it


_ANGLE_ADDRESS = re.compile(r"<\s*([^<>@\s]+@[^<>\s]+?)\s*>\s*$")


def _address(value: str) -> tuple[str, str]:
    """(display name, address) of a From-like header. The address in angle brackets at the
    end wins: parseaddr gives up on real phishing headers such as `Walmart ,_<x@y.example>`."""
    value = value[:500]
    match = _ANGLE_ADDRESS.search(value)
    if match:
        name = value[: match.start()].strip().strip(",_ ").strip('"').strip()
        return name, match.group(1).lower()
    name, address = parseaddr(value)
    return name.strip().strip('"').strip(), address.strip().strip("<>").lower()


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip(".").lower() if "@" in address else ""


def _public(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_global
    except ValueError:
        return False


def read_envelope(parsed: ParsedMessage) -> Envelope:
    from_header = parsed.header("from")
    name, address = _address(from_header)
    received = parsed.all("received")
    ips: list[str] = []
    for hop in received:
        for ip in _IP.findall(hop.split(" by ", 1)[0]):
            if _public(ip) and ip not in ips:
                ips.append(ip)
    return Envelope(
        from_header=from_header[:500],
        display_name=name,
        from_address=address,
        from_domain=_domain(address),
        reply_to=_address(parsed.header("reply-to"))[1],
        return_path=_address(parsed.header("return-path"))[1],
        subject=parsed.header("subject")[:1000],
        hops=len(received),
        ips=tuple(ips[:20]),
        # Received headers are prepended: the last one names the first server that took it.
        originating_ip=ips[-1] if ips else "",
        auth=_auth_results(parsed),
        to_domain=_domain(_address(parsed.header("to"))[1]),
        list_address=_list_address(parsed),
    )


_LIST_ADDRESS = re.compile(r"(?:mailto:|\blist\s+)([^\s<>;,@]{1,64}@[\w.-]{1,253})", re.IGNORECASE)


def _list_address(parsed: ParsedMessage) -> str:
    """The address of the mailing list (List-Post, or ezmlm's Mailing-List header)."""
    for name in ("list-post", "mailing-list"):
        match = _LIST_ADDRESS.search(parsed.header(name)[:500])
        if match:
            return match.group(1).lower()
    return ""


def _auth_results(parsed: ParsedMessage) -> dict[str, str]:
    results: dict[str, str] = {}
    for value in parsed.all("authentication-results")[:3]:
        for mechanism, result in _AUTH.findall(value):
            results.setdefault(mechanism.lower(), result.lower())
    spf = parsed.header("received-spf").split(" ", 1)[0].lower()
    if spf and "spf" not in results:
        results["spf"] = spf
    return results


def check(parsed: ParsedMessage, env: Envelope, settings: MailSettings) -> list[Signal]:
    signals = _auth_signals(env)
    signals += _mismatch_signals(env)
    signals += _impersonation_signals(env, settings)
    if not env.from_address:
        signals.append(Signal("header.no_from", 10, GENERIC, "The message has no sender address."))
    signals += _disguise_signals(env)
    signals += _upstream_verdicts(parsed)
    return signals


_SCL = re.compile(r"\bSCL:\s*([5-9])\b|\bSFV:\s*SPM\b|\bCAT:\s*(PHSH|HPHSH|SPOOF|MALW|OSPM)\b")
_BCL = re.compile(r"\bBCL:\s*([7-9])\b")


def _upstream_verdicts(parsed: ParsedMessage) -> list[Signal]:
    """What the recipient's own mail filter (Microsoft 365 here) already thought of it."""
    report = " ".join(
        parsed.all("x-forefront-antispam-report") + parsed.all("x-ms-exchange-organization-scl")
    )
    signals = []
    if _SCL.search(report) or parsed.header("x-ms-exchange-organization-scl").strip() in (
        "5",
        "6",
        "7",
        "8",
        "9",
    ):
        signals.append(
            Signal(
                "upstream.flagged",
                30,
                GENERIC,
                "The recipient's mail filter had already marked it as spam, spoofing or phishing.",
            )
        )
    if _BCL.search(report):
        signals.append(
            Signal(
                "upstream.bulk",
                20,
                SPAM,
                "The recipient's mail filter rated the sender as a bulk mailer "
                "with many complaints.",
            )
        )
    return signals


_MATH_LETTERS = re.compile("[\U0001d400-\U0001d7ff]")
_MIXED_WORD = re.compile("(?=[\\w@]*[a-zA-Z])(?=[\\w@]*[\u0370-\u03ff\u0400-\u04ff])[\\w@]{3,}")
_ID_NOISE = re.compile(r"\d{6,}")
_ADMIN_NAME = re.compile(
    r"\b(?:administrat\w*|admin|help ?desk|it support|it service|postmaster|webmaster|"
    r"mail(?:box)? (?:team|support|server)|e-?mail (?:team|support|server)|system admin\w*)\b",
    re.IGNORECASE,
)
# A combining mark wedged between two Latin letters ("Aܿmܿaܿzܿon"): invisible to a reader,
# fatal to a keyword filter.
_MARKED_LETTERS = re.compile(
    "[A-Za-z][\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f"
    "\u0730-\u074a\u20d0-\u20ff\ufe20-\ufe2f][A-Za-z]"
)
# "VlAGRA", "ClALlS": a small l among capitals reads as an I to people, not to filters.
_SMALL_L_FOR_I = re.compile(r"(?<![A-Za-z0-9])[A-Z]+l[A-Z]{2,}[A-Za-z]*(?![a-z0-9])")
_DOMAIN_NAME = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|co|app|info|us|uk|de|br)$")
_DOMAIN_IN_LOCAL = re.compile(r"[a-z0-9-]{3,}\.(?:com|net|org|io)(?![a-z])")


def _disguise_signals(env: Envelope) -> list[Signal]:
    """Display names and subjects written to fool filters rather than people."""
    signals = []
    shown = f"{env.display_name} {env.subject}"
    if _MATH_LETTERS.search(shown) or _MIXED_WORD.search(shown) or _MARKED_LETTERS.search(shown):
        signals.append(
            Signal(
                "header.disguised_letters",
                30,
                GENERIC,
                "The sender name or subject is written with look-alike letters "
                "(Greek, Cyrillic or mathematical symbols) to dodge filters.",
            )
        )
    swapped = _SMALL_L_FOR_I.search(shown)
    if swapped:
        signals.append(
            Signal(
                "header.letter_swap",
                25,
                GENERIC,
                f'The sender name or subject writes a capital I as a small l ("{swapped.group(0)}")'
                " to slip past keyword filters.",
            )
        )
    name = env.display_name.strip().lower()
    from_reg = registrable_domain(env.from_domain) if env.from_domain else ""
    if _DOMAIN_NAME.match(name) and from_reg and registrable_domain(name) != from_reg:
        signals.append(
            Signal(
                "header.domain_display_name",
                25,
                GENERIC,
                f'The sender name "{env.display_name}" is a web address other '
                f"than the one the mail comes from ({env.from_domain}).",
            )
        )
    local = env.from_address.partition("@")[0]
    if _DOMAIN_IN_LOCAL.search(local) or (len(local) > 30 and sum(c.isdigit() for c in local) > 4):
        signals.append(
            Signal(
                "header.deceptive_local_part",
                20,
                GENERIC,
                f"The sender address {env.from_address} starts with a disguise "
                "(a domain name or a long random string).",
            )
        )
    if (
        _ADMIN_NAME.search(env.display_name)
        and env.from_domain
        and env.to_domain
        and (registrable_domain(env.from_domain) != registrable_domain(env.to_domain))
    ):
        signals.append(
            Signal(
                "header.outside_admin",
                15,
                CREDENTIAL_PHISHING,
                f'"{env.display_name}" writes as the mail or IT administrator, '
                f"but from {env.from_domain}, outside the recipient's domain "
                f"{env.to_domain}.",
            )
        )
    token = _random_token(f"{env.subject} {env.display_name}")
    if token:
        signals.append(
            Signal(
                "header.random_token",
                10,
                GENERIC,
                f"The subject or sender name carries a random string ({token[:24]}), added "
                "so that every copy looks different to filters.",
            )
        )
    if _ID_NOISE.search(env.display_name):
        signals.append(
            Signal(
                "header.display_name_noise",
                10,
                GENERIC,
                "The sender name carries a long random number.",
            )
        )
    return signals


_TOKEN = re.compile(r"[A-Za-z0-9]{10,}")


def _random_token(text: str) -> str:
    """A run of 10+ letters and digits in both cases, with digits wedged between letters
    ("6TENY4zGFOsMo88eQ17"): machine-made, unlike words, order numbers ("AXRT1121DXB04") or
    product names ("iPhone15ProMax")."""
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token.isalpha() or token.isdigit() or token.isupper() or token.islower():
            continue
        switches = sum(1 for a, b in itertools.pairwise(token) if a.isdigit() != b.isdigit())
        if switches >= 3:
            return token
    return ""


def _auth_signals(env: Envelope) -> list[Signal]:
    signals = []
    if env.auth.get("dmarc") == "fail":
        signals.append(
            Signal(
                "auth.dmarc_fail",
                30,
                GENERIC,
                "The sender's domain did not pass DMARC: the From address is probably forged.",
            )
        )
    if env.auth.get("spf") in ("fail", "softfail"):
        signals.append(
            Signal(
                "auth.spf_fail",
                12,
                GENERIC,
                "The sending server is not allowed to send for this domain (SPF).",
            )
        )
    if env.auth.get("dkim") == "fail":
        signals.append(
            Signal("auth.dkim_fail", 8, GENERIC, "The message's DKIM signature did not verify.")
        )
    unauthenticated = ("none", "temperror", "permerror", "neutral")
    if (
        env.auth
        and env.auth.get("spf", "none") in unauthenticated
        and env.auth.get("dkim", "none") in ("none", "fail", "neutral", "temperror", "permerror")
        and env.auth.get("dmarc") != "pass"
    ):
        signals.append(
            Signal(
                "auth.unauthenticated",
                10,
                GENERIC,
                "The receiving server could not authenticate the sender at all "
                "(no SPF or DKIM pass).",
            )
        )
    if env.auth.get("compauth") == "fail" and env.auth.get("dmarc") != "fail":
        signals.append(
            Signal(
                "auth.compauth_fail",
                15,
                GENERIC,
                "Microsoft's composite authentication failed for the sender.",
            )
        )
    return signals


def _mismatch_signals(env: Envelope) -> list[Signal]:
    signals = []
    from_reg = registrable_domain(env.from_domain) if env.from_domain else ""
    reply_domain = _domain(env.reply_to)
    # A mailing list sets Reply-To to itself so that answers go to the list.
    to_list = bool(env.list_address) and registrable_domain(reply_domain) == registrable_domain(
        _domain(env.list_address)
    )
    if reply_domain and from_reg and registrable_domain(reply_domain) != from_reg and not to_list:
        free = reply_domain in FREEMAIL
        signals.append(
            Signal(
                "header.reply_to_mismatch",
                20 if free else 12,
                BEC,
                f"Replies go to {reply_domain}, not to the sender's domain {env.from_domain}"
                + (" (a free mailbox)." if free else "."),
            )
        )
    match = _ADDRESS_IN_NAME.search(env.display_name)
    if match and from_reg and registrable_domain(match.group(1).lower()) != from_reg:
        signals.append(
            Signal(
                "header.address_in_display_name",
                25,
                GENERIC,
                f"The display name shows the address of {match.group(1).lower()} but the mail "
                f"comes from {env.from_domain}.",
            )
        )
    return signals


def _impersonation_signals(env: Envelope, settings: MailSettings) -> list[Signal]:
    signals: list[Signal] = []
    domain = env.from_domain
    org = settings.organisation_domains
    if domain:
        unicode_domain = unicode_host(domain)
        if unicode_domain != domain:
            signals.append(
                Signal(
                    "header.punycode_sender",
                    25,
                    CREDENTIAL_PHISHING,
                    f"The sender's domain {domain} is an internationalised "
                    f"(punycode) name that reads as {unicode_domain}.",
                )
            )
        target = lookalike_of(domain, org) if org else None
        if target:
            signals.append(
                Signal(
                    "header.org_lookalike_sender",
                    45,
                    CREDENTIAL_PHISHING,
                    f"The sender's domain {domain} imitates the organisation's domain {target}.",
                )
            )
    name = env.display_name.lower()
    if name and domain and org and not any(under(domain, d) for d in org):
        for org_name in (*settings.organisation_names, *org):
            if org_name and org_name.lower() in name:
                signals.append(
                    Signal(
                        "header.org_display_name",
                        30,
                        BEC,
                        f'The display name "{env.display_name}" uses the '
                        f"organisation's name but the mail comes from {domain}.",
                    )
                )
                break
    if name and domain:
        signals += _brand_display_signals(env, settings)
    if domain:
        signals += _sender_domain_signals(domain, settings)
    return signals


def _sender_domain_signals(domain: str, settings: MailSettings) -> list[Signal]:
    signals: list[Signal] = []
    brand = brands.borrowed_brand(domain, settings)
    if brand:
        signals.append(
            Signal(
                "header.brand_in_sender_domain",
                25,
                CREDENTIAL_PHISHING,
                f"The sender's domain {domain} uses the name {brand.title()} without "
                "belonging to it.",
            )
        )
    if under_any(domain, _TENANT_DOMAINS):
        signals.append(
            Signal(
                "header.tenant_sender_domain",
                20,
                GENERIC,
                f"The mail comes from {domain}, a default cloud-tenant domain "
                "that real organisations do not send from.",
            )
        )
    labels = domain.split(".")[:-1]
    if any(looks_random(label) for label in labels):
        signals.append(
            Signal(
                "header.random_sender_domain",
                15,
                GENERIC,
                f"The sender's domain {domain} looks machine-generated.",
            )
        )
    return signals


_VOWELS = frozenset("aeiouy")
# Default domains of cloud mail tenants: free to create, used to send phishing that passes
# SPF and DKIM.
# Help-desk trial tenants (name.zendesk.com) are abused the same way.
_TENANT_DOMAINS = frozenset({"onmicrosoft.com", "zendesk.com", "freshdesk.com"})


def looks_random(label: str) -> bool:
    """A throw-away, machine-made domain label ("53jttgntoy", "cfmblwv4rx"): letters and
    digits interleaved, or long runs without vowels."""
    if len(label) < 7 or "-" in label:
        return False
    digits = sum(c.isdigit() for c in label)
    letters = [c for c in label if c.isalpha()]
    switches = sum(1 for a, b in itertools.pairwise(label) if a.isdigit() != b.isdigit())
    if digits >= 2 and letters and switches >= 3:
        return True
    vowels = sum(c in _VOWELS for c in letters)
    return len(letters) >= 8 and vowels / len(letters) < 0.2


def strip_marks(text: str) -> str:
    """The text without combining marks, as a reader sees it."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _collapse_spacing(name: str) -> str:
    """ "C o i n b a s e" -> "Coinbase": letters spaced out to dodge filters."""
    words = name.split()
    if len(words) >= 4 and sum(len(w) == 1 for w in words) >= len(words) - 1:
        return "".join(words)
    return name


def _brand_display_signals(env: Envelope, settings: MailSettings) -> list[Signal]:
    display = _collapse_spacing(strip_marks(env.display_name))
    for brand in brands.brands_named(display, settings):
        owned = brands.brand_domains(brand, settings)
        if owned and not any(under(env.from_domain, d) for d in owned):
            # A brand's own mail never comes from a free mailbox.
            free = env.from_domain in FREEMAIL
            where = f"{env.from_domain}, a free mailbox" if free else env.from_domain
            return [
                Signal(
                    "header.brand_display_name",
                    45 if free else 30,
                    CREDENTIAL_PHISHING,
                    f'The display name "{env.display_name[:80]}" names {brand.title()} '
                    f"but the mail comes from {where}.",
                )
            ]
    return []
