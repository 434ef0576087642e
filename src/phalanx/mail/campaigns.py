"""Campaigns: reported messages grouped by what they share, with the reason written down.

Public API (stable; the service calls it, tests pin it):

    index = CampaignIndex(settings=CampaignSettings(), organisation_domains=("uni.example",))
    index.add(report_id, analysis)      # analysis: the Analysis.to_dict() mapping
    index.campaigns()                   # -> list[Campaign], biggest first, >= 2 reports each
    index.campaign_of(report_id)        # -> campaign id or None
    index.explain(report_id)            # -> ["shares host x with 41 reports", ...]
    index.ignored()                     # -> evidence that was NOT allowed to link, and why

A Campaign has `id` (the first-added report in it: stable while reports are only added),
`report_ids`, `shared` (SharedEvidence: kind, value, count of reports in the campaign holding it),
`explanation` ("41 of 43 reports share host x") and `verdicts` ({"malicious": 41, "spam": 2}).

Grouping is union-find over evidence two reports hold in common:
- url: the same full URL (scheme and host lower-cased, fragment dropped);
- host / domain: the same URL host, the same registrable domain (shared-hosting suffixes such as
  web.app or blob.core.windows.net count as public suffixes, so two tenants stay apart);
- sha256: the same attachment;
- sending_ip / sender / sender_domain: the same public sending IP, the same sender address,
  the same Return-Path/From domain (free-mail domains excepted);
- text: near-duplicate body text, MinHash + LSH over word shingles of the normalised text.

What never links (see docs/mail-campaigns-takedowns.md for why):
- evidence on well-known legitimate domains (microsoft.com, google.com, w3.org, schema.org...),
  on the organisation's own domains and on settings.ignore_domains;
- hosts of shared services where anyone publishes (URL shorteners, cloud storage, form builders):
  their host and domain link nothing, the exact same URL still does;
- hubs: evidence in >= hub_min_reports reports that would join >= hub_min_campaigns campaigns
  which are otherwise apart, and evidence in more than max_share of all reports.

Everything here is pure and in memory: the service rebuilds the index from its store at start
and feeds it each analysed report. add() is cheap (~0.2 ms); the grouping is recomputed lazily on
the next query after an add (~0.4 s at 25,000 reports), so query when a page or an export needs
it, not after every report. Not thread-safe: keep one index behind a lock or in one worker.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from phalanx.config.mail_service import CampaignSettings
from phalanx.core.errors import ConfigError
from phalanx.mail.domains import is_ip

# datasketch is imported where an index is made: it brings scipy (0.4 s of CPU), which
# `phalanx mail ingest` and the analysis workers, that never build an index, need not load.
if TYPE_CHECKING:
    from datasketch import MinHash

Feature = tuple[str, str]  # (kind, value)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The order evidence is shown in: most specific first.
KINDS = ("url", "sha256", "host", "domain", "sending_ip", "sender", "sender_domain", "text")
_LABELS = {
    "url": "URL",
    "sha256": "attachment SHA-256",
    "host": "host",
    "domain": "registrable domain",
    "sending_ip": "sending IP",
    "sender": "sender address",
    "sender_domain": "sender domain",
    "text": "near-duplicate text",
}


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Second-level suffixes under which registrations happen (a pragmatic slice of the Public Suffix
# List: no list is fetched, the service runs offline).
_PUBLIC_SUFFIXES = _names(
    """co.uk ac.uk gov.uk org.uk nhs.uk ltd.uk plc.uk me.uk net.uk sch.uk police.uk
    com.au net.au org.au edu.au gov.au co.nz org.nz ac.nz co.jp ne.jp or.jp ac.jp go.jp
    co.in org.in ac.in gov.in co.za org.za ac.za com.br net.br org.br gov.br com.cn net.cn org.cn
    edu.cn gov.cn com.mx org.mx com.tr org.tr com.sg edu.sg com.hk com.tw co.kr or.kr com.ar
    com.my co.id or.id com.ng com.pk com.ua co.il ac.il org.il com.vn com.ph com.co com.pe
    com.sa com.eg co.th ac.th edu.au edu.pl com.pl net.pl org.pl co.at or.at ac.at"""
)
# Platforms where every customer gets a subdomain: the customer's subdomain is the registrable
# part, as in the private section of the Public Suffix List.
_SHARED_HOSTING_SUFFIXES = _names(
    """web.app firebaseapp.com appspot.com blogspot.com github.io gitlab.io
    netlify.app vercel.app pages.dev workers.dev r2.dev herokuapp.com azurewebsites.net
    blob.core.windows.net web.core.windows.net cloudfront.net s3.amazonaws.com ngrok.io
    ngrok-free.app ngrok.app glitch.me repl.co replit.app weebly.com wixsite.com
    000webhostapp.com sharepoint.com
    godaddysites.com webflow.io square.site myshopify.com onrender.com fly.dev surge.sh
    notion.site framer.app framer.website wordpress.com translate.goog ipfs.dweb.link
    firebasestorage.app carrd.co mystrikingly.com jimdosite.com start.page
    cloudfunctions.net run.app a.run.app"""
)
# Legitimate domains seen in phishing and clean mail alike (logos, XML namespaces, the real
# login page a lure imitates, free-mail): sharing them says nothing about a common sender.
WELL_KNOWN_DOMAINS = _names(
    """microsoft.com office.com office365.com microsoftonline.com live.com outlook.com
    hotmail.com msn.com aka.ms bing.com windows.com microsoftstream.com skype.com
    google.com gmail.com googlemail.com googleapis.com gstatic.com googleusercontent.com
    youtube.com youtu.be goo.gl forms.gle apple.com icloud.com me.com yahoo.com aol.com
    amazon.com facebook.com fb.com instagram.com twitter.com x.com t.co linkedin.com
    whatsapp.com w3.org schema.org purl.org xmlsoap.org openxmlformats.org ietf.org
    mozilla.org adobe.com dropbox.com dropboxusercontent.com zoom.us wikipedia.org
    cloudflare.com gravatar.com docusign.com docusign.net paypal.com proton.me
    protonmail.com mail.ru yandex.ru yandex.com gmx.com gmx.de gmx.net web.de zoho.com qq.com
    163.com 126.com"""
)
# Free-mail providers: the domain says nothing, but one address there is one attacker's account
# (brand addresses, by contrast, are spoofed by everybody and link nothing).
FREEMAIL_DOMAINS = _names(
    """gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com aol.com
    icloud.com me.com proton.me protonmail.com mail.ru yandex.ru yandex.com gmx.com gmx.de
    gmx.net web.de zoho.com qq.com 163.com 126.com"""
)
# Services where anyone publishes content: the host proves nothing, the exact URL still does.
SHARED_SERVICE_HOSTS = _names(
    """docs.google.com drive.google.com sites.google.com forms.gle storage.googleapis.com
    firebasestorage.googleapis.com googleusercontent.com forms.office.com 1drv.ms
    onedrive.live.com dropbox.com dropboxusercontent.com bit.ly tinyurl.com t.co goo.gl ow.ly
    is.gd buff.ly rebrand.ly cutt.ly shorturl.at rb.gy t.ly s.id tiny.cc lnkd.in
    docusign.net imgur.com ibb.co postimg.cc postimages.org zupimages.net imageshack.com
    staticflickr.com res.cloudinary.com wetransfer.com we.tl
    sendgrid.net mandrillapp.com list-manage.com mcusercontent.com mailchi.mp
    amazonses.com sparkpostmail.com mailgun.org sendibt3.com sendinblue.com brevo.com
    stripocdn.email hubspotlinks.com hs-sites.com secureserver.net"""
)
# Mail gateways' link protection: every link of a message rewritten to one of these hosts.
URL_REWRITERS = _names(
    """safelinks.protection.outlook.com clicktime.symantec.com urldefense.com
    urldefense.proofpoint.com linkprotect.cudasvc.com protect-eu.mimecast.com
    protect-us.mimecast.com protect2.fireeye.com secure-web.cisco.com scanner.topsec.com"""
)
_REWRITER_ENDINGS = tuple(sorted(URL_REWRITERS)) + tuple(f".{d}" for d in sorted(URL_REWRITERS))
# Outbound mail networks of the big platforms (from their published SPF records): they send for
# everybody, so one of their IPs says nothing about a common sender.
SHARED_MAIL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in _names(
        """209.85.128.0/17 74.125.0.0/16 64.233.160.0/19 66.102.0.0/20 66.249.80.0/20
        72.14.192.0/18 108.177.8.0/21 172.217.0.0/19 173.194.0.0/16 35.190.247.0/24
        40.92.0.0/15 40.107.0.0/16 52.100.0.0/14 104.47.0.0/17
        54.240.0.0/18 23.249.208.0/20 167.89.0.0/17 149.72.0.0/16 198.2.128.0/18
        205.201.128.0/20"""
    )
)

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class SharedEvidence:
    """One thing several reports of a campaign hold in common."""

    kind: str  # one of KINDS
    value: str
    count: int  # reports of the campaign holding it

    @property
    def label(self) -> str:
        return _LABELS.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "count": self.count}


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    report_ids: tuple[str, ...]
    shared: tuple[SharedEvidence, ...]
    explanation: tuple[str, ...]
    verdicts: Mapping[str, int] = field(default_factory=dict)  # {"malicious": 41, "spam": 2}

    @property
    def size(self) -> int:
        return len(self.report_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "report_ids": list(self.report_ids),
            "size": self.size,
            "verdicts": dict(self.verdicts),
            "shared": [s.to_dict() for s in self.shared],
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True, slots=True)
class IgnoredEvidence:
    """Evidence several reports hold that was not allowed to link them, and why."""

    kind: str
    value: str
    count: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "count": self.count, "reason": self.reason}


# --- domains -------------------------------------------------------------------------------


def host_of(url: str) -> str | None:
    """The lower-cased host of a URL, or None when it has none or cannot be parsed."""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    return (host or "").strip(".") or None


@functools.lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str | None:
    """The part of a host name someone registered: a.b.evil.co.uk -> evil.co.uk.

    Shared-hosting platforms count as suffixes (x.web.app -> x.web.app) so that two customers of
    one platform are two domains. None for IP addresses and bare suffixes.
    """
    host = host.lower().strip(".")
    if not host or is_ip(host):
        return None
    labels = host.split(".")
    for i in range(len(labels)):
        suffix = ".".join(labels[i:])
        if suffix in _SHARED_HOSTING_SUFFIXES or suffix in _PUBLIC_SUFFIXES:
            return ".".join(labels[i - 1 :]) if i > 0 else None
    return ".".join(labels[-2:]) if len(labels) >= 2 else None


def under_any(host: str, domains: frozenset[str]) -> bool:
    """Whether host is one of domains or a subdomain of one."""
    labels = host.lower().strip(".").split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels)))


def _host_of_normalised(url: str) -> str:
    """The host of a URL normalise_url returned (lower-case netloc, no parsing needed)."""
    netloc = url.partition("://")[2].partition("/")[0].partition("?")[0]
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.partition(":")[0].strip(".")


def normalise_url(url: str) -> str | None:
    """The URL as one key: scheme and host lower-cased, fragment dropped, and the target of a
    link-protection wrapper (Safe Links, Symantec ClickTime...) instead of the wrapper."""
    try:
        parts = urlsplit(url.strip())
        if parts.netloc.lower().endswith(_REWRITER_ENDINGS):
            parts = urlsplit(_protected_target(parts.query) or url.strip())
    except ValueError:
        return None
    if not parts.netloc:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _protected_target(query: str) -> str | None:
    """The original URL a mail gateway's rewritten link carries in its query, if any.

    Mail forwarded from Microsoft 365 or from behind a security gateway has every link
    rewritten to the gateway's host; the attacker's page is in a parameter.
    """
    for name in ("url", "u", "target"):
        for value in parse_qs(query).get(name, ()):
            if value.lower().startswith(("http://", "https://")):
                return value
    return None


# --- evidence of one report ----------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _indicators(analysis: Mapping[str, Any]) -> Mapping[str, Any]:
    found = analysis.get("indicators")
    return found if isinstance(found, Mapping) else {}


class _Policy:
    """Which evidence may link reports at all (static part of the rules)."""

    def __init__(self, settings: CampaignSettings, organisation_domains: Iterable[str]) -> None:
        self.organisation = frozenset(d.lower().strip(".") for d in organisation_domains if d)
        self.ignored = WELL_KNOWN_DOMAINS | frozenset(d.lower() for d in settings.ignore_domains)
        self.own_networks = tuple(_network(n) for n in settings.ignore_networks)

    def why_not(self, kind: str, value: str) -> str | None:
        """The reason this evidence never links, or None when it may."""
        if kind == "sending_ip":
            return self._why_not_ip(value)
        host = _host_in(kind, value)
        if host is None:
            return None
        if under_any(host, self.organisation):
            return "the organisation's own domain"
        if kind == "sender" and under_any(host, FREEMAIL_DOMAINS):
            return None
        shared_service = under_any(host, SHARED_SERVICE_HOSTS | URL_REWRITERS)
        if shared_service and kind in ("host", "domain", "sender_domain"):
            return "a shared service where anyone publishes"
        if under_any(host, self.ignored) and not (shared_service and kind == "url"):
            return "a well-known legitimate domain"
        return None

    def _why_not_ip(self, value: str) -> str | None:
        ip = ipaddress.ip_address(value.strip("[]"))
        if _within(ip, self.own_networks):
            return "the organisation's own mail servers"
        if _within(ip, SHARED_MAIL_NETWORKS):
            return "a mail platform that sends for everybody"
        return None


def _within(ip: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def _network(text: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ConfigError(f"campaigns ignore_networks: {text!r} is not an IP network") from None


def _host_in(kind: str, value: str) -> str | None:
    if kind == "url":
        return host_of(value)
    if kind in ("host", "domain", "sender_domain"):
        return value
    if kind == "sender":
        return value.rpartition("@")[2] or None
    return None


def report_features(analysis: Mapping[str, Any]) -> set[Feature]:
    """Every piece of linkable evidence in one analysis (before the policy filters it)."""
    found: set[Feature] = set()
    ind = _indicators(analysis)
    hosts: set[str] = set()
    for raw in _strings(ind.get("urls")):
        url = normalise_url(raw)
        if url:
            found.add(("url", url))
            hosts.add(_host_of_normalised(url))
    hosts.update(h.lower().strip(".") for h in _strings(ind.get("domains")))
    for host in filter(None, hosts):
        found.add(("host", host))
        domain = registrable_domain(host)
        if domain:
            found.add(("domain", domain))
    for att in ind.get("attachments") or ():
        digest = att.get("sha256") if isinstance(att, Mapping) else None
        if isinstance(digest, str) and digest:
            found.add(("sha256", digest.lower()))
    found.update(_sender_features(analysis, ind))
    return found


def _sender_features(analysis: Mapping[str, Any], ind: Mapping[str, Any]) -> set[Feature]:
    found: set[Feature] = set()
    # The analysis may name the sending server; otherwise every public IP it found counts.
    for ip in _strings(ind.get("sending_ip")) or _strings(ind.get("ips")):
        if _is_public_ip(ip):
            found.add(("sending_ip", ip))
    senders = _strings(ind.get("sender")) + _strings(analysis.get("sender"))
    for sender in senders:
        address = _address(sender)
        if address:
            found.add(("sender", address))
            found.add(("sender_domain", address.rpartition("@")[2]))
    for path in _strings(ind.get("return_path")) + _strings(analysis.get("return_path")):
        address = _address(path)
        if address:
            found.add(("sender_domain", address.rpartition("@")[2]))
    return found


def _address(text: str) -> str | None:
    """The mailbox of a From/Return-Path value; an address in the display name (a common
    spoof: "support@bank.example" <x@evil.example>) is not the sender's."""
    plain = text.strip()
    if any(c in plain for c in '<"(,'):  # a display name: parseaddr is slow, so only then
        plain = parseaddr(plain)[1] or plain
    match = _ADDRESS.fullmatch(plain) or _ADDRESS.search(text)
    return match.group(0).lower() if match else None


