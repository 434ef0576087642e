"""Reverse audit: hash every (base word x rule) candidate and match it to the accounts' hashes.

Candidates are hashed in NumPy batches (one rule over all base words at a time) and matched on
the first 64 bits of the NT hash with a sorted array; the few matches are confirmed on the full
hash. Rules are shared out over worker processes (one per CPU by default).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from phalanx.passwords.candidates import (
    Rule,
    WordUnits,
    encode_words,
    rule_blocks,
    transformed_words,
)
from phalanx.passwords.nthash import md4_blocks, nt_hash


@dataclass(frozen=True)
class Crack:
    nt: bytes
    word: str  # the base word, lower case
    rule: Rule

    @property
    def password(self) -> str:
        return self.rule.apply(self.word)


def _keys(hashes: Sequence[bytes]) -> npt.NDArray[np.uint64]:
    raw = b"".join(h[:8] for h in hashes)
    return np.sort(np.frombuffer(raw, dtype="<u8").astype(np.uint64))


# Per-process state, set once by the pool initialiser (inherited cheaply by fork).
_STATE: dict[str, object] = {}


def _init(base: WordUnits, targets: npt.NDArray[np.uint64]) -> None:
    _STATE["base"], _STATE["targets"] = base, targets


def _run_rules(rules: Sequence[Rule]) -> list[tuple[int, int]]:
    base = _STATE["base"]
    targets = _STATE["targets"]
    assert isinstance(base, WordUnits) and isinstance(targets, np.ndarray)
    screen = _screen(targets)
    prepared: dict[tuple[str, str], npt.NDArray[np.uint32]] = {}
    hits: list[tuple[int, int]] = []
    with np.errstate(over="ignore"):
        for index, rule in enumerate(rules):
            key = (rule.case, rule.leet)
            if key not in prepared:
                prepared[key] = transformed_words(base, *key)
            blocks, fits = rule_blocks(prepared[key], base, rule.ending)
            state = md4_blocks(blocks)
            hits.extend((index, int(row)) for row in _matches(state, fits, targets, screen))
    return hits


_SCREEN_BITS = 26  # a 8 MiB bitmap: 100k accounts mark 0.15 % of it, so few candidates pass


def _screen(targets: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    screen = np.zeros(1 << _SCREEN_BITS, dtype=np.bool_)
    screen[(targets & np.uint64((1 << _SCREEN_BITS) - 1)).astype(np.int64)] = True
    return screen


def _matches(state: npt.NDArray[np.uint32], fits: npt.NDArray[np.bool_],
             targets: npt.NDArray[np.uint64],
             screen: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Rows whose hash's first 64 bits are among the targets' (a bitmap screens first)."""
    rows = np.flatnonzero(screen[state[0] & np.uint32((1 << _SCREEN_BITS) - 1)] & fits)
    if not len(rows):
        return rows
    keys = state[0, rows].astype(np.uint64) | (state[1, rows].astype(np.uint64) << np.uint64(32))
    at = np.minimum(np.searchsorted(targets, keys), len(targets) - 1)
    matched: npt.NDArray[np.int64] = rows[targets[at] == keys]
    return matched


def crack(hashes: Sequence[bytes], words: Sequence[str], rules: Sequence[Rule],
          workers: int = 0) -> dict[bytes, Crack]:
    """Which of `hashes` some rule applied to some word produces; first rule found wins."""
    wanted = set(hashes)
    if not wanted or not words or not rules:
        return {}
    base, targets = encode_words(words), _keys(sorted(wanted))
    workers = workers or os.cpu_count() or 1
    slices = [list(rules[i::workers]) for i in range(workers)]
    if workers == 1:
        _init(base, targets)
        results = [_run_rules(slices[0])]
    else:
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(base, targets)) as pool:
            results = list(pool.map(_run_rules, slices))
    found: dict[bytes, Crack] = {}
    for part, hits in zip(slices, results, strict=True):
        for rule_index, row in hits:
            rule = part[rule_index]
            candidate = rule.apply(base.words[row])
            digest = nt_hash(candidate)
            if digest in wanted and digest not in found:
                found[digest] = Crack(digest, base.words[row], rule)
    return found
