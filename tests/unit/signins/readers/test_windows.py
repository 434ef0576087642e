"""The Windows readers (.evtx and JSON lines) against the corpus ground truth, and bad input.

Ground truth: ../shared/corpus/README.md, signins/windows and signins/windows-json.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from evtx import PyEvtxParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import evtx, open_inputs, windows_events, windows_json
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.schema import SIGNIN_SCHEMA

_EVTX_MAGIC = b"ElfFile\x00"


def _read(module: Any, source: InputFile) -> tuple[list[dict[str, Any]], InputStats]:
    stats = InputStats(path=source.name)
    batches = list(module.read(source, stats, SigninSettings()))
    assert all(batch.schema.equals(SIGNIN_SCHEMA) for batch in batches)
    rows = pa.Table.from_batches(batches, schema=SIGNIN_SCHEMA).to_pylist()
    assert stats.signins == len(rows)
    return rows, stats


def _from_bytes(name: str, data: bytes) -> InputFile:
    return InputFile(name, lambda: io.BytesIO(data), size=len(data))


def read_evtx(path: Path) -> tuple[list[dict[str, Any]], InputStats]:
    return _read(evtx, InputFile(str(path), lambda: path.open("rb"), size=path.stat().st_size))


def read_lines(data: bytes, name: str = "events.json") -> tuple[list[dict[str, Any]], InputStats]:
    return _read(windows_json, _from_bytes(name, data))


def _by_event(rows: list[dict[str, Any]], reader: str, event_id: int) -> list[dict[str, Any]]:
    return [row for row in rows if row["log_source"] == f"{reader}:{event_id}"]


def _tally(rows: list[dict[str, Any]], *columns: str) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(row[column] for column in columns) for row in rows)


@pytest.fixture(scope="module")
def windows(corpus: Path) -> Path:
    return corpus / "signins" / "windows"


# --- .evtx against the ground truth ------------------------------------------------------------


@pytest.mark.corpus
def test_kerbrute_spray_is_22_bad_passwords_from_one_address_plus_20_ticket_requests(
    windows: Path,
) -> None:
    rows, stats = read_evtx(windows / "kerbrute-spray-4771.evtx")
    preauth = _by_event(rows, "evtx", 4771)
    assert len(preauth) == 22
    assert len({row["account"] for row in preauth}) == 22
    assert _tally(preauth, "outcome", "failure_reason", "code", "source", "source_kind") == {
        ("failure", "bad_password", "0x18", "10.23.123.11", "ip"): 22
    }
    tickets = _by_event(rows, "evtx", 4768)
    assert _tally(tickets, "outcome", "failure_reason", "code") == {
        ("failure", "disabled", "0x12"): 15,
        ("success", "", "0x0"): 5,
    }
    assert {row["protocol"] for row in rows} == {"kerberos"}
    assert {row["target"] for row in rows} == {"rootdc1.offsec.lan"}
    assert min(row["time"] for row in rows) >= datetime(2021, 12, 3, 12, 6, 3, tzinfo=UTC)
    assert max(row["time"] for row in rows) <= datetime(2021, 12, 3, 12, 6, 14, tzinfo=UTC)
    assert (stats.records, stats.skips.total) == (42, 0)


@pytest.mark.corpus
def test_kerberos_user_enumeration_reads_unknown_principals(windows: Path) -> None:
    rows, _ = read_evtx(windows / "kerberos-spray-unknown-users-4768.evtx")
    assert _tally(_by_event(rows, "evtx", 4768), "failure_reason", "code") == {
        ("unknown_account", "0x6"): 46,
        ("disabled", "0x12"): 1,
        ("", "0x0"): 3,
    }
    assert _tally(_by_event(rows, "evtx", 4771), "failure_reason") == {("bad_password",): 2}
    failures = [row for row in rows if row["outcome"] == "failure"]
    assert {row["source"] for row in failures} == {"10.23.123.11"}


@pytest.mark.corpus
def test_kerberos_brute_force_is_one_account(windows: Path) -> None:
    rows, _ = read_evtx(windows / "kerberos-bruteforce-one-user-4771.evtx")
    assert _tally(rows, "account", "failure_reason", "source") == {
        ("admin-hacker", "bad_password", "10.23.123.11"): 54
    }


@pytest.mark.corpus
def test_local_brute_force_without_address_falls_back_to_the_workstation(windows: Path) -> None:
    rows, _ = read_evtx(windows / "local-bruteforce-4625-4776.evtx")
    assert len(rows) == 16
    assert {row["account"] for row in rows} == {"admin", "administrator"}
    assert _tally(rows, "outcome", "failure_reason", "code", "protocol") == {
        ("failure", "bad_password", "0xc000006a", "logon_type:2"): 16
    }
    assert _tally(rows, "source", "source_kind") == {("win", "host"): 16}
    assert {row["domain"] for row in rows} == {"win"}


@pytest.mark.corpus
def test_openssh_brute_force_keeps_the_record_whose_header_time_is_filetime_zero(
    windows: Path,
) -> None:
    rows, stats = read_evtx(windows / "openssh-bruteforce-valid-user-4625.evtx")
    failed = _by_event(rows, "evtx", 4625)
    assert _tally(failed, "account", "domain", "failure_reason", "protocol") == {
        ("admmig", "offsec.lan", "bad_password", "logon_type:8"): 5
    }
    # Record 11's header says 1601-01-01, its TimeCreated does not: the event's own time is used.
    assert 11 in {row["record"] for row in failed}
    assert all(row["time"].year == 2021 for row in rows)
    assert all(row["source_kind"] != "ip" for row in failed)
    assert stats.skips.total == 0


@pytest.mark.corpus
def test_openssh_unknown_user_gives_4625_and_ntlm_4776(windows: Path) -> None:
    rows, _ = read_evtx(windows / "openssh-bruteforce-unknown-user-4625.evtx")
    assert _tally(_by_event(rows, "evtx", 4625), "account", "failure_reason", "code") == {
        ("nouser", "unknown_account", "0xc0000064"): 5
    }
    ntlm = _by_event(rows, "evtx", 4776)
    assert _tally(ntlm, "account", "failure_reason", "protocol", "source", "source_kind") == {
        ("nouser", "unknown_account", "ntlm", "fs01", "host"): 5
    }


@pytest.mark.corpus
def test_rdp_denied_by_logon_right_is_restricted_not_a_wrong_password(windows: Path) -> None:
    rows, _ = read_evtx(windows / "rdp-denied-restriction-4625.evtx")
    assert _tally(rows, "outcome", "failure_reason", "source", "protocol") == {
        ("failure", "restricted", "10.23.23.9", "logon_type:10"): 2
    }


@pytest.mark.corpus
def test_explicit_credential_spray_is_41_targets_by_one_sprayer(windows: Path) -> None:
    rows, stats = read_evtx(windows / "explicit-credential-spray-4648.evtx")
    assert len(rows) == 294
    assert len({row["account"] for row in rows}) == 41
    assert _tally(rows, "outcome", "source", "source_kind", "client") == {
        ("attempt", "desktop-jr78rlp", "host", "jwrig"): 294
    }
    assert stats.records == 295  # and the log-cleared event 1102


@pytest.mark.corpus
def test_single_typo_then_success(windows: Path) -> None:
    rows, _ = read_evtx(windows / "single-typo-then-success-4625.evtx")
    typo = _by_event(rows, "evtx", 4625)
    assert _tally(typo, "account", "failure_reason") == {("ieuser", "bad_password"): 1}
    later = [r for r in rows if r["account"] == "ieuser" and r["outcome"] == "success"]
    assert later
    assert all(0 < (r["time"] - typo[0]["time"]).total_seconds() < 5 for r in later)


@pytest.mark.corpus
def test_benign_explicit_credentials_are_three_attempts_on_one_account(windows: Path) -> None:
    rows, _ = read_evtx(windows / "benign-explicit-credential-4648.evtx")
    assert _tally(rows, "outcome", "account") == {("attempt", "administrator"): 3}


@pytest.mark.corpus
def test_every_corpus_evtx_reads_without_skips(windows: Path) -> None:
    for path in sorted(windows.glob("*.evtx")):
        rows, stats = read_evtx(path)
        assert stats.skips.total == 0, path.name
        assert rows, path.name
        assert all(row["time"] >= datetime(2019, 1, 1, tzinfo=UTC) for row in rows), path.name
        assert {row["origin"] for row in rows} == {str(path)}


# --- JSON lines ------------------------------------------------------------------------------


def _json_members(corpus: Path, name: str) -> list[InputFile]:
    problems: list[InputStats] = []
    path = corpus / "signins" / "windows-json" / name
    members = [m for m in open_inputs([path], problems) if windows_json.sniff(m.head(), m.name)]
    assert not problems
    return members


@pytest.mark.corpus
def test_uac_typo_is_one_wrong_password_and_two_restricted(corpus: Path) -> None:
    (member,) = _json_members(corpus, "uac-typo-4625.zip")
    rows, stats = _read(windows_json, member)
    assert stats.records == 7511
    assert stats.skips.total == 0
    assert _tally(_by_event(rows, "windows_json", 4625), "failure_reason", "code") == {
        ("bad_password", "0xc000006a"): 1,
        ("restricted", "0xc000010b"): 2,
    }
    assert _tally(_by_event(rows, "windows_json", 4776), "outcome") == {
        ("failure",): 1,
        ("success",): 1,
    }
    assert {row["account"] for row in rows} == {"pedro", "system"}
    assert {row["target"] for row in _by_event(rows, "windows_json", 4625)} == {"Pedro01"}
    assert all(row["time"].date().isoformat() == "2022-08-08" for row in rows)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "records"),
    [("benign-ad-background-1.zip", 40_569), ("benign-ad-background-2.zip", 37_814)],
)
def test_benign_ad_background_is_all_successful(corpus: Path, name: str, records: int) -> None:
    (member,) = _json_members(corpus, name)
    rows, stats = _read(windows_json, member)
    assert stats.records == records
    assert stats.skips.total == 0
    assert rows
    assert {row["outcome"] for row in rows} <= {"success", "attempt"}
    assert any(row["source_kind"] == "ip" for row in rows)  # ::ffff: and fe80:: addresses


@pytest.mark.corpus
def test_json_lines_of_evtx_records_read_the_same_as_the_evtx(windows: Path) -> None:
    """evtx_dump-style JSON lines of every corpus record give the .evtx reader's sign-ins."""
    for path in sorted(windows.glob("*.evtx")):
        lines = [r["data"] for r in PyEvtxParser(str(path)).records_json()]
        from_json, _ = read_lines("\n".join(lines).encode())
        from_evtx, _ = read_evtx(path)
        ignore = ("log_source", "origin", "record")
        assert [{k: v for k, v in r.items() if k not in ignore} for r in from_json] == [
            {k: v for k, v in r.items() if k not in ignore} for r in from_evtx
        ], path.name