_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


_INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "0.0.0.0/8",
        "fc00::/7",
    )
)


@functools.lru_cache(maxsize=65536)
def _is_public_ip(text: str) -> bool:
    """Internet-routable enough to be someone's sending server (documentation ranges count,
    so tests can use them); internal relay hops and loopback do not."""
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return False
    return not _within(ip, _INTERNAL_NETWORKS)


def shingles(
    text: str, settings: CampaignSettings, vocabulary: dict[str, int] | None = None
) -> list[int]:
    """Hashes of the word shingles of the normalised text, unique and sorted.

    Links, addresses and numbers become tokens first, so a template sent with another link or
    reference number still matches itself. Words are hashed once (CRC-32, remembered in
    `vocabulary`) and a shingle's hash is a polynomial of its words' hashes.
    """
    known = {} if vocabulary is None else vocabulary
    words = _words(text[: settings.max_text_chars])
    hashed = [known.get(word) or _word_hash(word, known) for word in words]
    k = settings.shingle_words
    count = len(hashed) - k + 1
    if count <= 0:
        return []
    grams = hashed[:count]
    for offset in range(1, k):
        following = hashed[offset : offset + count]
        # Masked at each step: small ints stay fast, big ones would not.
        grams = [(g * 1_000_003 + h) & 0xFFFFFFFF for g, h in zip(grams, following, strict=True)]
    return sorted(set(grams))


