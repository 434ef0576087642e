"""The NumPy MD4 against RFC 1320's test vectors and known NT hashes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phalanx.passwords.nthash import EMPTY_NT, md4, nt_hash, nt_hashes

RFC1320 = {
    b"": "31d6cfe0d16ae931b73c59d7e0c089c0",
    b"a": "bde52cb31de33e46245e05fbdbd6fb24",
    b"abc": "a448017aaf21d8525fc10ae87aa6729d",
    b"message digest": "d9130a8164549fe818874806e1c7014b",
    b"abcdefghijklmnopqrstuvwxyz": "d79e1c308aa5bbcdeea8ed63df412da9",
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789":
        "043f8582f241db351ce627e153e7f0e4",
    b"1234567890" * 8: "e33b4ddc9c38f2199c3e7b164fcc0536",
}


@pytest.mark.parametrize(("message", "digest"), RFC1320.items())
def test_md4_matches_rfc1320(message: bytes, digest: str) -> None:
    assert md4(message).hex() == digest


def test_known_nt_hashes() -> None:
    assert nt_hash("") == EMPTY_NT
    assert nt_hash("password").hex() == "8846f7eaee8fb117ad06bdd830b7586c"
    assert nt_hash("Password1").hex() == "64f12cddaa88057e06a81b54e73b949b"


@given(st.lists(st.text(max_size=40), max_size=20))
def test_vectorised_equals_one_at_a_time(passwords: list[str]) -> None:
    batch = nt_hashes(passwords)
    assert batch == [md4(p.encode("utf-16-le", "surrogatepass")) for p in passwords]