def _winlogbeat_4625(**data: object) -> dict[str, object]:
    event_data = {
        "TargetUserName": "jsmith",
        "TargetDomainName": "CONTOSO",
        "Status": "0xc000006d",
        "SubStatus": "0xC0000064",
        "LogonType": "3",
        "IpAddress": "::ffff:203.0.113.9",
        "WorkstationName": "KALI",
        **data,
    }
    return {
        "@timestamp": "2024-03-01T10:00:00.123Z",
        "event": {"code": "4625", "provider": "Microsoft-Windows-Security-Auditing"},
        "winlog": {
            "channel": "Security",
            "computer_name": "dc1.contoso.org",
            "event_id": "4625",
            "record_id": 99,
            "event_data": event_data,
        },
    }


def test_winlogbeat_layout() -> None:
    line = orjson.dumps(_winlogbeat_4625())
    assert windows_json.sniff(line + b"\n", "winlogbeat.ndjson")
    (row,), _ = read_lines(line + b"\n")
    assert (row["account"], row["domain"], row["account_raw"]) == (
        "jsmith",
        "contoso",
        "CONTOSO\\jsmith",
    )
    assert (row["source"], row["source_kind"], row["target"]) == (
        "203.0.113.9",
        "ip",
        "dc1.contoso.org",
    )
    assert (row["failure_reason"], row["code"], row["protocol"]) == (
        "unknown_account",
        "0xc0000064",
        "logon_type:3",
    )
    assert row["time"] == datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert (row["log_source"], row["record"]) == ("windows_json:4625", 1)