def _words(text: str) -> list[str]:
    tokens = text.lower().split()
    if "://" in text or "@" in text or "www." in text:
        tokens = ["link" if "://" in t or "@" in t or t.startswith("www.") else t for t in tokens]
    return [word for word in (t.strip(_PUNCTUATION) for t in tokens) if word]


def _word_hash(word: str, known: dict[str, int]) -> int:
    # Numbers (reference, amount, date) are one token whatever their digits.
    plain = word if word.isalpha() else _DIGITS.sub("0", word)
    found = known[word] = zlib.crc32(plain.encode())
    return found


_PUNCTUATION = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum()) + "“”’‘…–—«»"


# --- the index -----------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.size = [1] * size

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The root is the earlier report, so a campaign's id is its first report.
            low, high = min(ra, rb), max(ra, rb)
            self.parent[high] = low
            self.size[low] += self.size[high]

    def union_all(self, members: Iterable[int]) -> None:
        it = iter(members)
        first = next(it, None)
        if first is not None:
            for other in it:
                self.union(first, other)


@dataclass(frozen=True, slots=True)
class _Grouping:
    root: list[int]  # per slot: the first report of its group
    members: dict[int, list[int]]  # root -> slots of its group, in the order they were added
    linking: frozenset[Feature]  # evidence that was allowed to link
    ignored: tuple[IgnoredEvidence, ...]


