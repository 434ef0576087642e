"""The JSON-lines fast paths give exactly what the record path gives, skips and lines included.

Entra and Windows JSON lines are read a chunk at a time, a distinct value at a time (see
readers/columns.py); anything unusual goes through the record path. These tests hold the fast
path to the record path, byte for byte of output: on generated lines full of the odd things
exports contain (and worse), on the simulator's logs, on the real Windows JSON corpus, and
split into pieces over worker processes as a large scan reads them.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phalanx.config.signins import SigninSettings
from phalanx.signins import reading
from phalanx.signins.readers import entra, lines, windows_json
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.readers.columns import iso_micros
from phalanx.signins.records import SignInBatches
from phalanx.signins.schema import SIGNIN_SCHEMA
from phalanx.signins.simulate.run import simulate

# --- the record paths, as the readers read every line before the fast paths -----------------


def entra_record_path(source: InputFile, stats: InputStats) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(source.name)
    if source.head(1024).lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        records = entra._json_records(source, stats)
    else:
        records = entra._csv_records(source)
    yield from batches.consume(records, stats, partial(entra._add, batches))


def windows_record_path(source: InputFile, stats: InputStats) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(source.name)
    for number, line in source.text_lines():
        windows_json._read_line(line, number, batches, stats)
        if batches.full():
            yield from batches.drain()
    yield from batches.drain()


RECORD_PATHS = {"entra": entra_record_path, "windows_json": windows_record_path}
READERS = {"entra": entra, "windows_json": windows_json}


def both_paths(reader: str, data: bytes, name: str = "log.jsonl") -> None:
    """Reads `data` both ways and fails on any difference."""
    source = InputFile(name, lambda: io.BytesIO(data), size=len(data))
    fast_stats, slow_stats = InputStats(path=name), InputStats(path=name)
    fast = list(READERS[reader].read(source, fast_stats, SigninSettings()))  # type: ignore[attr-defined]
    slow = list(RECORD_PATHS[reader](source, slow_stats))
    assert all(batch.schema.equals(SIGNIN_SCHEMA) for batch in fast)
    fast_table = pa.Table.from_batches(fast, schema=SIGNIN_SCHEMA).combine_chunks()
    slow_table = pa.Table.from_batches(slow, schema=SIGNIN_SCHEMA).combine_chunks()
    assert fast_table.to_pylist() == slow_table.to_pylist()
    assert fast_table.equals(slow_table)
    assert fast_stats.to_dict() == slow_stats.to_dict()


# --- generated lines -------------------------------------------------------------------------

ODD_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["a", "errorCode"]), st.integers(), max_size=2),
    st.text(max_size=6),
)


def mostly(valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any] = ODD_VALUES) -> Any:
    """Usually a value an export would hold; now and then (one in seven) anything JSON holds."""
    return st.integers(0, 99).flatmap(lambda n: odd if n % 7 == 3 else valid)


STRICT_TIMES = st.builds(
    lambda t, digits: f"{t:%Y-%m-%dT%H:%M:%S}"
    + (f".{t.microsecond:06d}{'7' * 4}"[: digits + 1] if digits else "")
    + "Z",
    st.one_of(
        st.datetimes(min_value=datetime(1975, 1, 1), max_value=datetime(1985, 1, 1)),
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    ),
    st.integers(0, 10),
)
ODD_TIMES = st.sampled_from([
    "2024-02-30T00:00:00Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z", "2000-02-29T12:00:00Z", " 2024-01-01T00:00:00Z",
    "2024-01-01T00:00:60Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.Z",
    "2024-01-01T00:00:00.1234567890Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
    "1979-12-31T23:59:59.999Z", "1980-01-01T00:00:00.000Z", "2024-01-01 00:00:00Z",
    "2024-01-01T00:00:00+01:00", "2024-01-01T00:00:00", "2024-01-01T00:00:00z",
    "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-01-00T00:00:00Z",
    "２０２４-01-01T00:00:00Z", "2024-1-1T0:0:0Z", "2024-01-01T00:00:00.5 UTC",
    "9999-12-31T23:59:59.999999Z", "2024-01-01T00:00:00,5Z", "",
])  # fmt: skip
TIMES = mostly(STRICT_TIMES, ODD_TIMES | ODD_VALUES)
NAMES = mostly(
    st.sampled_from([
        "Alice@Contoso.org", " bob@contoso.org ", "CONTOSO\\Carol", "dave", "", "   ",
        "-", "WS01$", "ß@x.org", "\"quoted\"", "eve@x@y", "DOMAIN\\", "@x.org", "Zoë",
    ])
)
ADDRESSES = mostly(
    st.sampled_from([
        "203.0.113.7", "::ffff:10.0.0.1", "-", "", "127.0.0.1", "::1", "10.0.0.1:5555",
        "[2001:db8::5]:443", "2001:DB8::5", "fe80::1%eth0", "host-name", " 198.51.100.2 ",
        "0.0.0.0", "unknown", "WS07",
    ])
)
# Graph writes an Int32; Log Analytics a string; 0 is "no AS". 8075.0 and True equal 8075 and
# 1 as dictionary keys: the fast path must not read them as those.
AS_NUMBERS = mostly(
    st.sampled_from([8075, 14061, 1, 0, 2**32 - 1]),
    st.sampled_from(["8075", "AS8075", " as14061 ", "", "0", "x", 8075.0, True, -1, 2**32])
    | ODD_VALUES,
)
SHORT_TEXT = mostly(st.sampled_from(["Browser", "Office 365", " ", "", "python-requests", "-"]))


def entries(
    fields: dict[str, st.SearchStrategy[Any]], others: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """A record with most of `fields` (in random order) and sometimes some of `others`."""
    return st.builds(
        lambda base, dropped, extra, order: dict(
            sorted(
                {**{k: v for k, v in base.items() if k not in dropped}, **extra}.items(),
                key=lambda item: hash((item[0], order)),
            )
        ),
        st.fixed_dictionaries(fields),
        st.sets(st.sampled_from(sorted(fields)), max_size=2),
        mostly(st.just({}), st.fixed_dictionaries({}, optional=others)),
        st.integers(0, 3),
    )


ENTRA_OBJECTS = entries(
    {
        "createdDateTime": TIMES,
        "userPrincipalName": NAMES,
        "ipAddress": ADDRESSES,
        "autonomousSystemNumber": AS_NUMBERS,
        "appDisplayName": SHORT_TEXT,
        "resourceDisplayName": SHORT_TEXT,
        "clientAppUsed": SHORT_TEXT,
        "userAgent": SHORT_TEXT,
        "authenticationRequirement": mostly(
            st.sampled_from(["singleFactorAuthentication", "MultiFactor", "other"])
        ),
        "isInteractive": mostly(st.booleans()),
        "status": mostly(
            entries(
                {
                    "errorCode": mostly(
                        st.sampled_from([0, 50126, 50074, 50034, 53003, 2**64 - 1, -1, 7]),
                        st.sampled_from(["50126", " 0 ", "x"]) | ODD_VALUES,
                    )
                },
                {},
            )
        ),
    },
    {
        "properties": st.one_of(st.just({"userPrincipalName": "p@x.org"}), ODD_VALUES),
        "UserPrincipalName": NAMES,
        "TimeGenerated": TIMES,
        "time": TIMES,
        "ResultType": st.one_of(st.just("50126"), ODD_VALUES),
        "IPAddress": ADDRESSES,
        "AutonomousSystemNumber": AS_NUMBERS,
        "AppDisplayName": SHORT_TEXT,
        "category": st.sampled_from(["NonInteractiveUserSignInLogs", "SignInLogs"]),
        "Type": SHORT_TEXT,
    },
)
STATUSES = mostly(
    st.sampled_from([
        "0x0", "0xc000006d", "0xC000006A", "0xc0000064", "3221225578", "-1073741718", "0x18",
        "0x6", "0x12", "0x17", "", "-", "junk", "0xc000006e", "0xc0000071",
    ])
)
WINDOWS_OBJECTS = entries(
    {
        "EventID": mostly(
            st.sampled_from([4624, 4625, 4648, 4740, 4768, 4771, 4776, 4634]),
            st.sampled_from(["4625", " 4776 "]) | ODD_VALUES,
        ),
        "TimeCreated": TIMES,
        "@timestamp": TIMES,
        "Computer": mostly(st.sampled_from(["DC01.x.local", "", "-", "localhost"])),
        "Hostname": st.sampled_from(["RDS01", ""]),
        "TargetUserName": NAMES,
        "TargetDomainName": mostly(st.sampled_from(["CONTOSO", "-", "", "ws07"])),
        "IpAddress": ADDRESSES,
        "WorkstationName": mostly(st.sampled_from(["WS07", "-", ""])),
        "ProcessName": mostly(st.sampled_from(["C:\\Windows\\System32\\svchost.exe", "-"])),
        "Workstation": mostly(st.sampled_from(["NFH-PC1001", "\\\\WS9", ""])),
        "LogonType": mostly(st.sampled_from(["3", "2", "10"])),
        "Status": STATUSES,
        "SubStatus": STATUSES,
        "TargetServerName": mostly(st.sampled_from(["localhost", "srv1", "-"])),
        "SubjectUserName": mostly(st.sampled_from(["admin", "-"])),
    },
    {
        "Event": st.one_of(st.just({"System": {"EventID": 4625}, "EventData": {}}), ODD_VALUES),
        "winlog": st.one_of(st.just({"event_id": 4625, "event_data": {}}), ODD_VALUES),
        "event_data": st.one_of(st.just({"TargetUserName": "x"}), ODD_VALUES),
        "event_id": st.one_of(st.just(4625), ODD_VALUES),
    },
)
ODD_LINES = st.sampled_from([
    b"", b"   ", b"\t", b"{broken", b"null", b"[]", b"5", b'"text"', b"{}", b"\xef\xbb\xbf{}",
    b'{"a": "\xff"}', b"\x1c", b"\xc2\x85", b'{"a": 1} {"b": 2}', b'{"a": 1e400}',
    b'{"a": "\\ud800"}', b'{"a": 1}\x00', b'{"a": 99999999999999999999999}',
]) | st.builds(lambda: b'{"deep": ' + b"[" * 1100 + b"]" * 1100 + b"}")  # fmt: skip


def dump(value: dict[str, Any], ascii_only: bool = False) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":")).encode()


def jsonl(objects: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[bytes]:
    odd = st.one_of(
        objects.map(lambda o: dump(o, ascii_only=True)),  # \u escapes
        objects.map(lambda o: b"  " + dump(o) + b" "),
        ODD_LINES,
    )
    line = mostly(objects.map(dump), odd)
    ending = mostly(st.just(b"\n"), st.sampled_from([b"\r\n", b"\r"]))
    return st.lists(st.tuples(line, ending), min_size=1, max_size=25).map(
        lambda items: b"".join(text + end for text, end in items)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=jsonl(ENTRA_OBJECTS), chunk=st.integers(1, 3000), bom=st.booleans())
def test_entra_fast_path_reads_exactly_what_the_record_path_reads(
    data: bytes, chunk: int, bom: bool
) -> None:
    graph = orjson.dumps({"createdDateTime": "2024-01-01T00:00:00Z", "userPrincipalName": "a"})
    data = (b"\xef\xbb\xbf" if bom else b"") + graph + b"\n" + graph + b"\n" + data
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "CHUNK_BYTES", chunk)
        both_paths("entra", data)


def test_as_numbers_equal_as_keys_but_not_as_fields_are_read_apart() -> None:
    line = {"createdDateTime": "2024-01-01T00:00:00Z", "userPrincipalName": "a@x.org",
            "ipAddress": "203.0.113.7", "status": {"errorCode": 50126}}  # fmt: skip
    values = [1, True, 8075, 8075.0, "8075", None, 1.0, "AS1"]
    data = b"".join(dump({**line, "autonomousSystemNumber": v}) + b"\n" for v in values)
    both_paths("entra", data)
    source = InputFile("x.jsonl", lambda: io.BytesIO(data))
    table = pa.Table.from_batches(entra.read(source, InputStats("x"), SigninSettings()))
    assert table.column("asn").to_pylist() == ["1", None, "8075", None, "8075", None, None, "1"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=jsonl(WINDOWS_OBJECTS), chunk=st.integers(1, 3000), bom=st.booleans())
def test_windows_fast_path_reads_exactly_what_the_record_path_reads(
    data: bytes, chunk: int, bom: bool
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "CHUNK_BYTES", chunk)
        both_paths("windows_json", (b"\xef\xbb\xbf" if bom else b"") + data)


ANY_DIGITS = st.from_regex(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z\Z")


@settings(max_examples=500)
@given(st.lists(st.text(max_size=40) | STRICT_TIMES | ODD_TIMES | ANY_DIGITS, max_size=8))
def test_strict_iso_times_agree_with_fromisoformat(texts: list[str]) -> None:
    micros, ok = iso_micros(pa.array(texts, pa.string()))
    for text, micro, taken in zip(texts, micros.tolist(), ok.tolist(), strict=True):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            assert not taken, text
            continue
        if taken:
            assert micro == (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _MICROSECOND
        else:  # only other shapes are left to the record path
            assert not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", text, re.A)


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1) - datetime(1970, 1, 1)


# --- real and simulated logs -----------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    simulate(folder, users=150, days=3, events=30_000, seed=7, workers=1)
    return folder


@pytest.mark.parametrize(
    ("reader", "name"),
    [("entra", "entra-signins.jsonl"), ("windows_json", "windows-security.jsonl")],
)
def test_simulated_logs_read_the_same_both_ways(simulated: Path, reader: str, name: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "CHUNK_BYTES", 100_000)  # many chunks
        both_paths(reader, (simulated / name).read_bytes())


def test_real_windows_json_reads_the_same_both_ways(corpus: Path) -> None:
    for archive in sorted((corpus / "signins" / "windows-json").glob("*.zip")):
        with zipfile.ZipFile(archive) as opened:
            for member in opened.namelist():
                if member.endswith(".json") and not member.startswith("__MACOSX"):
                    both_paths("windows_json", opened.read(member), name=member)


def test_a_large_scan_split_over_workers_reads_what_one_process_reads(
    simulated: Path, tmp_path: Path
) -> None:
    # Broken lines in several pieces: their line numbers must come out as in one process.
    log = tmp_path / "entra.jsonl"
    text = (simulated / "entra-signins.jsonl").read_bytes().splitlines(keepends=True)
    for position in (5, 2_000, 7_777):
        text.insert(position, b"{broken line\r\n")
    log.write_bytes(b"".join(text))
    logs = [log, simulated / "windows-security.jsonl", simulated / "sshd-auth.log"]
    alone, alone_inputs = read_with(logs, pool=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "PIECE_BYTES", 1_000_000)
        split, split_inputs = read_with(logs, pool=True)
    assert [i.to_dict() for i in split_inputs] == [i.to_dict() for i in alone_inputs]
    assert alone_inputs[0].skips.counts == {"invalid_json": 3}
    assert split.equals(alone)
    assert split.height == sum(i.signins for i in alone_inputs) > 25_000


def read_with(logs: list[Path], pool: bool) -> tuple[pl.DataFrame, list[InputStats]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "POOL_FROM_BYTES", 0 if pool else 2**62)
        if pool:
            patch.setattr(reading, "_cores", lambda: 2)
        return reading.read_all(logs, SigninSettings())


# --- lines msgspec decodes straight into a struct (columns.strict_struct) ----------------------
# msgspec skips an unknown name's value without checking its UTF-8 or whether a number
# overflows, and its ints and floats are not orjson's: the lines it takes must be those orjson
# takes, read alike, and every other line must go the way it went before.

RAW_VALUES = [
    b"1e400", b"-1e400", b"0.1e999999999999999999", b"1.5", b"1e-400", b"NaN", b"Infinity",
    b"9223372036854775807", b"9223372036854775808", b"18446744073709551616",
    b"-9223372036854775809", b"99999999999999999999999", b"-0", b"true", b"false", b"null",
    b"[]", b'["x"]', b"{}", b'{"a":1}', b"[" * 1100 + b"]" * 1100,
    b'{"a":' * 600 + b"1" + b"}" * 600, b'"\\ud800"', b'"\\udc00\\ud800"', b'"\\ud83d\\ude00"',
    b'"\xf0\x9f\x98\x80"', b'"\xff"', b'"\xed\xa0\x80"', b'"\xc0\xaf"', b'"\xf4\x90\x80\x80"',
    b'"a\x01b"', b'"\\u0000"', b'"a\x7fb"', b'"x"', b'""', b"7", b"4625", b"50126",
]  # fmt: skip


def with_value(base: dict[str, Any], path: tuple[str, ...], value: bytes, twice: int) -> bytes:
    """`base` as a JSON line with `value` (raw JSON) under `path`, which may be nested; `twice`
    1 repeats the name with the base's value after it, 2 before it (0: once)."""
    if len(path) > 1:
        inner = base.get(path[0], {})
        nested = with_value(inner if isinstance(inner, dict) else {}, path[1:], value, twice)
        return with_value({k: v for k, v in base.items() if k != path[0]}, path[:1], nested, 0)
    name = orjson.dumps(path[0])
    rest = orjson.dumps({k: v for k, v in base.items() if k != path[0]})[1:-1]
    mine = name + b":" + value
    if twice and path[0] in base:
        theirs = name + b":" + orjson.dumps(base[path[0]])
        mine = mine + b"," + theirs if twice == 1 else theirs + b"," + mine
    return b"{" + mine + (b"," + rest if rest else b"") + b"}"


