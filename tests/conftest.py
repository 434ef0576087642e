"""Shared fixtures: where the real third-party corpus lives (../shared/corpus beside the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The corpus folder; tests that need it skip, saying why, on a machine without it."""
    if not CORPUS.is_dir():
        pytest.skip(f"no test corpus at {CORPUS} (it lives in ../shared/corpus beside the repo)")
    return CORPUS
