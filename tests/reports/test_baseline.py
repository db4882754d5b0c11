"""Baselines: accepted findings don't fail a run, expired entries do, `baseline update` round-trips."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.cli.reporting import run_and_report
from conformance.core.errors import EXIT_BREAKING, EXIT_OK, UsageError
from conformance.core.kinds import Severity
from conformance.document.baseline import Baseline, BaselineEntry, load_baseline
from conformance.document.model import FindingsDocument, load_findings
from conformance.reports import findings_json
from conformance.run import pipeline
from conformance.targets.stage import StageResult
from tests.reports import sample
from tests.reports.expect import failing

TODAY = date(2026, 11, 21)


def _accepting(document: FindingsDocument, *, expires: date | None = None) -> Baseline:
    return Baseline(tuple(BaselineEntry.of(f, "vendor ticket", expires) for f in failing(document.findings)))


def _unbaselined(document: FindingsDocument) -> FindingsDocument:
    return Baseline().apply_to_document(document, TODAY)


def test_accepted_findings_are_reported_but_do_not_fail(document: FindingsDocument) -> None:
    fresh = _unbaselined(document)
    assert pipeline.exit_code(fresh) == EXIT_BREAKING
    baseline = _accepting(fresh, expires=date(2027, 1, 31))
    accepted = baseline.apply_to_document(fresh, TODAY)
    assert accepted.summary.breaking == 0
    assert accepted.summary.baselined == len(failing(fresh.findings))
    assert len(accepted.findings) == len(fresh.findings)  # still reported
    assert pipeline.exit_code(accepted, baseline) == EXIT_OK


def test_expired_entry_fails_and_is_named(document: FindingsDocument) -> None:
    fresh = _unbaselined(document)
    info = next(f for f in fresh.findings if f.severity is Severity.INFO)
    baseline = Baseline((BaselineEntry.of(info, "known doc defect", date(2026, 1, 31)),))
    applied = baseline.apply_to_document(fresh, TODAY)
    assert not any(f.baselined for f in applied.findings)  # no longer covered
    outcome = baseline.outcome(applied, TODAY)
    assert [e.fingerprint for e in outcome.expired] == [info.fingerprint]
    only_info = replace(applied, findings=(info,), summary=replace(applied.summary, breaking=0))
    assert pipeline.exit_code(only_info, baseline) == EXIT_BREAKING  # even for an info finding
    assert info.fingerprint in outcome.expired[0].label


def test_entry_covers_through_its_expiry_day(document: FindingsDocument) -> None:
    fresh = _unbaselined(document)
    baseline = _accepting(fresh, expires=TODAY)
    assert baseline.apply_to_document(fresh, TODAY).summary.breaking == 0
    assert baseline.outcome(fresh, TODAY).expired == ()


def test_not_reproducing_entries_only_for_providers_that_ran(document: FindingsDocument) -> None:
    fresh = _unbaselined(document)
    gone = BaselineEntry("0123456789abcdef0123", "fixed?", provider="wooshpay")
    elsewhere = BaselineEntry("fedcba98765432100123", "other", provider="stripe")
    unknown = BaselineEntry("aaaaaaaaaaaaaaaaaaaa", "hand-written, no provider")
    outcome = Baseline((gone, elsewhere, unknown)).outcome(fresh, TODAY)
    assert outcome.not_reproduced == (gone, unknown)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("accepted: {}\n", "`accepted` list"),
        ("accepted:\n  - reason: why\n", "fingerprint"),
        ("accepted:\n  - fingerprint: 0123456789abcdef0123\n", "no reason"),
        ("accepted:\n  - {fingerprint: 0123456789abcdef0123, reason: x, expires: soon}\n", "YYYY-MM-DD"),
        ("version: 7\naccepted: []\n", "version"),
        ("accepted: [\n", "not valid YAML"),
        (
            "accepted:\n  - {fingerprint: 0123456789abcdef0123, reason: a}\n  - {fingerprint: 0123456789abcdef0123, reason: b}\n",
            "repeats",
        ),
    ],
)
def test_malformed_file_is_one_clear_sentence(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text(content)
    with pytest.raises(UsageError) as raised:
        load_baseline(path)
    assert problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_json_and_yaml_read_alike(tmp_path: Path) -> None:
    entry = {"fingerprint": "0123456789abcdef0123", "reason": "ticket 1", "expires": "2027-01-31"}
    (tmp_path / "b.json").write_text(json.dumps({"version": 1, "accepted": [entry]}))
    (tmp_path / "b.yaml").write_text(
        yaml.safe_dump({"version": 1, "accepted": [entry]}).replace("'2027-01-31'", "2027-01-31")
    )
    assert load_baseline(tmp_path / "b.json") == load_baseline(tmp_path / "b.yaml")
    assert load_baseline(tmp_path / "b.json").entries[0].expires == date(2027, 1, 31)


def test_pipeline_applies_the_baseline_before_the_summary(document: FindingsDocument, tmp_path: Path) -> None:
    fresh = _unbaselined(document)
    real = [f for f in fresh.findings if f.provider in sample.PROVIDERS]
    baseline = _accepting(fresh)

    def stage(providers: list) -> StageResult:  # type: ignore[type-arg]
        return StageResult(findings=list(real), requests=5, operations={("wooshpay", "retrieveInvoice")})

    written = run_and_report(
        provider_names=(), target="replay", stages=[stage], seed=0, report_dir=tmp_path, baseline=baseline
    )
    assert written.summary.breaking == 0
    assert written.summary.baselined == len(failing(real))
    on_disk = load_findings(tmp_path / "findings.json")
    assert {f.fingerprint for f in on_disk.findings if f.baselined} == {f.fingerprint for f in failing(real)}
    for name in ("report.html", "junit.xml", "comparison.md", "comparison.html", "wooshpay.md", "useepay.md"):
        assert (tmp_path / name).is_file(), name
    assert pipeline.exit_code(written, baseline) == EXIT_OK


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def findings_file(document: FindingsDocument, tmp_path: Path) -> Path:
    findings_json.write(_unbaselined(document), tmp_path / "run")
    return tmp_path / "run" / "findings.json"


def test_update_then_report_round_trip(cli: CliRunner, findings_file: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    update = ["baseline", "update", "--baseline", str(baseline), "--findings", str(findings_file)]
    refused = cli.invoke(main, update)
    assert refused.exit_code == 2
    assert "--reason" in refused.output

    first = cli.invoke(main, [*update, "--reason", "VENDOR-1", "--expires", "2099-12-31"])
    assert first.exit_code == 0, first.output
    document = load_findings(findings_file)
    entries = load_baseline(baseline).entries
    assert {e.fingerprint for e in entries} == {f.fingerprint for f in failing(document.findings)}
    assert {(e.reason, e.expires) for e in entries} == {("VENDOR-1", date(2099, 12, 31))}

    # A hand-edited reason survives the next update, which changes nothing else.
    baseline.write_text(baseline.read_text().replace("VENDOR-1", "VENDOR-2", 1))
    before = baseline.read_text()
    again = cli.invoke(main, update)
    assert again.exit_code == 0, again.output
    assert baseline.read_text() == before

    out = tmp_path / "out"
    gated = cli.invoke(main, ["report", str(findings_file), "--report-dir", str(out), "--baseline", str(baseline)])
    assert gated.exit_code == 0, gated.output
    assert load_findings(out / "findings.json").summary.breaking == 0
    ungated = cli.invoke(main, ["report", str(findings_file), "--report-dir", str(tmp_path / "plain")])
    assert ungated.exit_code == 1


def test_update_lists_and_prunes_what_no_longer_reproduces(cli: CliRunner, findings_file: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    update = ["baseline", "update", "--baseline", str(baseline), "--reason", "r"]
    assert cli.invoke(main, [*update, "--findings", str(findings_file)]).exit_code == 0
    document = load_findings(findings_file)
    fixed = next(f for f in failing(document.findings) if f.provider == "wooshpay")
    rest = tuple(f for f in document.findings if f.fingerprint != fixed.fingerprint)
    findings_json.write(replace(document, findings=rest), tmp_path / "later")
    later = str(tmp_path / "later" / "findings.json")

    listed = cli.invoke(main, [*update, "--findings", later])
    assert fixed.fingerprint in listed.output
    assert "no longer reproduce" in listed.output
    assert fixed.fingerprint in baseline.read_text()  # kept without --prune
    pruned = cli.invoke(main, [*update, "--findings", later, "--prune"])
    assert pruned.exit_code == 0
    assert fixed.fingerprint not in baseline.read_text()


def test_expired_entry_fails_report_and_says_which(cli: CliRunner, findings_file: Path, tmp_path: Path) -> None:
    document = load_findings(findings_file)
    entries = [
        {"fingerprint": f.fingerprint, "reason": "ticket", "expires": "2020-01-31" if i == 0 else "2099-01-01"}
        for i, f in enumerate(failing(document.findings))
    ]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"version": 1, "accepted": entries}))
    result = cli.invoke(
        main, ["report", str(findings_file), "--report-dir", str(tmp_path / "out"), "--baseline", str(baseline)]
    )
    assert result.exit_code == 1
    assert "expired" in result.output
    assert entries[0]["fingerprint"] in result.output


@pytest.mark.parametrize("command", ["run", "report"])
def test_malformed_baseline_exits_2_before_anything_runs(
    cli: CliRunner, findings_file: Path, tmp_path: Path, command: str
) -> None:
    bad = tmp_path / "baseline.yaml"
    bad.write_text("accepted: nope\n")
    args = ["run", "--report-dir", str(tmp_path / "r")] if command == "run" else ["report", str(findings_file)]
    result = cli.invoke(main, [*args, "--baseline", str(bad)])
    assert result.exit_code == 2
    assert "baseline file" in result.output
    assert "malformed" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r").exists()
