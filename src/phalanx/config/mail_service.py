"""Settings of the reporting service's campaigns, takedown queue and reporter feedback.

The rules behind each number are explained in docs/mail-campaigns-takedowns.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CampaignSettings:
    # Near-duplicate text: Jaccard similarity of word shingles, estimated by MinHash and found
    # through LSH. 0.8 keeps a template whose name, link and reference number change together
    # while two different lures with a common disclaimer stay apart.
    text_threshold: float = 0.8
    num_perm: int = 64
    shingle_words: int = 3
    # Shorter texts ("see attached", an empty body) are too generic to link anything.
    min_shingles: int = 8
    # Only the first characters of the body are shingled: templates differ early, and a
    # 2 MB body must not cost seconds.
    max_text_chars: int = 6000
    # A piece of evidence (host, URL, hash...) seen in at least hub_min_reports reports that
    # would join hub_min_campaigns or more campaigns otherwise apart is a hub (tracking pixel,
    # CDN, disclaimer link) and links nothing on its own.
    hub_min_reports: int = 10
    hub_min_campaigns: int = 3
    # Once the index holds share_min_reports reports, evidence found in more than max_share of
    # all of them is ubiquitous and links nothing (a blunt safety net under the hub rule: a
    # single campaign bigger than this share then holds together by its other evidence).
    max_share: float = 0.2
    share_min_reports: int = 200
    # Extra domains (and their subdomains) that must never link reports, beside the built-in
    # list of well-known legitimate domains and the organisation's own domains.
    ignore_domains: tuple[str, ...] = ()
    # The organisation's own mail gateways and relays (CIDRs): they appear in every report's
    # Received chain and must not link reports as a "sending IP".
    ignore_networks: tuple[str, ...] = ()


@dataclass(frozen=True)
class TakedownSettings:
    # Liveness checks fetch reported URLs: off unless a sandboxed egress is configured.
    network_enabled: bool = False
    check_interval_minutes: int = 60
    request_timeout_seconds: float = 10.0
    # Redirects are followed only this many times, and only while they stay on the same host.
    max_redirects: int = 3
    # Only this much of a page is read: enough to see an error page, never a whole download.
    max_body_bytes: int = 65536
    user_agent: str = "Phalanx-takedown-checker/1"
    # URLs resolving to private, loopback or link-local addresses are never fetched (a reported
    # URL must not reach into our own network); True only for tests and lab set-ups.
    allow_private_addresses: bool = False


@dataclass(frozen=True)
class FeedbackSettings:
    enabled: bool = False
    relay_host: str = "127.0.0.1"
    relay_port: int = 25
    sender: str = "phishing-report@localhost"
    # Words the replies use to name who is writing and whom to call.
    team_name: str = "the IT security team"
    it_contact: str = "the IT service desk"
    subject_prefix: str = "[Report result]"
    relay_starttls: bool = False
    relay_username: str | None = None
    relay_password: str | None = None
    relay_timeout_seconds: float = 10.0
    # Replies go only to reporters in these domains (and their subdomains); empty: anyone. A
    # report's sender can be forged, so set it to the organisation's domains to avoid
    # backscatter to strangers.
    reply_domains: tuple[str, ...] = ()
