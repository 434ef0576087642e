"""The published logic of other tools' spray and brute-force rules, for the benchmark only.

Each reference runs over a Polars DataFrame of sign-ins in phalanx's schema
(src/phalanx/signins/schema.py) and returns Alerts. Thresholds come from the tools' own rules
as summarised in ../shared/prior-art/signins.md §2 (commit hashes there); the logic is ours,
written from those descriptions, and simplified where a rule depends on data we do not have
(ASNs, countries). Buckets are tumbling, as `bin()` in KQL, `bucket` in ES|QL and `bin _time`
in SPL are; fail2ban's window slides.

Not part of the product: nothing under src/ imports this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl


@dataclass(frozen=True)
class Alert:
    detector: str
    rule: str
    sources: frozenset[str]
    accounts: frozenset[str]
    first: datetime  # first event counted
    last: datetime  # last event counted
    fired: datetime  # when the rule would have fired: end of the first bucket over threshold


Detector = Callable[[pl.DataFrame], list[Alert]]

FAILED = pl.col("outcome") == "failure"
ENTRA = pl.col("log_source").str.starts_with("entra")
WINDOWS = pl.col("log_source").str.starts_with("windows") | pl.col("log_source").str.starts_with(
    "evtx"
)
SSHD = pl.col("log_source").str.starts_with("syslog")
MACHINE = pl.col("account").str.ends_with("$")


def _alerts(
    groups: pl.DataFrame, detector: str, rule: str, bucket: timedelta | None = None
) -> list[Alert]:
    """Rows with sources, accounts, first, last, bucket -> Alerts."""
    alerts = []
    for row in groups.iter_rows(named=True):
        fired = row["bucket"] + bucket if bucket is not None else row["last"]
        alerts.append(
            Alert(
                detector=detector,
                rule=rule,
                sources=frozenset(row["sources"]),
                accounts=frozenset(row["accounts"]),
                first=row["first"],
                last=row["last"],
                fired=min(fired, row["last"]),
            )
        )
    return alerts


def _bucketed(frame: pl.DataFrame, every: timedelta, keys: list[str]) -> pl.DataFrame:
    return (
        frame.with_columns(bucket=pl.col("time").dt.truncate(every))
        .group_by([*keys, "bucket"])
        .agg(
            users=pl.col("account").n_unique(),
            events=pl.len(),
            errors=pl.col("code").n_unique(),
            ips=pl.col("source").n_unique(),
            sources=pl.col("source").unique(),
            accounts=pl.col("account").unique(),
            first=pl.col("time").min(),
            last=pl.col("time").max(),
        )
    )


# --- Microsoft Sentinel: SigninPasswordSpray.yaml -------------------------------------------

SENTINEL_FAILURES = ("50053", "50126", "50055")


def sentinel_signin_password_spray(frame: pl.DataFrame) -> list[Alert]:
    """Per (IP, app) >= 5 distinct failing UPNs in a 20-minute bin; the IP must have more
    distinct failed than successful principals. The alert covers all the IP's failures."""
    entra = frame.filter(ENTRA)
    failures = entra.filter(pl.col("code").is_in(SENTINEL_FAILURES))
    bins = _bucketed(failures, timedelta(minutes=20), ["source", "target"])
    breaching = (
        bins.filter(pl.col("users") >= 5).group_by("source").agg(bucket=pl.col("bucket").min())
    )
    if breaching.is_empty():
        return []
    failed_users = failures.group_by("source").agg(
        failed=pl.col("account").n_unique(),
        accounts=pl.col("account").unique(),
        first=pl.col("time").min(),
        last=pl.col("time").max(),
    )
    good_users = (
        entra.filter(pl.col("outcome") == "success")
        .group_by("source")
        .agg(succeeded=pl.col("account").n_unique())
    )
    kept = (
        breaching.join(failed_users, on="source")
        .join(good_users, on="source", how="left")
        .filter(pl.col("failed") > pl.col("succeeded").fill_null(0))
        .with_columns(sources=pl.concat_list(pl.col("source")))
    )
    return _alerts(kept, "sentinel", "SigninPasswordSpray", timedelta(minutes=20))


# --- Elastic: Entra ID User Sign-in Brute Force Attempted --------------------------------------

ELASTIC_CODES = (
    "50034", "50126", "50055", "50056", "50057", "50064", "50076", "50079", "50105", "70000",
    "70008", "70043", "80002", "80005", "50144", "50135", "50142", "120000", "120002", "120020",
)  # fmt: skip


