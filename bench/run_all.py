"""Run every benchmark script in bench/ in turn and print its figures (`make bench`).

Each script is also runnable alone; see its docstring for options. Takes several minutes:
run it on an otherwise idle machine, the figures in the README were measured that way.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"run_all.py", "reference_detectors.py"}  # helpers, not benchmarks


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in SKIP or script.name.startswith("_"):
            continue
        print(f"\n## {script.name}\n$ python bench/{script.name}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(script)], check=False)
        print(f"({time.perf_counter() - started:.0f} s, exit {done.returncode})", flush=True)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