def test_a_byte_order_mark_is_not_a_bad_line() -> None:
    rows, stats = read_lines(b"\xef\xbb\xbf" + orjson.dumps(_winlogbeat_4625()) + b"\r\n")
    assert (len(rows), stats.skips.total) == (1, 0)


def test_winlogbeat_6_layout_with_top_level_event_data() -> None:
    line = {
        "@timestamp": "2019-05-01T08:00:00Z",
        "event_id": 4776,
        "computer_name": "DC1",
        "event_data": {"TargetUserName": "Bob", "Workstation": "LAPTOP7", "Status": "0xc000006a"},
    }
    (row,), _ = read_lines(orjson.dumps(line))
    assert (row["account"], row["source"], row["source_kind"], row["failure_reason"]) == (
        "bob",
        "laptop7",
        "host",
        "bad_password",
    )


def test_non_logon_events_count_as_records_only() -> None:
    lines = [
        {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "cmd.exe"},
        {"EventID": 4688, "Channel": "Security", "@timestamp": "2024-01-01T00:00:00Z"},
        _winlogbeat_4625(),
    ]
    rows, stats = read_lines(b"\n".join(orjson.dumps(line) for line in lines) + b"\n\n")
    assert (stats.records, len(rows), stats.skips.total) == (3, 1, 0)


