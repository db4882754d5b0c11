"""Recording and replaying: secrets never reach disk, replays are deterministic, bad cassettes are clear."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conformance.engine.runner import EngineRun
from conformance.providers import get_provider
from conformance.targets.double_server import running_double
from tests.conftest import FAKE_CREDENTIALS, PROVIDERS, secret_forms
from tests.engine.conftest import FAST, Recorded, run_cli


@pytest.mark.parametrize("provider", PROVIDERS)
def test_recording_writes_no_secret_anywhere(provider: str, recording: Callable[[str], Recorded]) -> None:
    credentials = FAKE_CREDENTIALS[provider]
    cassettes, _ = recording(provider)
    roots = (cassettes / provider, cassettes.parent / "record")
    written = [p for root in roots for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".yaml" for p in written)
    assert any(p.name == "findings.json" for p in written)
    forbidden = {form for secret in credentials.values() for form in secret_forms(secret)}
    for path in written:
        data = path.read_bytes()
        for form in forbidden:
            assert form.encode() not in data, f"{form!r} found in {path}"


def _replay(provider: str, cassettes: Path, reports: Path, *extra: str):  # type: ignore[no-untyped-def]
    args = [
        "run",
        "--provider",
        provider,
        *FAST,
        *extra,
        "--cassette-dir",
        str(cassettes),
        "--report-dir",
        str(reports),
    ]
    return run_cli(args, env={})


def _stable(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "run"} | {
        "run": {k: v for k, v in document["run"].items() if not k.endswith("_at")}
    }


@pytest.mark.parametrize(
    ("provider", "mode"), [*((p, "judge") for p in PROVIDERS), ("lynkwell", "exact")], ids=lambda v: str(v)
)
def test_replay_is_deterministic_with_network_blocked(
    provider: str, mode: str, provider_recording: Recorded, tmp_path: Path, no_network: None
) -> None:
    """Re-judged (default) or regenerated (exact), a replay sees what the recording saw, run after run."""
    cassettes, recorded = provider_recording
    first, first_doc = _replay(provider, cassettes, tmp_path / "replay1", "--replay", mode)
    second, second_doc = _replay(provider, cassettes, tmp_path / "replay2", "--replay", mode)
    assert first_doc is not None, first.output
    assert second_doc is not None, second.output
    assert _stable(first_doc) == _stable(second_doc)
    assert first.exit_code == second.exit_code
    assert not [f for f in first_doc["findings"] if f["kind"] == "stale_cassette"]
    # The replay sees what the recording saw.
    strip = lambda doc: sorted((f["fingerprint"], f["count"]) for f in doc["findings"])  # noqa: E731
    assert strip(first_doc) == strip(recorded)
    assert first_doc["summary"]["requests"] == recorded["summary"]["requests"]


def _verdicts(document: dict) -> list[tuple[str, str, str, int]]:
    return sorted((f["fingerprint"], f["kind"], f["severity"], f["count"]) for f in document["findings"])


# An exact replay regenerates with this machine's Hypothesis and schemathesis, so it reads only a recording
# they made: the session's own. A shipped cassette would pass only until the next release, which pip
# installs on every fresh machine (tests/conftest.py refuses that at run time).
@pytest.mark.parametrize("provider", ["useepay"])
def test_default_and_exact_replay_find_the_same(provider: str, provider_recording: Recorded, tmp_path: Path) -> None:
    cassettes, recorded = provider_recording
    default, default_doc = _replay(provider, cassettes, tmp_path / "judge")
    exact, exact_doc = _replay(provider, cassettes, tmp_path / "exact", "--replay", "exact")
    assert default_doc is not None, default.output
    assert exact_doc is not None, exact.output
    assert _verdicts(default_doc) == _verdicts(exact_doc)
    assert default_doc["summary"] == exact_doc["summary"]
    assert default.exit_code == exact.exit_code
    assert default_doc["summary"]["requests"] == recorded["summary"]["requests"]


def test_parallel_workers_find_what_serial_finds(recording: Callable[[str], Recorded], tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    for provider in PROVIDERS:
        shutil.copytree(recording(provider)[0] / provider, cassettes / provider)
    args = ["run", "--cassette-dir", str(cassettes), "--no-audit"]
    serial, serial_doc = run_cli([*args, "--report-dir", str(tmp_path / "s")])
    parallel, parallel_doc = run_cli([*args, "--report-dir", str(tmp_path / "p"), "--workers", "3"])
    assert serial_doc is not None, serial.output
    assert parallel_doc is not None, parallel.output
    assert _stable(serial_doc) == _stable(parallel_doc)
    assert serial.exit_code == parallel.exit_code


def test_corrupt_cassette_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "cassettes" / "lynkwell" / "engine" / "cassette.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("interactions: [ {request: \n  - broken")
    result, document = _replay("lynkwell", tmp_path / "cassettes", tmp_path / "reports")
    assert result.exit_code == 2
    assert "cassette" in result.output
    assert "corrupt" in result.output
    assert "Traceback" not in result.output
    assert document is None


def test_missing_cassette_names_the_record_command(tmp_path: Path) -> None:
    result, _ = _replay("useepay", tmp_path / "nothing-here", tmp_path / "reports")
    assert result.exit_code == 2
    assert "conformance run --target record --provider useepay" in result.output


def test_exact_replay_reports_an_unanswered_request_as_stale(
    recording: Callable[[str], Recorded], tmp_path: Path
) -> None:
    shutil.copytree(recording("lynkwell")[0] / "lynkwell", tmp_path / "cassettes" / "lynkwell")
    path = tmp_path / "cassettes" / "lynkwell" / "engine" / "cassette.yaml"
    text = path.read_text()
    # Forget the answers to one operation, as if the suite had learned a new request since recording.
    data = yaml.safe_load(text)
    data["interactions"] = [i for i in data["interactions"] if "/subscriptions" not in i["request"]["uri"]]
    path.write_text(yaml.safe_dump(data))
    result, document = _replay("lynkwell", tmp_path / "cassettes", tmp_path / "replay", "--replay", "exact")
    assert document is not None, result.output
    stale = [f for f in document["findings"] if f["kind"] == "stale_cassette"]
    assert stale
    assert all("conformance run --target record --provider lynkwell" in f["message"] for f in stale)
    operations = {f["operation"] for f in stale}
    assert "listSubscriptions" in operations
    assert operations <= set(get_provider("lynkwell").spec.operations)
    assert all(f["severity"] == "non_breaking" for f in stale)


def test_interrupted_recording_keeps_the_previous_cassette(
    recording: Callable[[str], Recorded], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassettes = tmp_path / "cassettes"
    shutil.copytree(recording("lynkwell")[0] / "lynkwell", cassettes / "lynkwell")
    path = cassettes / "lynkwell" / "engine" / "cassette.yaml"
    before = path.read_bytes()
    calls = {"n": 0}
    original = EngineRun._on_scenario

    def interrupt_midway(self, recorder):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(self, recorder)

    monkeypatch.setattr(EngineRun, "_on_scenario", interrupt_midway)
    with running_double("lynkwell", seed=4, demo_data=True) as double:
        from click.testing import CliRunner

        from conformance.cli.main import main

        args = ["run", "--target", "record", "--provider", "lynkwell", "--base-url", f"lynkwell={double.base_url}"]
        args += [*FAST, "--cassette-dir", str(cassettes), "--report-dir", str(tmp_path / "second")]
        result = CliRunner().invoke(main, args, env=dict(double.credentials))
    assert result.exit_code == 130
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["cassette.yaml"], "no staging file left behind"
    assert not (tmp_path / "second" / "findings.json").exists()


def test_missing_credentials_exit_2_naming_the_variables(tmp_path: Path) -> None:
    result, _ = run_cli(
        [
            "run",
            "--target",
            "live",
            "--provider",
            "useepay",
            "--base-url",
            "useepay=http://127.0.0.1:9",
            "--report-dir",
            str(tmp_path),
        ],
        env={"USEEPAY_MERCHANT_NO": "", "USEEPAY_API_KEY": "", "USEEPAY_APP_ID": ""},
    )
    assert result.exit_code == 2
    assert "USEEPAY_MERCHANT_NO" in result.output
    assert "USEEPAY_API_KEY" in result.output


def test_unreachable_target_exits_3(tmp_path: Path) -> None:
    env = {"WOOSHPAY_API_KEY": "sk_test_x"}
    result, document = run_cli(
        [
            "run",
            "--target",
            "live",
            "--provider",
            "wooshpay",
            "--base-url",
            "wooshpay=http://127.0.0.1:9",
            "--report-dir",
            str(tmp_path),
        ],
        env=env,
    )
    assert result.exit_code == 3
    assert "could not be reached" in result.output
    assert document is None


def test_production_host_is_refused_without_allow_production(tmp_path: Path) -> None:
    env = {"WOOSHPAY_API_KEY": "sk_test_x"}
    result, _ = run_cli(
        [
            "run",
            "--target",
            "live",
            "--provider",
            "wooshpay",
            "--base-url",
            "wooshpay=https://api.wooshpay.com",
            "--report-dir",
            str(tmp_path),
        ],
        env=env,
    )
    assert result.exit_code == 2
    assert "--allow-production" in result.output


def test_exact_replay_under_other_generator_versions_exits_2(
    recording: Callable[[str], Recorded], tmp_path: Path
) -> None:
    """Only an exact replay depends on the generator's release; the default one re-judges under any."""

    cassettes = tmp_path / "cassettes"
    shutil.copytree(recording("lynkwell")[0], cassettes)
    path = cassettes / "lynkwell" / "engine" / "cassette.yaml"
    data = yaml.safe_load(path.read_text())
    data["metadata"]["generated_by"]["hypothesis"] = "6.0.0"
    path.write_text(yaml.safe_dump(data))
    result, document = _replay("lynkwell", cassettes, tmp_path / "reports", "--replay", "exact")
    assert result.exit_code == 2
    assert "hypothesis 6.0.0" in result.output
    assert "conformance run --target record --provider lynkwell" in result.output
    assert "Traceback" not in result.output
    assert document is None
    result, document = _replay("lynkwell", cassettes, tmp_path / "default")
    assert document is not None, result.output
    assert result.exit_code == 0


