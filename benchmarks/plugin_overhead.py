"""Per-test cost of the pytest plugin's fixtures: prints figures, asserts nothing.

    python benchmarks/plugin_overhead.py [--tests N]

Four throwaway test files of N tests each, run by pytest in a subprocess (the plugin loaded as a user's
suite loads it). The cost of a test is its setup + call + teardown as pytest measures them; the figure
is the median over the tests after the first (which pays for imports and the first server start), so a
busy machine moves it little:

- plain:          an empty test (pytest's own per-test cost, the baseline)
- plain+request:  one request to a double started once for the module, never reset (the floor for a
                  test that talks to a server)
- wooshpay_double: one request through the fixture (state reset, faults cleared, a new session)
- new server:     one request to a double started and stopped for each test (what a reset avoids)
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = """
import pytest
import requests
from conformance.targets.double_server import running_double

@pytest.fixture(scope="module")
def shared():
    with running_double("wooshpay") as running:
        session = requests.Session()
        session.auth = running.provider.auth(running.credentials, running.base_url)
        yield running, session

@pytest.fixture
def fresh():
    with running_double("wooshpay") as running:
        session = requests.Session()
        session.auth = running.provider.auth(running.credentials, running.base_url)
        yield running, session
"""

BODIES = {
    "plain": "def test_{i}():\n    pass\n",
    "plain+request": (
        "def test_{i}(shared):\n    running, session = shared\n"
        "    assert session.get(running.base_url + '/v1/invoices').status_code == 200\n"
    ),
    "wooshpay_double": (
        "def test_{i}(wooshpay_double):\n"
        "    assert wooshpay_double.session.get(wooshpay_double.url('/v1/invoices')).status_code == 200\n"
    ),
    "new server": (
        "def test_{i}(fresh):\n    running, session = fresh\n"
        "    assert session.get(running.base_url + '/v1/invoices').status_code == 200\n"
    ),
}


CONFTEST = """
import json, os
from collections import defaultdict

_durations = defaultdict(float)

def pytest_runtest_logreport(report):
    _durations[report.nodeid] += report.duration

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(list(_durations.values()), out)
"""


def _run(directory: Path, variant: str, count: int) -> float:
    """Median milliseconds per test, first test excluded."""
    (directory / "conftest.py").write_text(CONFTEST)
    out = directory / "durations.json"
    path = directory / f"test_bench_{count}.py"
    path.write_text(HEADER + "\n" + "\n".join(BODIES[variant].format(i=i) for i in range(count)))
    installed = any(ep.value == "conformance.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "conformance.pytest_plugin"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_OUT": str(out)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(path)],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{variant}: pytest failed:\n{result.stdout[-2000:]}")
    return statistics.median(json.loads(out.read_text())[1:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=200)
    args = parser.parse_args()
    per_test: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in BODIES:
            directory = Path(tmp) / variant.replace(" ", "_").replace("+", "_")
            directory.mkdir()
            per_test[variant] = _run(directory, variant, args.tests)
    base = per_test["plain"]
    floor = per_test["plain+request"]
    print(f"{args.tests} tests per variant, median ms per test (setup + call + teardown; first test excluded):")
    for variant, ms in per_test.items():
        print(f"  {variant:16} {ms:7.2f} ms   {ms / base:6.1f}x plain   {ms - floor:+7.2f} ms vs plain+request")
    print(f"fixture cost over a test that requests a long-lived server: {per_test['wooshpay_double'] - floor:.2f} ms")
    print(f"reset instead of a new server per test saves {per_test['new server'] - per_test['wooshpay_double']:.2f} ms")


if __name__ == "__main__":
    main()
