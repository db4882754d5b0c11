"""Every report names the target each provider effectively ran against, not only the one asked for."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from rich.console import Console

from conformance.document.model import FindingsDocument
from conformance.reports import junit, markdown
from conformance.reports.terminal import print_summary
from tests.reports.sample import document as sample_document


def _document(targets: dict[str, str]) -> FindingsDocument:
    document = sample_document()
    run = replace(document.run, target="replay", providers=("useepay", "wooshpay"), targets=targets)
    return replace(document, run=run)


def _title(document: FindingsDocument) -> str:
    """The table's title, checked against the verdict line, which names the target too."""
    console = Console(record=True, width=250)
    print_summary(document, console)
    lines = console.export_text().splitlines()
    # A plain console (no terminal) ends the title with a colon; a rich one does not.
    title = next(line for line in lines if "Findings (" in line).strip().removesuffix(":")
    verdict = next(line for line in lines if line.startswith(("PASS", "FAIL")))
    assert f"target: {title.removeprefix('Findings (').removesuffix(')')}  " in verdict
    return title


def test_a_base_url_run_is_reported_live_everywhere() -> None:
    document = _document({"useepay": "live", "wooshpay": "live"})
    data = document.to_json()
    assert (data["run"]["target"], data["run"]["targets"]) == ("replay", {"useepay": "live", "wooshpay": "live"})
    assert FindingsDocument.from_json(data).run == document.run
    assert _title(document) == "Findings (live)"
    root = ET.fromstring(junit.render(document).split("\n", 1)[1])
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "wooshpay")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert (properties["target"], properties["requested_target"]) == ("live", "replay")
    assert "from a `live` run" in markdown.render_vendor(document, "wooshpay")


def test_mixed_targets_name_each_provider_and_a_plain_replay_stays_replay() -> None:
    mixed = _document({"useepay": "replay", "wooshpay": "live"})
    assert _title(mixed) == "Findings (useepay: replay, wooshpay: live)"
    assert "from a `replay` run" in markdown.render_vendor(mixed, "useepay")
    replayed = _document({"useepay": "replay", "wooshpay": "replay"})
    assert _title(replayed) == "Findings (replay)"
    # A findings.json written before `targets` existed reads as the target asked for.
    old = replayed.to_json()
    del old["run"]["targets"]
    assert FindingsDocument.from_json(old).run.target_of("wooshpay") == "replay"