def test_bad_lines_are_skipped_by_reason_and_named() -> None:
    data = b'{"EventID": 4625, "Channel": "Security"\n[1, 2]\n{"Channel": "Security"}\n'
    data += b'{"EventID": 4625, "Channel": "Security", "TimeCreated": "1601-01-01T00:00:00Z"}\n'
    data += b'{"winlog": {"event_id": 4624, "event_data": "oops"}, "@timestamp": "2024-01-01"}\n'
    rows, stats = read_lines(data, "bad.json")
    assert rows == []
    assert stats.skips.counts == {
        "invalid_json": 1,
        "not_an_object": 1,
        "no_event_id": 1,
        "no_time": 1,
        "malformed_event": 1,
    }
    assert stats.skips.examples[0].startswith("bad.json:1: invalid_json")


def test_sniffing_tells_the_formats_apart() -> None:
    winlogbeat = orjson.dumps(_winlogbeat_4625()) + b"\n"
    entra = b'{"createdDateTime": "2024-01-01T00:00:00Z", "userPrincipalName": "a@b.c"}\n'
    assert windows_json.sniff(winlogbeat, "x")
    assert not windows_json.sniff(entra, "x")
    assert not windows_json.sniff(b"Jan  1 00:00:00 host sshd[1]: Failed password\n", "x")
    assert not windows_json.sniff(_EVTX_MAGIC + bytes(100), "x")
    assert evtx.sniff(_EVTX_MAGIC + bytes(100), "x")
    assert not evtx.sniff(winlogbeat, "x")
    # A first line longer than the sniffed head is judged by how it starts.
    assert windows_json.sniff(b'{"EventID": 4625, "Message": "' + b"x" * 1000, "x")


# --- malformed input: never a crash, never a hang, every skip counted -----------------------

_FUZZ = settings(max_examples=60, deadline=5_000, suppress_health_check=[HealthCheck.too_slow])


def _assert_consistent(rows: list[dict[str, Any]], stats: InputStats) -> None:
    assert stats.signins == len(rows) <= stats.records
    assert all(row["time"] >= datetime(1980, 1, 1, tzinfo=UTC) for row in rows)


@_FUZZ
@given(st.binary(max_size=200_000))
def test_random_bytes_after_the_evtx_magic(data: bytes) -> None:
    rows, stats = _read(evtx, _from_bytes("fuzz.evtx", _EVTX_MAGIC + data))
    _assert_consistent(rows, stats)


@pytest.fixture(scope="module")
def spray_bytes(windows: Path) -> bytes:
    return (windows / "explicit-credential-spray-4648.evtx").read_bytes()


