"""The replay cache (docs/replay-cache.md) changes how fast a run is, never what it finds.

Whole runs in fresh processes (the cache is meant for the next process): findings.json and every
report with the cache off are the reference, and a cold cache, a warm one, a spec edited after the
cache was filled, and entries corrupted, truncated or written for another spec must all give them
byte for byte (the run's start and end times aside). One provider keeps it quick. Below, the cache's unit: an entry is
returned only if it proves itself, and nothing about the directory can fail a write.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.cassettes import store
from conformance.core import disk_cache
from conformance.spec.resources import cassettes_dir
from tests.conftest import REPLAY_CACHE_VARIABLE, ROOT

PROVIDER = "lynkwell"
# A documented status removed: the recordings of getInvoice's 200s are then undocumented statuses.
EDIT = (
    '        "200":\n          description: Invoice Details based on the invoice ID\n',
    '        "299":\n          description: Invoice Details based on the invoice ID\n',
)


TIMES = re.compile(rb'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?|time="[0-9.]+"')


def run(tmp_path: Path, cache: Path | str, spec_dir: Path | None = None) -> dict[str, bytes]:
    """Every report of `conformance run --provider lynkwell` in a fresh process (findings.json, Markdown,
    HTML, JUnit), the run's times blanked."""
    report_dir = tmp_path / f"reports-{len(list(tmp_path.glob('reports-*')))}"
    command = [sys.executable, "-m", "conformance"]
    if spec_dir is not None:
        command += ["--spec-dir", str(spec_dir)]
    command += ["run", "--provider", PROVIDER, "--report-dir", str(report_dir)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), REPLAY_CACHE_VARIABLE: str(cache)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    reports = {path.name: TIMES.sub(b"", path.read_bytes()) for path in sorted(report_dir.iterdir())}
    assert "findings.json" in reports
    return reports


def edited_specs(tmp_path: Path) -> Path:
    specs = tmp_path / "edited-specs"
    specs.mkdir()
    for path in (ROOT / "specs").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.stem == PROVIDER:
            assert EDIT[0] in text
            text = text.replace(*EDIT, 1)
        (specs / path.name).write_text(text, encoding="utf-8")
    return specs


def entries(cache: Path) -> set[Path]:
    return {path for path in cache.iterdir() if path.is_file()}


