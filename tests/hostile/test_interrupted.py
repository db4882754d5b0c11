"""Nothing is lost: a recording run interrupted (SIGINT, SIGTERM) or failing (a full disk) at any
moment leaves every cassette of the run — engine and workflows — byte for byte as it was, and no
temporary file; the exit code says why (130, 143, 2)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conformance.targets.double_server import RunningDouble, running_double
from tests.conftest import FAKE_CREDENTIALS, ROOT
from tests.hostile.conftest import assert_one_sentence, conformance, fill, tree_bytes

PROVIDER = "lynkwell"


class Counting:
    """Counts the requests a double receives: the engine's (schemathesis marks them) and the workflows'."""

    def __init__(self, double: RunningDouble) -> None:
        self.engine = 0
        self.workflows = 0
        self._app = double.server.app
        double.server.app = self

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/oauth/token":
            if "HTTP_X_SCHEMATHESIS_TESTCASEID" in environ:
                self.engine += 1
            else:
                self.workflows += 1
                if self.workflows > 3:
                    # Keep the run inside its workflows while a loaded machine gets round to the signal.
                    time.sleep(0.05)
        return self._app(environ, start_response)


@contextmanager
def counted_double() -> Iterator[tuple[RunningDouble, Counting]]:
    with running_double(PROVIDER, demo_data=True, credentials=FAKE_CREDENTIALS[PROVIDER]) as double:
        yield double, Counting(double)


def _record_args(double: RunningDouble, cassettes: Path, reports: Path) -> list[str]:
    return [
        "run", "--target", "record", "--provider", PROVIDER, "--base-url", f"{PROVIDER}={double.base_url}",
        "--no-audit", "--max-examples", "1", "--cassette-dir", str(cassettes), "--report-dir", str(reports),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("signum", "stage", "code"),
    [
        (signal.SIGINT, "engine", 130),
        (signal.SIGTERM, "workflows", 143),
    ],
    ids=["sigint-during-engine", "sigterm-during-workflows"],
)
def test_interrupted_recording_changes_no_cassette(
    cassette_copy: Path, tmp_path: Path, signum: int, stage: str, code: int
) -> None:
    before = tree_bytes(cassette_copy)
    env = {**os.environ, **FAKE_CREDENTIALS[PROVIDER], "PYTHONPATH": str(ROOT)}
    with counted_double() as (double, counts):
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", *_record_args(double, cassette_copy, tmp_path / "reports")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 240
        # Mid-stage: the engine has sent some requests; or the engine is done (its cassette staged) and
        # the workflows have begun.
        while (counts.engine < 15 if stage == "engine" else counts.workflows < 3) and process.poll() is None:
            assert time.monotonic() < deadline, "the run never reached the stage to interrupt"
            time.sleep(0.02)
        assert process.poll() is None, process.communicate()
        sent_at = time.monotonic()
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
        stopped_in = time.monotonic() - sent_at
    assert process.returncode == code, (stdout[-2000:], stderr[-2000:])
    assert "interrupted" in stderr, stderr
    assert "Traceback" not in stderr
    assert stopped_in < 30
    assert tree_bytes(cassette_copy) == before  # every cassette as it was, no staging or temp file
    assert not (tmp_path / "reports" / "findings.json").exists()


def test_recording_on_a_full_disk_changes_no_cassette(tiny_disk: Path, tmp_path: Path) -> None:
    cassettes = tiny_disk / "cassettes"
    shutil.copytree(ROOT / "cassettes" / PROVIDER, cassettes / PROVIDER)
    before = tree_bytes(cassettes)
    with counted_double() as (double, counts):
        filled = threading.Event()

        def fill_when_recording() -> None:
            while counts.engine < 5:
                time.sleep(0.02)
            fill(tiny_disk)
            filled.set()

        threading.Thread(target=fill_when_recording, daemon=True).start()
        ran = conformance(_record_args(double, cassettes, tmp_path / "reports"), env=FAKE_CREDENTIALS[PROVIDER])
    assert filled.is_set()
    assert_one_sentence(ran, 2, "no space left")
    (tiny_disk / "filler").unlink()
    assert tree_bytes(cassettes) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_signal_a_library_swallowed_still_stops_the_run(tmp_path: Path, signum: int) -> None:
    """schemathesis swallows the KeyboardInterrupt of a signal that lands while it joins its workers
    (no Interrupted event follows): the run must still stop before anything is written, with the signal's code."""
    from conformance.core.errors import Interrupted, install_signal_handlers
    from conformance.run import pipeline
    from conformance.targets.stage import StageResult

    def swallowing_stage(providers: list[Any]) -> StageResult:
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises here
        except KeyboardInterrupt:
            pass  # what schemathesis's "hard stop" does
        return StageResult()

    def later_stage(providers: list[Any]) -> StageResult:
        raise AssertionError("a stage ran after the signal")

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    install_signal_handlers()
    try:
        with pytest.raises(Interrupted) as raised:
            pipeline.execute(
                provider_names=(PROVIDER,),
                target="sandbox",
                stages=[swallowing_stage, later_stage],
                seed=0,
            )
    finally:
        # Forget the signal too: a later test of this worker calling the pipeline directly would take it
        # for its own and stop (xdist then reports the worker as interrupted).
        install_signal_handlers()
        for signum_, handler in previous.items():
            signal.signal(signum_, handler)
    assert raised.value.signum == signum
