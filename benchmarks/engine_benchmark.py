"""Engine benchmark: prints figures, asserts nothing.

    python benchmarks/engine_benchmark.py [--max-examples N] [--provider NAME ...]

1. Replay: wall time and interactions/s for the whole shipped cassette set (network blocked by VCR).
2. Live against a double: requests/s of `conformance run` next to plain `st run` on the same spec,
   the same double (fresh, same demo data), the same checks and the same example budget. The ratio
   is the figure that matters: the suite's overhead over schemathesis itself.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from conformance.engine.settings import DISABLED_CHECKS
from conformance.providers import select_providers
from conformance.providers.base import Provider
from conformance.spec.resources import cassettes_dir
from conformance.targets.double_server import RunningDouble, running_double

ROOT = Path(__file__).resolve().parent.parent


def _conformance(*args: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        env={**os.environ, **(env or {})},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def replay_figures(providers: list[Provider]) -> None:
    interactions = 0
    for provider in providers:
        path = cassettes_dir() / provider.name / "engine" / "cassette.yaml"
        interactions += len(yaml.safe_load(path.read_text())["interactions"])
    with tempfile.TemporaryDirectory() as reports:
        names = [a for p in providers for a in ("--provider", p.name)]
        elapsed = _conformance("run", *names, "--no-audit", "--no-workflows", "--report-dir", reports)
    print(
        f"replay: {interactions} recorded interactions, {elapsed:.2f} s wall, {interactions / elapsed:.0f} interactions/s"
    )


def _st_auth_args(provider: Provider, double: RunningDouble) -> list[str]:
    headers = provider.auth(double.credentials, double.base_url).headers()
    return [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]


def live_figures(provider: Provider, max_examples: int) -> None:
    with running_double(provider.name, seed=1, demo_data=True) as double, tempfile.TemporaryDirectory() as reports:
        ours = _conformance(
            "run", "--provider", provider.name, "--base-url", f"{provider.name}={double.base_url}",
            "--max-examples", str(max_examples), "--no-audit", "--no-workflows", "--report-dir", reports,
            env=dict(double.credentials),
        )  # fmt: skip
        ours_requests = double.double.requests_seen
    with running_double(provider.name, seed=1, demo_data=True) as double:
        command = [
            str(Path(sys.executable).with_name("st")), "run", str(provider.spec_path), "--url", double.base_url,
            "--max-examples", str(max_examples), "--seed", "0", "--generation-deterministic", "--checks", "all",
            "--exclude-checks", ",".join(DISABLED_CHECKS), "--mode", "all", *_st_auth_args(provider, double),
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(
            command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir()
        )
        theirs = time.perf_counter() - started
        theirs_requests = double.double.requests_seen
    ours_rate, theirs_rate = ours_requests / ours, theirs_requests / theirs
    print(
        f"live {provider.name}: conformance run {ours_requests} requests in {ours:.2f} s ({ours_rate:.0f}/s); "
        f"st run {theirs_requests} requests in {theirs:.2f} s ({theirs_rate:.0f}/s); "
        f"ratio {ours_rate / theirs_rate:.2f}"
    )
    print(f"  st command: {shlex.join(command[:8])} ...")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--provider", action="append", default=[])
    args = parser.parse_args()
    providers = select_providers(args.provider)
    replay_figures(providers)
    for provider in providers:
        live_figures(provider, args.max_examples)


if __name__ == "__main__":
    main()