class CampaignIndex:
    """Incremental campaign grouping; the grouping is recomputed lazily after add()."""

    def __init__(
        self,
        settings: CampaignSettings | None = None,
        organisation_domains: Iterable[str] = (),
    ) -> None:
        self.settings = settings or CampaignSettings()
        self._policy = _Policy(self.settings, organisation_domains)
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._features: list[set[Feature]] = []
        self._verdicts: list[str] = []
        self._postings: dict[Feature, set[int]] = defaultdict(set)
        # Near-duplicate text: a report points at the representative texts it resembles; only
        # representatives sit in the LSH, so a 5,000-report campaign is one LSH entry, not 5,000
        # candidates to compare against each new report.
        from datasketch import MinHash, MinHashLSH

        self._lsh = MinHashLSH(
            threshold=self.settings.text_threshold, num_perm=self.settings.num_perm
        )
        template = MinHash(num_perm=self.settings.num_perm, hashfunc=int)
        self._permutations, self._scheme = template.permutations, template.scheme
        self._sketches: dict[int, MinHash] = {}
        self._exact_text: dict[bytes, int] = {}
        self._vocabulary: dict[str, int] = {}
        self._text_rep: dict[int, list[int]] = {}
        self._grouping: _Grouping | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, report_id: str, analysis: Mapping[str, Any]) -> None:
        """Index one analysed report. Adding an id again replaces its evidence (its text stays
        indexed as first seen when other reports already resemble it)."""
        slot = self._slot.get(report_id)
        if slot is None:
            slot = len(self._ids)
            self._ids.append(report_id)
            self._slot[report_id] = slot
            self._features.append(set())
            self._verdicts.append("unknown")
        else:
            self._forget(slot)
        features = report_features(analysis) if isinstance(analysis, Mapping) else set()
        self._features[slot] = features
        verdict = analysis.get("verdict") if isinstance(analysis, Mapping) else None
        self._verdicts[slot] = verdict if isinstance(verdict, str) else "unknown"
        for feature in features:
            self._postings[feature].add(slot)
        text = analysis.get("text") if isinstance(analysis, Mapping) else None
        if isinstance(text, str) and slot not in self._text_rep:
            self._index_text(slot, text)
        self._grouping = None

    def _forget(self, slot: int) -> None:
        for feature in self._features[slot]:
            self._postings[feature].discard(slot)
        if slot not in self._sketches:
            self._text_rep.pop(slot, None)

    def _index_text(self, slot: int, text: str) -> None:
        if len(self._vocabulary) > 500_000:
            self._vocabulary.clear()  # bounds memory; the hashes are the same when re-learnt
        grams = shingles(text, self.settings, self._vocabulary)
        if len(grams) < self.settings.min_shingles:
            return
        exact = hashlib.blake2b(repr(grams).encode(), digest_size=16).digest()
        if exact in self._exact_text:
            self._text_rep[slot] = [self._exact_text[exact]]
            return
        self._exact_text[exact] = slot
        from datasketch import MinHash

        sketch = MinHash(
            self.settings.num_perm,
            hashfunc=int,  # the shingles arrive hashed
            permutations=self._permutations,
            scheme=self._scheme,
        )
        sketch.update_batch(grams)
        threshold = self.settings.text_threshold
        reps = [int(key) for key in self._lsh.query(sketch)]
        reps = sorted(r for r in reps if sketch.jaccard(self._sketches[r]) >= threshold)
        if reps:
            self._text_rep[slot] = reps
        else:
            self._sketches[slot] = sketch
            self._lsh.insert(str(slot), sketch)
            self._text_rep[slot] = [slot]

    # --- grouping ---

    def _group(self) -> _Grouping:
        if self._grouping is None:
            self._grouping = _GroupingRun(self).run()
        return self._grouping

    def campaigns(self, min_reports: int = 2) -> list[Campaign]:
        """Campaigns of at least min_reports reports, biggest first, then oldest first."""
        grouping = self._group()
        found = [
            self._campaign(root, slots, grouping)
            for root, slots in grouping.members.items()
            if len(slots) >= min_reports
        ]
        return sorted(found, key=lambda c: (-c.size, self._slot[c.id]))

    def campaign_of(self, report_id: str) -> str | None:
        """The id of the campaign holding report_id, None when it stands alone or is unknown."""
        slot = self._slot.get(report_id)
        if slot is None:
            return None
        grouping = self._group()
        root = grouping.root[slot]
        return self._ids[root] if len(grouping.members[root]) >= 2 else None

    def explain(self, report_id: str) -> list[str]:
        """Why report_id is in its campaign: 'shares host x with 41 reports', one line each."""
        slot = self._slot.get(report_id)
        if slot is None:
            return []
        grouping = self._group()
        root = grouping.root[slot]
        others = [s for s in grouping.members[root] if s != slot]
        counts = self._evidence_counts(others, grouping)
        lines: list[str] = []
        shown: list[SharedEvidence] = []
        for kind, value in _ordered(self._report_evidence(slot, grouping)):
            item = SharedEvidence(kind, value, counts.get((kind, value), 0))
            if item.count == 0 or _restates(item, shown):
                continue
            shown.append(item)
            what = f"near-duplicate text (like report {value}'s)" if kind == "text" else None
            lines.append(f"shares {what or item.label + ' ' + value} with {_reports(item.count)}")
        return lines

    def ignored(self) -> list[IgnoredEvidence]:
        """Evidence held by several reports that was not allowed to link them."""
        return list(self._group().ignored)

    def _report_evidence(self, slot: int, grouping: _Grouping) -> list[Feature]:
        found = [f for f in self._features[slot] if f in grouping.linking]
        found += [("text", self._ids[rep]) for rep in self._text_rep.get(slot, ())]
        return found

    def _evidence_counts(self, slots: Iterable[int], grouping: _Grouping) -> Counter[Feature]:
        counts: Counter[Feature] = Counter()
        for slot in slots:
            counts.update(self._report_evidence(slot, grouping))
        return counts

    def _campaign(self, root: int, slots: list[int], grouping: _Grouping) -> Campaign:
        counts = self._evidence_counts(slots, grouping)
        shared = tuple(
            SharedEvidence(kind, value, counts[(kind, value)])
            for kind, value in sorted(counts, key=lambda f: (-counts[f], KINDS.index(f[0]), f[1]))
            if counts[(kind, value)] >= 2
        )
        return Campaign(
            id=self._ids[root],
            report_ids=tuple(self._ids[s] for s in slots),
            shared=shared,
            explanation=tuple(_explanation(shared, len(slots))),
            verdicts=dict(Counter(self._verdicts[s] for s in slots).most_common()),
        )


