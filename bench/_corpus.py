"""Where the benchmarks find the shared third-party corpus: ../shared/corpus beside the repo."""

from pathlib import Path

CORPUS = (Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus").resolve()
