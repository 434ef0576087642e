"""NT hashes (MD4 of the UTF-16LE password), one at a time or millions at once.

OpenSSL 3 moved MD4 to its legacy provider, so hashlib here has no MD4. The audit needs tens
of millions of hashes, so MD4 is written once, vectorised with NumPy across candidates: every
password of at most 27 UTF-16 units fits MD4's single 64-byte block (99.9 % of real lists),
which is the only case this module hashes. Checked against RFC 1320's test vectors.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
MAX_UNITS = 27  # UTF-16 code units that fit one MD4 block with its padding and length
EMPTY_NT = bytes.fromhex("31d6cfe0d16ae931b73c59d7e0c089c0")

_R2 = (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)
_R3 = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
_S1, _S2, _S3 = (3, 7, 11, 19), (3, 5, 9, 13), (3, 9, 11, 15)
_INITIAL = np.array([[0x67452301], [0xEFCDAB89], [0x98BADCFE], [0x10325476]], dtype=np.uint32)


def md4_blocks(words: U32, state: U32 | None = None) -> U32:
    """MD4 compression of padded blocks: (16, N) little-endian words -> (4, N) state.

    `state` is the chaining value of a previous block (multi-block messages); by default
    MD4's fixed initial value. Written with in-place operations: the audit calls this for
    tens of millions of candidates, and fresh arrays per step would double the time.
    """
    if state is None:
        state = np.repeat(_INITIAL, words.shape[1], axis=1)
    regs = [state[i].copy() for i in range(4)]  # a, b, c, d
    f, t = np.empty_like(regs[0]), np.empty_like(regs[0])
    rounds = ((range(16), _S1, 0, _f), (_R2, _S2, 0x5A827999, _g), (_R3, _S3, 0x6ED9EBA1, _h))
    for order, shifts, constant, mix in rounds:
        for i, k in enumerate(order):
            a, b, c, d = regs[(-i) % 4], regs[(1 - i) % 4], regs[(2 - i) % 4], regs[(3 - i) % 4]
            mix(b, c, d, f, t)
            a += f
            a += words[k]
            if constant:
                a += np.uint32(constant)
            s = shifts[i % 4]
            np.left_shift(a, np.uint32(s), out=t)
            a >>= np.uint32(32 - s)
            a |= t
    return np.stack([regs[i] + state[i] for i in range(4)])


def _f(b: U32, c: U32, d: U32, out: U32, tmp: U32) -> None:
    """(b & c) | (~b & d), as d ^ (b & (c ^ d))."""
    np.bitwise_xor(c, d, out=out)
    out &= b
    out ^= d


def _g(b: U32, c: U32, d: U32, out: U32, tmp: U32) -> None:
    """Majority (b & c) | (b & d) | (c & d), as (b & c) | (d & (b | c))."""
    np.bitwise_or(b, c, out=tmp)
    tmp &= d
    np.bitwise_and(b, c, out=out)
    out |= tmp


def _h(b: U32, c: U32, d: U32, out: U32, tmp: U32) -> None:
    np.bitwise_xor(b, c, out=out)
    out ^= d


def blocks_from_units(units: U32, lengths: npt.NDArray[np.int64]) -> U32:
    """(N, 28) UTF-16 code units (zero after the end) and lengths -> (16, N) MD4 words.

    The 0x0080 unit after the end is MD4's 0x80 pad byte followed by a zero byte.
    """
    n = units.shape[0]
    padded = units.copy()
    padded[np.arange(n), lengths] = 0x80
    words = np.zeros((16, n), dtype=np.uint32)
    words[:14] = (padded[:, 0:28:2] | (padded[:, 1:28:2] << np.uint32(16))).T
    words[14] = (lengths * 16).astype(np.uint32)
    return words


def encode_units(passwords: list[str]) -> tuple[U32, npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Passwords as (N, 28) code units, their lengths, and which fit one block."""
    units = np.zeros((len(passwords), MAX_UNITS + 1), dtype=np.uint32)
    lengths = np.zeros(len(passwords), dtype=np.int64)
    fits = np.zeros(len(passwords), dtype=np.bool_)
    for row, password in enumerate(passwords):
        code = np.frombuffer(password.encode("utf-16-le"), dtype="<u2")
        if len(code) <= MAX_UNITS:
            units[row, : len(code)] = code
            lengths[row] = len(code)
            fits[row] = True
    return units, lengths, fits


def digests(state: U32) -> list[bytes]:
    """(4, N) MD4 state -> N 16-byte hashes."""
    flat = np.ascontiguousarray(state.T).astype("<u4").view(np.uint8).reshape(-1, 16)
    return [bytes(row) for row in flat]


def nt_hashes(passwords: list[str]) -> list[bytes]:
    """NT hashes of many passwords; longer than 27 units goes through the scalar MD4."""
    units, lengths, fits = encode_units(passwords)
    out = digests(md4_blocks(blocks_from_units(units, lengths)))
    for row in np.flatnonzero(~fits):
        out[row] = md4(passwords[row].encode("utf-16-le"))
    return out


def nt_hash(password: str) -> bytes:
    return nt_hashes([password])[0]


def md4(message: bytes) -> bytes:
    """MD4 of any length (multi-block), for the rare password longer than 27 units."""
    length = len(message)
    message += b"\x80" + b"\x00" * ((55 - length) % 64) + (length * 8).to_bytes(8, "little")
    state = _INITIAL.copy()
    for offset in range(0, len(message), 64):
        words = np.frombuffer(message[offset:offset + 64], dtype="<u4").astype(np.uint32)
        state = md4_blocks(words.reshape(16, 1), state)
    return digests(state)[0]