class _GroupingRun:
    """One pass of the linking rules over the whole index (see the module docstring)."""

    def __init__(self, index: CampaignIndex) -> None:
        self.index = index
        self.settings = index.settings
        self.uf = _UnionFind(len(index._ids))
        self.linking: set[Feature] = set()
        self.ignored: list[IgnoredEvidence] = []

    def run(self) -> _Grouping:
        candidates = self._link_plain_evidence()
        self._link_text()
        self._link_unless_hub(candidates)
        root = [self.uf.find(slot) for slot in range(len(self.index._ids))]
        members: dict[int, list[int]] = defaultdict(list)
        for slot, first in enumerate(root):
            members[first].append(slot)
        ignored = sorted(self.ignored, key=lambda e: (-e.count, e.kind, e.value))
        return _Grouping(root, dict(members), frozenset(self.linking), tuple(ignored))

    def _link_plain_evidence(self) -> list[Feature]:
        """Links by every allowed piece of evidence too rare to be a hub; returns the rest."""
        total = len(self.index._ids)
        share_limit = self.settings.max_share * total
        candidates: list[Feature] = []
        for feature, slots in self.index._postings.items():
            if len(slots) < 2:
                continue
            reason = self.index._policy.why_not(*feature)
            crowded = total >= self.settings.share_min_reports and len(slots) > share_limit
            if reason is None and crowded:
                reason = f"in {len(slots) / total:.0%} of all reports"
            if reason is not None:
                self._ignore(feature, len(slots), reason)
            elif len(slots) >= self.settings.hub_min_reports:
                candidates.append(feature)
            else:
                self._link(feature, slots)
        return candidates

    def _link_text(self) -> None:
        for slot, reps in self.index._text_rep.items():
            for rep in reps:
                self.uf.union(slot, rep)

    def _link_unless_hub(self, candidates: list[Feature]) -> None:
        """Frequent evidence links only if it does not bridge many campaigns otherwise apart.

        Smallest first, so that a phishing host in 40 reports of one campaign is linked before a
        tracking host found across that campaign and several others is judged.
        """
        postings = self.index._postings
        for feature in sorted(candidates, key=lambda f: (len(postings[f]), f)):
            slots = postings[feature]
            roots = {self.uf.find(s) for s in slots}
            bridged = sum(1 for r in roots if self.uf.size[r] >= 2)
            if bridged >= self.settings.hub_min_campaigns:
                reason = f"a hub: found in {bridged} otherwise separate campaigns"
                self._ignore(feature, len(slots), reason)
            else:
                self._link(feature, slots)

    def _link(self, feature: Feature, slots: Iterable[int]) -> None:
        self.uf.union_all(slots)
        self.linking.add(feature)

    def _ignore(self, feature: Feature, count: int, reason: str) -> None:
        self.ignored.append(IgnoredEvidence(feature[0], feature[1], count, reason))