@pytest.mark.corpus
def test_truncated_and_damaged_evtx(spray_bytes: bytes) -> None:
    @_FUZZ
    @given(
        cut=st.integers(min_value=0, max_value=len(spray_bytes)),
        damage=st.lists(
            st.tuples(st.integers(0, len(spray_bytes) - 1), st.integers(0, 255)), max_size=40
        ),
    )
    def check(cut: int, damage: list[tuple[int, int]]) -> None:
        data = bytearray(spray_bytes[:cut])
        for position, value in damage:
            if position < len(data):
                data[position] = value
        rows, stats = _read(evtx, _from_bytes("damaged.evtx", bytes(data)))
        _assert_consistent(rows, stats)
        assert len(rows) <= 294

    check()


@pytest.mark.corpus
def test_a_damaged_chunk_costs_only_its_own_records(spray_bytes: bytes) -> None:
    data = bytearray(spray_bytes)
    data[4096 : 4096 + 8] = b"garbage!"  # the first of three chunks' magic
    rows, stats = _read(evtx, _from_bytes("damaged.evtx", bytes(data)))
    assert len(rows) == 294 - 103  # records 1-104 were in it (one of them a 1102)
    assert stats.skips.counts == {"corrupt_chunk": 1}
    assert "damaged.evtx" in stats.skips.examples[0]


@pytest.mark.corpus
def test_a_large_log_read_in_pieces_by_several_processes_gives_the_same_sign_ins(
    spray_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damaged = bytearray(spray_bytes)
    damaged[4096 + 65536 : 4096 + 65536 + 8] = b"garbage!"  # the second chunk
    path = tmp_path / "damaged.evtx"
    path.write_bytes(bytes(damaged))
    whole, whole_stats = read_evtx(path)
    monkeypatch.setattr(evtx, "_SPLIT_FROM_BYTES", 0)
    monkeypatch.setattr(evtx, "_PIECE_BYTES", 65536)  # one chunk a piece: three pieces
    monkeypatch.setattr(evtx, "_cores", lambda: 2)
    pieces, pieces_stats = read_evtx(path)
    assert pieces == whole
    assert len(whole) == 294 - 106
    assert (pieces_stats.records, pieces_stats.signins) == (whole_stats.records, len(whole))
    assert pieces_stats.skips.counts == whole_stats.skips.counts == {"corrupt_chunk": 1}

    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(evtx, "ProcessPoolExecutor", no_processes)
    assert read_evtx(path)[0] == whole  # read in this process instead


def test_not_an_evtx_at_all_is_one_skip() -> None:
    rows, stats = _read(evtx, _from_bytes("x.evtx", b"not an event log"))
    assert rows == []
    assert stats.skips.total == 1


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_field_names = st.sampled_from(
    [
        "TargetUserName",
        "TargetDomainName",
        "IpAddress",
        "WorkstationName",
        "ProcessName",
        "Status",
        "SubStatus",
        "LogonType",
        "Workstation",
        "SubjectUserName",
        "TargetServerName",
    ]
)
_logon_events = st.fixed_dictionaries(
    {
        "EventID": st.sampled_from(sorted(windows_events.LOGON_EVENT_IDS)) | _json_values,
        "Channel": st.just("Security"),
        "TimeCreated": st.sampled_from(["2024-01-01T00:00:00Z", "1601-01-01T00:00:00Z"])
        | _json_values,
        "Hostname": _json_values,
    }
).flatmap(
    lambda head: st.dictionaries(_field_names, _json_values).map(lambda data: {**head, **data})
)
_lines = st.one_of(
    _logon_events.map(lambda event: orjson.dumps(event).decode()),
    _json_values.map(lambda value: orjson.dumps(value).decode()),
    st.text(max_size=60),
)


@_FUZZ
@given(st.lists(_lines, max_size=30))
def test_junk_json_lines(lines: list[str]) -> None:
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines)
    rows, stats = read_lines(text.encode())
    _assert_consistent(rows, stats)
    assert stats.records == sum(1 for line in text.split("\n") if line.strip())
    assert stats.signins + stats.skips.total <= stats.records


@_FUZZ
@given(st.binary(max_size=5_000))
def test_random_bytes_as_json_lines(data: bytes) -> None:
    rows, stats = read_lines(data)
    _assert_consistent(rows, stats)
