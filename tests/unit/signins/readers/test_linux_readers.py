"""Linux authentication logs: syslog (three timestamp styles) and the systemd journal."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import orjson
import polars as pl
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.config.signins import SigninSettings, SyslogSettings
from phalanx.signins.readers import detect, journald, syslog_auth
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.scan import scan
from phalanx.signins.simulate.example import write_example_logs


def read(
    module: object, data: bytes, config: SigninSettings | None = None
) -> tuple[pl.DataFrame, InputStats]:
    source = InputFile("auth.log", lambda: io.BytesIO(data), size=len(data))
    assert detect(source, data[:65536]) is module
    stats = InputStats(path="auth.log")
    batches = list(module.read(source, stats, config or SigninSettings()))  # type: ignore[attr-defined]
    frame = pl.from_arrow(pa.Table.from_batches(batches)) if batches else pl.DataFrame()
    assert isinstance(frame, pl.DataFrame)
    return frame, stats


def test_pam_syslog_ground_truth(corpus: Path) -> None:
    result = scan([corpus / "signins" / "linux" / "pam-syslog-2k.log"], SigninSettings())
    frame = pl.from_arrow(result.table)
    assert isinstance(frame, pl.DataFrame)
    sshd = frame.filter(pl.col("log_source") == "syslog:sshd")
    assert sshd.height == 489  # pam_unix authentication failures, as the corpus README says
    assert sshd["source"].n_unique() == 47
    assert result.inputs[0].records == 2000
    # one user per source: classic brute force, never a spray
    assert {f.kind for f in result.findings} == {"signins.brute_force"}


def test_year_comes_from_settings_or_the_file_and_rolls_over_new_year(tmp_path: Path) -> None:
    data = (
        b"Dec 31 23:59:58 gw sshd[1]: Failed password for root from 192.0.2.9 port 2 ssh2\n"
        b"Jan  1 00:00:02 gw sshd[1]: Failed password for root from 192.0.2.9 port 2 ssh2\n"
    )
    fixed = SigninSettings(syslog=SyslogSettings(year=2024))
    frame, _ = read(syslog_auth, data, fixed)
    assert [t.year for t in frame["time"]] == [2024, 2025]  # the first line's year, rolled on
    log = tmp_path / "auth.log"
    log.write_bytes(data)
    stamp = datetime(2022, 1, 1, 12, tzinfo=UTC).timestamp()
    os.utime(log, (stamp, stamp))
    table = scan([log], SigninSettings()).table
    assert [t.year for t in table.column("time").to_pylist()] == [2021, 2022]


def test_three_timestamp_styles_and_the_time_zone() -> None:
    lines = (
        b"Mar  3 12:00:01 gw sshd[1]: Failed password for bob from 198.51.100.2 port 1 ssh2\n"
        b"<38>1 2024-03-03T12:00:01.5+01:00 gw sshd 77 - - Accepted password for bob from "
        b"198.51.100.2 port 1 ssh2\n"
        b"2024-03-03T12:00:01.123456+00:00 gw sshd[5]: Invalid user x from 198.51.100.3 port 9\n"
    )
    config = SigninSettings(syslog=SyslogSettings(year=2024, timezone="Europe/London"))
    frame, stats = read(syslog_auth, lines, config)
    assert frame.select("outcome", "failure_reason").rows() == [
        ("failure", "bad_password"),
        ("success", ""),
        ("failure", "other"),
    ]
    assert frame["time"].dt.hour().to_list() == [12, 11, 12]
    assert stats.skips.total == 0


def test_message_repeated_counts_every_attempt() -> None:
    line = (
        b"Mar  3 12:00:01 gw sshd[1]: message repeated 4 times: [ Failed password for root "
        b"from 203.0.113.4 port 22 ssh2]\n"
    )
    frame, _ = read(syslog_auth, line, SigninSettings(syslog=SyslogSettings(year=2024)))
    assert frame.height == 4


def test_example_logs_read_without_a_skip(tmp_path: Path) -> None:
    write_example_logs(tmp_path)
    frame, stats = read(syslog_auth, (tmp_path / "sshd-auth.log").read_bytes())
    assert stats.skips.total == 0
    assert frame.height > 100


def test_journald_export_uses_the_same_parser() -> None:
    entries = [
        {
            "__REALTIME_TIMESTAMP": "1709467201000000",
            "_HOSTNAME": "gw",
            "SYSLOG_IDENTIFIER": "sshd",
            "MESSAGE": "Failed password for invalid user oracle from 203.0.113.8 port 4 ssh2",
        },
        {
            "__REALTIME_TIMESTAMP": "1709467202000000",
            "_HOSTNAME": "gw",
            "SYSLOG_IDENTIFIER": "sshd",
            "MESSAGE": list(b"Accepted publickey for ann from 203.0.113.9 port 5 ssh2"),
        },
        {"__REALTIME_TIMESTAMP": "nonsense", "MESSAGE": "x", "SYSLOG_IDENTIFIER": "sshd"},
    ]
    data = b"\n".join(orjson.dumps(e) for e in entries) + b"\n{not json\n"
    frame, stats = read(journald, data)
    assert frame.select("account", "source", "failure_reason").rows() == [
        ("oracle", "203.0.113.8", "unknown_account"),
        ("ann", "203.0.113.9", ""),
    ]
    assert frame["time"][0] == datetime(2024, 3, 3, 12, 0, 1, tzinfo=UTC)
    assert stats.skips.counts == {"malformed_entry": 1, "invalid_json": 1}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=120),
            st.text(max_size=120).map(lambda t: f"Mar  3 12:00:01 gw sshd[1]: {t}".encode()),
            st.text(max_size=80).map(
                lambda t: f"Mar  3 12:00:01 gw dovecot: imap-login: {t}".encode()
            ),
        ),
        max_size=30,
    )
)
def test_malformed_syslog_never_crashes(lines: list[bytes]) -> None:
    data = b"Mar  3 12:00:01 gw sshd[1]: Connection from 192.0.2.1 port 1\n" + b"\n".join(lines)
    source = InputFile("fuzz.log", lambda: io.BytesIO(data))
    stats = InputStats(path="fuzz.log")
    rows = sum(b.num_rows for b in syslog_auth.read(source, stats, SigninSettings()))
    assert rows == stats.signins


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=100),
            st.dictionaries(
                st.sampled_from(
                    ["__REALTIME_TIMESTAMP", "MESSAGE", "SYSLOG_IDENTIFIER", "_HOSTNAME"]
                ),
                st.one_of(
                    st.text(max_size=30),
                    st.integers(-(10**18), 10**18),
                    st.lists(st.integers(-5, 300)),
                ),
            ).map(orjson.dumps),
        ),
        max_size=20,
    )
)
def test_malformed_journal_never_crashes(lines: list[bytes]) -> None:
    data = b"\n".join(lines)
    source = InputFile("fuzz.json", lambda: io.BytesIO(data))
    stats = InputStats(path="fuzz.json")
    rows = sum(b.num_rows for b in journald.read(source, stats, SigninSettings()))
    assert rows == stats.signins
