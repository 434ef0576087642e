"""Domain helpers: registrable domain, edit distance, homoglyph skeleton. Offline, no PSL fetch."""

from __future__ import annotations

import functools
import ipaddress

# Second-level labels under which registrations happen (co.uk, ac.uk, com.au...): enough to
# name the registrable domain of the hosts seen in phishing without the Public Suffix List.
_SECOND_LEVEL = frozenset(
    [
        "co",
        "com",
        "net",
        "org",
        "ac",
        "gov",
        "edu",
        "nhs",
        "sch",
        "ltd",
        "plc",
        "gob",
        "gouv",
        "go",
        "ne",
        "or",
        "mil",
        "nic",
        "info",
        "biz",
    ]
)

# Characters phishers swap for Latin ones (Cyrillic, Greek, digits), mapped to what they mimic.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "ա": "w",
        "ḿ": "m",
        "α": "a",
        "ο": "o",
        "ν": "v",
        "τ": "t",
        "ι": "i",
        "κ": "k",
        "ρ": "p",
        "ϲ": "c",
        "0": "o",
        "1": "l",
        "3": "e",
        "5": "s",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "í": "i",
        "ì": "i",
        "ï": "i",
        "é": "e",
        "è": "e",
        "ë": "e",
        "á": "a",
        "à": "a",
        "ä": "a",
        "ó": "o",
        "ò": "o",
        "ö": "o",
        "ú": "u",
        "ü": "u",
        "ç": "c",
        "ñ": "n",
    }
)


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    host = host.lower().strip(".")
    if is_ip(host):
        return host
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def unicode_host(host: str) -> str:
    """The Unicode form of a punycode (xn--) host, or the host itself."""
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return host


def skeleton(text: str) -> str:
    """What a string looks like to a reader: homoglyphs folded, "rn" read as "m", "vv" as "w"."""
    folded = unicode_host(text).lower().translate(_CONFUSABLES)
    return folded.replace("rn", "m").replace("vv", "w").replace("-", "")


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, stopping early once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def under(host: str, domain: str) -> bool:
    """True when `host` is `domain` or one of its subdomains."""
    return host == domain or host.endswith("." + domain)


def under_any(host: str, domains: frozenset[str]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one: a lookup per label."""
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels)))


def lookalike_of(domain: str, targets: tuple[str, ...]) -> str | None:
    """The target `domain` imitates (typo, homoglyph, punycode), or None; the target's own
    subdomains never count."""
    domain = domain.lower()
    label = domain.split(".", 1)[0]
    for target in targets:
        if under(domain, target):
            continue
        target_label = target.split(".", 1)[0]
        if len(target_label) < 4:
            continue
        if skeleton(label) == skeleton(target_label) or skeleton(domain) == skeleton(target):
            return target
        if "xn--" in domain and target_label in skeleton(domain):
            return target
        if len(target_label) >= 6 and 0 < edit_distance(label, target_label, 2) <= 2:
            return target
        if edit_distance(label, target_label, 1) == 1 and len(target_label) >= 5:
            return target
    return None