def elastic_entra_brute_force(frame: pl.DataFrame) -> list[Alert]:
    """Tenant-wide 15-minute buckets of password-related failures, classified as password
    spraying (>= 15 users, 1 error, >= 15 events, <= 30 min), credential stuffing (>= 10 users,
    >= 30 events, <= 3 errors, >= 5 IPs, <= 10 min, users > IPs) or guessing (1 user, 1 error,
    >= 30 events in <= 5 min)."""
    failures = frame.filter(ENTRA & pl.col("code").is_in(ELASTIC_CODES))
    if failures.is_empty():
        return []
    buckets = _bucketed(failures, timedelta(minutes=15), []).with_columns(
        seconds=(pl.col("last") - pl.col("first")).dt.total_seconds()
    )
    spraying = (
        (pl.col("users") >= 15)
        & (pl.col("errors") == 1)
        & (pl.col("events") >= 15)
        & (pl.col("seconds") <= 1800)
    )
    stuffing = (
        (pl.col("users") >= 10)
        & (pl.col("events") >= 30)
        & (pl.col("errors") <= 3)
        & (pl.col("ips") >= 5)
        & (pl.col("seconds") <= 600)
        & (pl.col("users") > pl.col("ips"))
    )
    guessing = (
        (pl.col("users") == 1)
        & (pl.col("errors") == 1)
        & (pl.col("events") >= 30)
        & (pl.col("seconds") <= 300)
    )
    fifteen = timedelta(minutes=15)
    return [
        *_alerts(buckets.filter(spraying), "elastic", "password_spraying", fifteen),
        *_alerts(buckets.filter(stuffing & ~spraying), "elastic", "credential_stuffing", fifteen),
        *_alerts(buckets.filter(guessing), "elastic", "password_guessing", fifteen),
    ]


# --- Hayabusa: built-in correlations on 4625 --------------------------------------------------

FIVE_MINUTES = timedelta(minutes=5)


def hayabusa(frame: pl.DataFrame) -> list[Alert]:
    """PW Guessing: 4625 wrong password, same user+IP, >= 5 in 5 min. User Guessing: 4625
    unknown user, > 3 distinct users per IP in 5 min. PW Spray: 4648, >= 5 users per IP."""
    logons = frame.filter(
        pl.col("log_source").str.ends_with(":4625") & FAILED & ~MACHINE & (pl.col("source") != "-")
    )
    guessing = _bucketed(
        logons.filter(pl.col("failure_reason") == "bad_password"),
        FIVE_MINUTES,
        ["source", "account"],
    ).filter(pl.col("events") >= 5)
    users = _bucketed(
        logons.filter(pl.col("failure_reason") == "unknown_account"), FIVE_MINUTES, ["source"]
    ).filter(pl.col("users") > 3)
    explicit = _bucketed(
        frame.filter(pl.col("log_source").str.ends_with(":4648")), FIVE_MINUTES, ["source"]
    ).filter(pl.col("users") >= 5)
    return [
        *_alerts(guessing, "hayabusa", "PW Guessing", FIVE_MINUTES),
        *_alerts(users, "hayabusa", "User Guessing", FIVE_MINUTES),
        *_alerts(explicit, "hayabusa", "PW Spray", FIVE_MINUTES),
    ]


# --- Splunk: more than 30 users failing per source in 5 minutes ---------------------------------


def splunk_multiple_users_from_source(frame: pl.DataFrame) -> list[Alert]:
    """Any log: per source, distinct failing accounts > 30 in a 5-minute bucket (the static
    "Multiple Users Failing To Authenticate From ..." family), machine accounts excluded."""
    failures = frame.filter(FAILED & ~MACHINE & (pl.col("source") != ""))
    buckets = _bucketed(failures, FIVE_MINUTES, ["source"]).filter(pl.col("users") > 30)
    return _alerts(buckets, "splunk", "Multiple users failing from source", FIVE_MINUTES)


# --- fail2ban: sshd jail, maxretry 5 within findtime 10 minutes ---------------------------------


def fail2ban_sshd(frame: pl.DataFrame) -> list[Alert]:
    """Per IP, a ban when 5 failures fall within 10 minutes (sliding). One alert per ban;
    a banned IP is banned again only after bantime (10 minutes) has passed."""
    failures = frame.filter(SSHD & FAILED).sort("source", "time")
    if failures.is_empty():
        return []
    hits = failures.with_columns(
        fifth_back=pl.col("time").shift(4).over("source"),
        accounts4=pl.concat_list([pl.col("account").shift(k).over("source") for k in range(5)]),
    ).filter((pl.col("time") - pl.col("fifth_back")) <= timedelta(minutes=10))
    alerts: list[Alert] = []
    banned_until: dict[str, datetime] = {}
    for row in hits.iter_rows(named=True):
        source, moment = row["source"], row["time"]
        if source in banned_until and moment < banned_until[source]:
            continue
        banned_until[source] = moment + timedelta(minutes=10)
        alerts.append(
            Alert(
                "fail2ban",
                "sshd",
                frozenset([source]),
                frozenset(a for a in row["accounts4"] if a is not None),
                row["fifth_back"],
                moment,
                moment,
            )
        )
    return alerts


REFERENCES: dict[str, Detector] = {
    "sentinel": sentinel_signin_password_spray,
    "elastic": elastic_entra_brute_force,
    "hayabusa": hayabusa,
    "splunk": splunk_multiple_users_from_source,
    "fail2ban": fail2ban_sshd,
}
