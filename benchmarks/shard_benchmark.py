"""Shard benchmark: prints figures, asserts nothing.

    python benchmarks/shard_benchmark.py [--shards N ...] [--repeat R]

1. Balance: for each N, the slowest shard over the mean, by the partition's weights (what `--shard`
   balances: recorded interactions for a replay) and by measured wall time of each shard run alone.
2. Parallel speed-up on this machine: wall time of the unsharded replay (`conformance run`) over the wall
   time of its 2 shards run at once (`--shard 1/2` and `--shard 2/2` in parallel), as a ratio (>1: faster),
   best of --repeat. Every run is the real CLI in its own process, writing its reports to a temporary
   directory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.providers import select_providers
from conformance.run import shards
from conformance.spec.resources import cassettes_dir
from conformance.targets import TargetOptions


def _run(args: list[str], report_dir: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "conformance", "run", "--quiet", "--report-dir", str(report_dir), *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())


def _timed(batches: list[list[str]], scratch: Path) -> float:
    """Wall time of the given runs started together."""
    start = time.perf_counter()
    running = [_run(args, scratch / f"r{i}") for i, args in enumerate(batches)]
    codes = [p.wait() for p in running]
    elapsed = time.perf_counter() - start
    if any(code not in (0, 1) for code in codes):
        raise SystemExit(f"a run failed: exit codes {codes}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, nargs="*", default=[2, 3, 4, 5])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    providers = select_providers(())
    options = TargetOptions(cassette_dir=cassettes_dir())
    units = shards.plan_units(providers, options, max_examples=10, audit=True, workflows=True)
    print(f"cores: {os.cpu_count()}; units: {len(units)}; total weight: {sum(u.weight for u in units)}")
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        for total in args.shards:
            dealt = shards.partition(units, total)
            times = [_timed([["--shard", f"{k}/{total}"]], scratch) for k in range(1, total + 1)]
            mean = sum(times) / len(times)
            print(
                f"N={total}: balance by weight {shards.balance(dealt):.2f} (slowest/mean); "
                f"by wall time alone {max(times) / mean:.2f} (shards {', '.join(f'{t:.1f}s' for t in times)})"
            )
        one = min(_timed([[]], scratch) for _ in range(args.repeat))
        two = min(_timed([["--shard", "1/2"], ["--shard", "2/2"]], scratch) for _ in range(args.repeat))
        print(f"1 shard: {one:.1f}s; 2 shards in parallel: {two:.1f}s; speed-up 1 vs 2: {one / two:.2f}x")


if __name__ == "__main__":
    main()
