"""Settings of the sign-ins capability ([signins.*] tables in the TOML file).

The defaults are justified against published detectors in docs/signins-detection.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SprayWindow:
    """One horizon over which a source is judged: 'N distinct accounts within W minutes'."""

    minutes: int
    min_accounts: int


@dataclass(frozen=True)
class SpraySettings:
    # A short burst (Hayabusa >= 5 users / 5 min, Sentinel >= 5 / 20 min, Elastic >= 15 / 30 min)
    # and a long horizon (Sigma's > 10 users in 24 h) catch both a Kerbrute run and a spray
    # slowed down to dodge lockouts.
    windows: tuple[SprayWindow, ...] = (SprayWindow(30, 8), SprayWindow(24 * 60, 12))
    # "few attempts each": above this mean per account it is guessing, not spraying.
    # Windows writes several 4648/4776 events per real attempt (seven per target in the corpus
    # sample), so the cap sits above Elastic's 2-8 band for Okta.
    max_attempts_per_account: float = 10.0


@dataclass(frozen=True)
class BruteForceSettings:
    # fail2ban's defaults (maxretry 5 within findtime 10 min); Hayabusa's PW Guessing >= 5 / 5 min.
    min_failures: int = 5
    window_minutes: int = 10


@dataclass(frozen=True)
class SuccessSettings:
    # How long after a spray a success from its sources still counts as the spray's success.
    # Hours, not Elastic's 5-15 seconds: a sprayer often comes back later to use what worked.
    within_hours: float = 24.0


@dataclass(frozen=True)
class StaleCredentialSettings:
    # One account failing again and again from one internal host, with nothing else going on:
    # usually a service or a phone with an old password. Reported at low severity.
    min_failures: int = 10  # in one calendar day (UTC): a person's typos never add up to it


@dataclass(frozen=True)
class DistributedSettings:
    """Organisation-wide waves from many sources, each below every per-source threshold."""

    window_hours: int = 24
    min_accounts: int = 20  # Elastic's tenant-wide spray rule wants >= 15 users
    min_sources: int = 10  # Elastic's Okta multi-source rule wants >= 5 IPs
    max_attempts_per_source: float = 3.0  # "one or two attempts per IP"
    # A tool's fingerprint (client, protocol, code) whose failing accounts almost never sign in
    # with it is an attacker's; a legitimate app's users mostly do, so it needs a surge instead.
    max_success_share: float = 0.2
    # x the failing accounts the fingerprint usually has in the same hours of the week (the
    # median of the other weeks; the median day when the input holds no other week)
    surge_factor: float = 3.0
    # Weeks of earlier failures a live watch keeps for that baseline (a scan uses its input).
    baseline_weeks: int = 4


@dataclass(frozen=True)
class SyslogSettings:
    # RFC 3164 lines carry no year: it is inferred from the file's modification time; set it
    # here (the year of the file's first line; New Year in the file rolls it on) when the
    # file's time is misleading (copied files).
    year: int | None = None
    timezone: str = "UTC"  # the time zone a syslog without offsets was written in


@dataclass(frozen=True)
class SigninSettings:
    spray: SpraySettings = field(default_factory=SpraySettings)
    brute_force: BruteForceSettings = field(default_factory=BruteForceSettings)
    success: SuccessSettings = field(default_factory=SuccessSettings)
    stale_credentials: StaleCredentialSettings = field(default_factory=StaleCredentialSettings)
    distributed: DistributedSettings = field(default_factory=DistributedSettings)
    syslog: SyslogSettings = field(default_factory=SyslogSettings)
    # Sources never reported: scanners, monitoring, known jump hosts (IPs, CIDRs or host names).
    allow_sources: tuple[str, ...] = ()
    # One person, many spellings: account names are matched case-folded on their local part
    # (CONTOSO\\JSmith = jsmith@contoso.org = jsmith); list here what that cannot see, such
    # as "j.smith" = "jsmith" or a VPN's "smithj" = "jsmith".
    account_aliases: dict[str, str] = field(default_factory=dict)
    # A column-mapping TOML for generic CSV/NDJSON exports (VPN appliances...), see docs.
    column_map: Path | None = None
