"""Messages people read say what happened in words: a server error is called one (not
"Server error (not_a_server_error)"), and states take their article ("an open invoice")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.checks.check_failures import check_message
from conformance.checks.lifecycle import require_lifecycle
from conformance.core.kinds import Kind
from conformance.judge.judging import judge_recordings
from conformance.judge.recordings import read_recording
from conformance.judge.routing import origins
from conformance.providers import all_providers, get_provider
from conformance.sandbox.faults import lifecycle_flips


def _judged(tmp_path: Path, status: int) -> list[str]:
    body = '{"error": {"message": "boom"}}' if status >= 500 else '{"id": "in_1", "object": "invoice"}'
    interaction = {
        "request": {"method": "POST", "uri": "https://apitest.wooshpay.com/v1/invoices", "headers": {}, "body": None},
        "response": {
            "status": {"code": status, "message": ""},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": body},
        },
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction]}))
    outcome = judge_recordings(read_recording(path), origins([get_provider("wooshpay")], {}), root=tmp_path)
    return [f.message for f in outcome.findings if f.kind is Kind.SERVER_ERROR]


def test_a_server_error_is_said_in_words(tmp_path: Path) -> None:
    assert _judged(tmp_path, 500) == ["createInvoice answered HTTP 500, a server error."]


def test_an_answer_that_is_no_server_error_is_not_called_one(tmp_path: Path) -> None:
    assert _judged(tmp_path, 200) == []


def test_other_checks_keep_their_title_and_id() -> None:
    message = check_message("listInvoices", "status_code_conformance", "Undocumented HTTP status code", 418)
    assert message == "listInvoices: Undocumented HTTP status code (status_code_conformance)."


@pytest.mark.parametrize("provider", sorted(all_providers()))
def test_every_lifecycle_flip_takes_its_article(provider: str) -> None:
    for flip in lifecycle_flips(require_lifecycle(get_provider(provider).spec)):
        vowel = flip.state[0].lower() in "aeiou"
        assert f" {'an' if vowel else 'a'} {flip.state} invoice" in flip.summary, flip.summary