def test_findings_are_those_of_an_uncached_run_whatever_the_cache_holds(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    reference = run(tmp_path, "off")

    assert run(tmp_path, cache) == reference  # cold
    filled = entries(cache)
    assert filled, "a cold run fills the cache"
    assert run(tmp_path, cache) == reference  # warm

    # The spec edited after the cache was filled: nothing remembered for the old spec is used.
    edited = edited_specs(tmp_path)
    edited_reference = run(tmp_path, "off", edited)
    assert edited_reference != reference, "the edit must change the findings, or this proves nothing"
    assert run(tmp_path, cache, edited) == edited_reference
    another_spec = sorted(entries(cache) - filled)
    assert another_spec, "the edited spec's verdicts are remembered beside the old ones"

    # Entries written for the edited spec, in the place of every entry of the shipped one.
    originals = {path: path.read_bytes() for path in filled}
    for number, path in enumerate(sorted(filled)):
        path.write_bytes(another_spec[number % len(another_spec)].read_bytes())
    assert run(tmp_path, cache) == reference

    # Corrupted (a byte of the payload changed) and truncated entries.
    for path, data in originals.items():
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    assert run(tmp_path, cache) == reference
    for path, data in originals.items():
        path.write_bytes(data[: len(data) // 2])
    assert run(tmp_path, cache) == reference


def test_a_cache_that_cannot_be_written_fails_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be")
    assert run(tmp_path, blocked) == run(tmp_path, "off")


# -- the entries themselves ---------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(REPLAY_CACHE_VARIABLE, str(tmp_path / "replay"))
    return tmp_path / "replay"


VALUE = {"interactions": [{"request": {"uri": "http://x/?a=1&b=2"}, "body": b"\x00\xff"}], "metadata": {"n": 1.5}}


def test_an_entry_is_read_back_as_written(cache: Path) -> None:
    disk_cache.write("replay", "key", VALUE)
    assert disk_cache.read("replay", "key") == VALUE
    assert disk_cache.read("replay", "another key") is None


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_damaged_entry_is_never_returned(data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    directory = tmp_path_factory.mktemp("replay")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(REPLAY_CACHE_VARIABLE, str(directory))
        disk_cache.write("replay", "key", VALUE)
        (path,) = entries(directory)
        written = path.read_bytes()
        if data.draw(st.booleans(), label="truncate"):
            damaged = written[: data.draw(st.integers(0, len(written) - 1), label="length")]
        else:
            at = data.draw(st.integers(0, len(written) - 1), label="at")
            flip = data.draw(st.integers(1, 255), label="flip")
            damaged = written[:at] + bytes([written[at] ^ flip]) + written[at + 1 :]
        path.write_bytes(damaged)
        assert disk_cache.read("replay", "key") is None


def test_an_entry_moved_to_another_key_is_not_returned(cache: Path) -> None:
    disk_cache.write("replay", "spec A", VALUE)
    disk_cache.write("replay", "spec B", {"other": True})
    a, b = sorted(entries(cache), key=lambda p: p.stat().st_mtime_ns)
    b.write_bytes(a.read_bytes())
    assert disk_cache.read("replay", "spec B") is None
    assert disk_cache.read("replay", "spec A") == VALUE


def test_writing_gives_up_silently(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk_cache.write("replay", "not plain data", {"a": object()})
    assert not cache.exists()

    def full(*_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    disk_cache.write("replay", "key", VALUE)
    assert disk_cache.read("replay", "key") is None
    assert list(cache.iterdir()) == [], "no half-written file is left"


def test_off_reads_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPLAY_CACHE_VARIABLE, "off")
    monkeypatch.setenv(disk_cache.CACHE_VARIABLE, str(tmp_path))
    disk_cache.write("replay", "key", VALUE)
    assert disk_cache.read("replay", "key") is None
    assert list(tmp_path.iterdir()) == []


def test_a_parsed_cassette_comes_from_the_cache_only_when_its_entry_proves_itself(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = store.cassette_path(cassettes_dir(), PROVIDER, "workflows", "list_invoices")
    monkeypatch.setattr(store, "_PARSED", {})
    parsed = store.read_cassette(path, PROVIDER, "workflows")
    (entry,) = entries(cache)

    # A forged entry under the file's key (magic, key and digest right) is what a warm read returns:
    # proof that warm reads come from the cache, so the checks above are not vacuous.
    key = store.content_key(path.read_bytes())
    forged = {"interactions": parsed.interactions[:1], "metadata": {"forged": True}}
    disk_cache.write("replay", key, forged)
    monkeypatch.setattr(store, "_PARSED", {})
    assert store.read_cassette(path, PROVIDER, "workflows").metadata == {"forged": True}

    # Damaged, or not a cassette at all: the file is parsed again, with the same result as at first.
    for damage in (entry.read_bytes()[:100], disk_cache._MAGIC + bytes(80)):
        entry.write_bytes(damage)
        monkeypatch.setattr(store, "_PARSED", {})
        again = store.read_cassette(path, PROVIDER, "workflows")
        assert (again.interactions, again.metadata) == (parsed.interactions, parsed.metadata)
    disk_cache.write("replay", key, {"interactions": [{"request": "not a request"}], "metadata": {}})
    monkeypatch.setattr(store, "_PARSED", {})
    again = store.read_cassette(path, PROVIDER, "workflows")
    assert (again.interactions, again.metadata) == (parsed.interactions, parsed.metadata)


def test_a_remembered_outcome_holds_every_field_the_outcome_has() -> None:
    """A field added to an outcome and left out of its cache entry would vanish on every warm run (the
    lifecycle's not-judged stops once did): the entry writes every field, and reads back what it wrote."""
    from dataclasses import fields

    from conformance.replay import verdicts as replay_verdicts
    from conformance.replay.engine import ReplayOutcome
    from conformance.workflows import verdicts as workflow_verdicts
    from conformance.workflows.runner import ScenarioOutcome

    scenario = ScenarioOutcome(
        provider="p", scenario="s", findings=[], requests=3, operations={"op"}, completed=False,
        stopped="why", not_judged="why", unplayed=1, lifecycle={"rows": []},
    )  # fmt: skip
    entry = workflow_verdicts._entry(scenario)
    assert set(entry) == {f.name for f in fields(ScenarioOutcome)}
    assert workflow_verdicts._outcomes([entry]) == [scenario]
    replayed = ReplayOutcome(base_url="http://x", requests=2, operations={"op"})
    entry = replay_verdicts._entry(replayed)
    assert set(entry) == {f.name for f in fields(ReplayOutcome)}
    assert replay_verdicts._outcome(entry) == replayed
