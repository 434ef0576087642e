"""Pwned Passwords: the downloader's layouts read in place, and the compact store."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phalanx.core.errors import InputError
from phalanx.passwords.denylist import DenyList, load_wordlist
from phalanx.passwords.nthash import nt_hash
from phalanx.passwords.pwned import (
    COUNT_MAX,
    PwnedFile,
    PwnedStore,
    build_store,
    open_pwned_source,
    parse_lines,
)

SEEN = {"Winter2024!": 812, "P@ssw0rd": 70_000_000, "hunter2": 1}
FILLER = [f"filler-{i}" for i in range(300)]


def _hex(password: str, kind: str) -> str:
    if kind == "sha1":
        return hashlib.sha1(password.encode()).hexdigest().upper()
    return nt_hash(password).hex().upper()


def _lines(kind: str) -> list[tuple[str, int]]:
    rows = [(_hex(p, kind), c) for p, c in SEEN.items()]
    rows += [(_hex(p, kind), i + 2) for i, p in enumerate(FILLER)]
    return sorted(rows)


def _single_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"pwned-{kind}.txt"
    path.write_text("".join(f"{h}:{c}\r\n" for h, c in _lines(kind)))
    return path


def _prefix_dir(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / f"split-{kind}"
    folder.mkdir()
    by_prefix: dict[str, list[str]] = {}
    for hex_hash, count in _lines(kind):
        by_prefix.setdefault(hex_hash[:5], []).append(f"{hex_hash[5:]}:{count}")
    for prefix, rows in by_prefix.items():
        (folder / f"{prefix}.txt").write_text("\r\n".join(rows))
    return folder


@pytest.mark.parametrize("kind", ["ntlm", "sha1"])
@pytest.mark.parametrize("layout", [_single_file, _prefix_dir])
def test_files_and_store_agree(tmp_path: Path, kind: str, layout: object) -> None:
    source = layout(tmp_path, kind)  # type: ignore[operator]
    store_path = tmp_path / "store.phx"
    assert build_store([source], store_path) == (kind, len(SEEN) + len(FILLER))
    store = open_pwned_source(store_path)
    assert isinstance(store, PwnedStore)
    assert (store_path.stat().st_size - 32) / len(store) == 14
    plain = PwnedFile(source)
    for password, count in SEEN.items():
        assert store.count(password) == min(count, COUNT_MAX)
        assert plain.count(password) == count
    assert store.count("correct-horse-battery-staple") == 0
    assert plain.count("correct-horse-battery-staple") == 0


def test_unsorted_input_is_sorted(tmp_path: Path) -> None:
    path = tmp_path / "unsorted.txt"
    path.write_text("".join(f"{h}:{c}\n" for h, c in reversed(_lines("ntlm"))))
    build_store([path], tmp_path / "s.phx")
    assert PwnedStore(tmp_path / "s.phx").count("hunter2") == 1


@pytest.mark.parametrize(("text", "line", "words"), [
    (f"{'A' * 32}:5\n{'A' * 31}G:5\n", 2, "not hexadecimal"),
    (f"{'A' * 32}:5\n{'A' * 32}5\n", 2, "HASH:COUNT"),
    (f"{'A' * 32}:5\n{'A' * 32}:x\n", 2, "count not a number"),
])
def test_malformed_lines_are_named(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=words) as caught:
        build_store([path], tmp_path / "s.phx")
    assert caught.value.record == line


def test_hash_list_given_as_word_list_is_refused(tmp_path: Path) -> None:
    path = _single_file(tmp_path, "ntlm")
    with pytest.raises(InputError, match="Pwned Passwords hash list"):
        load_wordlist(DenyList(), path)


@given(st.lists(st.tuples(st.binary(min_size=16, max_size=16), st.integers(0, 10**11),
                          st.booleans()), min_size=1, max_size=50))
def test_parser_round_trip(rows: list[tuple[bytes, int, bool]]) -> None:
    text = "".join(f"{(h.hex() if lower else h.hex().upper())}:{c}\r\n" for h, c, lower in rows)
    parsed = parse_lines(text.encode(), "ntlm")
    assert [int(v) for v in parsed.hi] == [int.from_bytes(h[:8], "big") for h, _, _ in rows]
    assert [int(v) for v in parsed.lo] == [int.from_bytes(h[8:12], "big") for h, _, _ in rows]
    assert [int(v) for v in parsed.counts] == [min(c, COUNT_MAX) for _, c, _ in rows]


@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_parser(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_lines(data, "sha1")


def test_account_dump_given_as_word_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ntds.txt"
    path.write_text(f"CORP\\amy:1104:aad3b435b51404eeaad3b435b51404ee:{nt_hash('x').hex()}:::\n")
    with pytest.raises(InputError, match="account hash dump"):
        load_wordlist(DenyList(), path)