def _ordered(features: Iterable[Feature]) -> list[Feature]:
    return sorted(set(features), key=lambda f: (KINDS.index(f[0]), f[1]))


def _reports(count: int) -> str:
    return f"{count} report" if count == 1 else f"{count} reports"


def _explanation(shared: tuple[SharedEvidence, ...], size: int, limit: int = 6) -> list[str]:
    """Plain sentences, strongest evidence first, without repeating a host as its domain."""
    lines: list[str] = []
    shown: list[SharedEvidence] = []
    for item in shared:
        if _restates(item, shown):
            continue
        shown.append(item)
        who = f"all {size} reports" if item.count == size else f"{item.count} of {size} reports"
        what = (
            f"have text near-identical to report {item.value}'s"
            if item.kind == "text"
            else f"share {item.label} {item.value}"
        )
        lines.append(f"{who} {what}")
        if len(lines) == limit:
            break
    return lines


def _restates(item: SharedEvidence, shown: list[SharedEvidence]) -> bool:
    """A domain held by exactly the reports holding one of its hosts adds nothing."""
    if item.kind not in ("domain", "sender_domain"):
        return False
    return any(
        s.count == item.count
        and s.kind in ("host", "url", "sender")
        and under_any(_host_in(s.kind, s.value) or "", frozenset({item.value}))
        for s in shown
    )
