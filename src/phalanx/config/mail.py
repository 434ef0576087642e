"""Settings of the mail capability ([mail] in the TOML file): message analysis.

The rules behind the limits and weights are explained in docs/mail-analysis.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MailSettings:
    # The organisation's own mail domains: display names and lookalike domains are judged
    # against them ("IT Service Desk" <x@uni-example.com> impersonates uni.example).
    organisation_domains: tuple[str, ...] = ()
    # Names people know the organisation by ("University of Example", "UoE").
    organisation_names: tuple[str, ...] = ()
    # Extra brands to watch for impersonation, beside the built-in list: "name=domain.example".
    brands_extra: tuple[str, ...] = ()
    # Parsing limits: a reported message is hostile input; these keep one message from costing
    # more than a few milliseconds or a few megabytes.
    max_message_bytes: int = 25_000_000
    max_header_bytes: int = 2_000  # per header value, before decoding
    max_headers: int = 300
    max_parts: int = 200
    max_part_bytes: int = 10_000_000  # decoded size of one part
    max_text_chars: int = 20_000  # of the normalised visible text kept for grouping
    max_html_chars: int = 300_000  # of each HTML part that is parsed
    max_urls: int = 500
    # Archives are opened one level deep; members beyond these limits are not inflated and a
    # member compressed more than max_zip_ratio times is treated as a zip bomb.
    max_zip_members: int = 100
    max_zip_member_bytes: int = 20_000_000
    max_zip_ratio: int = 200
    # Score thresholds (0-100) for the verdicts.
    malicious_score: int = 70
    suspicious_score: int = 30
    spam_score: int = 25