def test_a_redacted_secret_is_judged_in_replay_as_it_was_live(tmp_path: Path) -> None:
    """A created webhook endpoint's secret is redacted on disk, but not its documented whsec_ prefix, which
    the spec's schema judges: the replay of the recording finds what the recording found."""
    with running_double("wooshpay", seed=3, credentials=FAKE_CREDENTIALS["wooshpay"]) as double:
        args = ["run", "--target", "record", "--provider", "wooshpay", "--base-url", f"wooshpay={double.base_url}"]
        args += [*FAST, "--include-operation-id", "CreateWebhookEndpoint", "--cassette-dir", str(tmp_path / "c")]
        recorded, recorded_doc = run_cli([*args, "--report-dir", str(tmp_path / "record")], env=double.credentials)
    assert recorded_doc is not None, recorded.output
    created = [i for i in _interactions(tmp_path / "c") if i["request"]["uri"].endswith("/v1/webhook_endpoints")]
    assert created, "the recording made no webhook endpoint"
    args = ["run", "--provider", "wooshpay", *FAST]
    replayed, replayed_doc = run_cli(
        [*args, "--cassette-dir", str(tmp_path / "c"), "--report-dir", str(tmp_path / "r")]
    )
    assert replayed_doc is not None, replayed.output
    findings = lambda doc: sorted((f["fingerprint"], f["pointer"], f["count"]) for f in doc["findings"])  # noqa: E731
    assert findings(replayed_doc) == findings(recorded_doc)


def _interactions(cassettes: Path) -> list[dict]:
    return [i for path in cassettes.rglob("*.yaml") for i in yaml.safe_load(path.read_text())["interactions"]]
