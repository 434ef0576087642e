"""Reading a scan's inputs on both cores gives what one process reads, for rotated .gz logs too."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest

from phalanx.config.signins import SigninSettings
from phalanx.signins import reading
from phalanx.signins.readers import InputStats
from phalanx.signins.simulate.run import simulate


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The simulator's logs as logrotate leaves them: compressed, with a broken line."""
    folder = tmp_path_factory.mktemp("rotated")
    simulate(folder, users=120, days=2, events=20_000, seed=11, workers=1)
    logs = []
    for name in ("sshd-auth.log", "entra-signins.jsonl", "windows-security.jsonl"):
        text = (folder / name).read_bytes()
        if name.endswith(".jsonl"):
            text = text.replace(b"\n", b"\n{broken line\n", 1)
        target = folder / f"{name}.1.gz"
        target.write_bytes(gzip.compress(text))
        logs.append(target)
    return logs


def read_with(logs: list[Path], pool: bool) -> tuple[pl.DataFrame, list[InputStats]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "POOL_FROM_BYTES", 0 if pool else 2**62)
        patch.setattr(reading, "_cores", lambda: 2)
        return reading.read_all(logs, SigninSettings())


def test_gz_logs_are_read_by_workers_as_one_process_reads_them(rotated: list[Path]) -> None:
    alone, alone_inputs = read_with(rotated, pool=False)
    pooled, pooled_inputs = read_with(rotated, pool=True)
    assert [i.to_dict() for i in pooled_inputs] == [i.to_dict() for i in alone_inputs]
    assert pooled.equals(alone)
    assert [i.skips.counts.get("invalid_json", 0) for i in alone_inputs] == [0, 1, 1]
    assert pooled.height == sum(i.signins for i in alone_inputs) > 15_000
    assert set(pooled["origin"].cast(pl.String).unique()) == {str(p) for p in rotated}


def test_a_gz_log_is_a_whole_job_never_cut_into_pieces(rotated: list[Path]) -> None:
    items = [reading._recognise(source) for source in reading.open_inputs(rotated, [])]
    assert all(item.compressed and item.path for item in items)
    assert [reading._pieces(item) for item in items] == [[], [], []]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "POOL_FROM_BYTES", 8 * min(p.stat().st_size for p in rotated))
        assert all(reading._pooled(item) for item in items)  # by their packed size x 8