WINDOWS_LINE = {
    "EventID": 4625, "TimeCreated": "2024-01-01T00:00:00.000Z", "@timestamp": "x",
    "Computer": "DC01", "TargetUserName": "bob", "TargetDomainName": "CONTOSO",
    "IpAddress": "203.0.113.7", "Status": "0xc000006d", "SubStatus": "0xc000006a",
    "LogonType": "3", "EventRecordID": 7, "Channel": "Security",
}  # fmt: skip
ENTRA_LINE = {
    "createdDateTime": "2024-01-01T00:00:00Z", "userPrincipalName": "a@x.org",
    "ipAddress": "203.0.113.7", "autonomousSystemNumber": 8075, "isInteractive": True,
    "appDisplayName": "Office 365", "userId": "u1", "status": {"errorCode": 50126},
    "deviceDetail": {"browser": "Edge"}, "riskEventTypes_v2": ["x"],
    "appliedConditionalAccessPolicies": [{"id": "p", "enforcedGrantControls": ["Mfa"]}],
}  # fmt: skip
PATHS = {
    "windows_json": [
        ("EventID",), ("TargetUserName",), ("Computer",), ("TimeCreated",), ("EventRecordID",),
        ("Channel",), ("Mystery",), ("Event",), ("event_data",), ("@timestamp",),
    ],
    "entra": [
        ("userPrincipalName",), ("autonomousSystemNumber",), ("isInteractive",),
        ("createdDateTime",), ("userId",), ("mystery",), ("properties",), ("status", "errorCode"),
        ("status", "additionalDetails"), ("status", "mystery"), ("deviceDetail", "browser"),
        ("deviceDetail", "mystery"), ("riskEventTypes_v2",), ("appliedConditionalAccessPolicies",),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("reader", "base"), [("windows_json", WINDOWS_LINE), ("entra", ENTRA_LINE)]
)
def test_odd_values_read_the_same_both_ways_in_lines_msgspec_would_take(
    reader: str, base: dict[str, Any]
) -> None:
    decode = windows_json._DECODE_FLAT if reader == "windows_json" else entra._DECODE_GRAPH
    decode(orjson.dumps(base))  # the plain line is one msgspec takes
    lines_ = [orjson.dumps(base)]
    for path in PATHS[reader]:
        for value in RAW_VALUES:
            lines_.extend(with_value(base, path, value, twice) for twice in (0, 1, 2))
    both_paths(reader, b"\n".join(lines_) + b"\n")
    policy = b'{"id":"p","displayName":"CA","result":"success","enforcedGrantControls":[]}'
    for value in RAW_VALUES if reader == "entra" else []:  # inside a list of objects
        line = with_value(base, ("appliedConditionalAccessPolicies",), b"[" + policy + b"]", 0)
        odd = line.replace(b'"result":"success"', b'"result":' + value)
        both_paths(reader, line + b"\n" + odd + b"\n")


UNREAD_NAMES = {
    "windows_json": ["EventRecordID", "Channel", "ProviderGuid", "Keywords", "IpPort", "tags"],
    "entra": ["userId", "correlationId", "deviceDetail", "location", "riskEventTypes_v2",
              "appliedConditionalAccessPolicies", "conditionalAccessStatus", "id"],
}  # fmt: skip
UNREAD_VALUES = ODD_VALUES | st.lists(st.text(max_size=3) | ODD_VALUES, max_size=2)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), chunk=st.integers(1, 3000))
@pytest.mark.parametrize(
    ("reader", "objects"), [("windows_json", WINDOWS_OBJECTS), ("entra", ENTRA_OBJECTS)]
)
def test_names_the_fast_path_does_not_read_change_nothing(
    reader: str, objects: st.SearchStrategy[dict[str, Any]], data: st.DataObject, chunk: int
) -> None:
    unread = st.dictionaries(st.sampled_from(UNREAD_NAMES[reader]), UNREAD_VALUES, max_size=3)
    line = st.builds(lambda o, extra: {**o, **extra}, objects, unread)
    log = data.draw(jsonl(line))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "CHUNK_BYTES", chunk)
        both_paths(reader, log)
