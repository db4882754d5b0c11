"""Each judgement of the default replay fires on a fault in a recorded exchange and stays silent without it.

The shipped Lynkwell cassette is judged in memory (no CLI, no network); each test changes one recorded
exchange the way a faulty provider would have answered, and expects exactly the finding that names it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from conformance.cassettes import store
from conformance.checks.references import References
from conformance.providers import get_provider
from conformance.replay.engine import judge_cassette
from conformance.spec.resources import cassettes_dir

PROVIDER = "lynkwell"


@pytest.fixture(scope="module")
def shipped() -> store.LoadedCassette:
    path = store.cassette_path(cassettes_dir(), PROVIDER, store.ENGINE_SUITE)
    return store.read_cassette(path, PROVIDER)


def _judge(cassette: store.LoadedCassette) -> list[tuple[str, str, str]]:
    provider = get_provider(PROVIDER)
    outcome = judge_cassette(provider, provider.spec, cassette, label="cassette.yaml")
    return sorted((f.kind.value, f.operation, f.pointer) for f in outcome.findings)


def _first(cassette: store.LoadedCassette, wanted: Callable[[dict[str, Any]], bool]) -> int:
    return next(i for i, interaction in enumerate(cassette.interactions) if wanted(interaction))


def _note(interaction: dict[str, Any]) -> dict[str, Any]:
    return interaction.get(store.INTENT_KEY) or {}


def _status(interaction: dict[str, Any]) -> int:
    return int(interaction["response"]["status"]["code"])


def _is_json_success(interaction: dict[str, Any]) -> bool:
    note = _note(interaction)
    return note.get("role") == "case" and note.get("meant") == "valid" and _status(interaction) == 200


# Operations with a field naming another object: a refusal of one the run made up is no finding.
REFERRING = set(References.of(get_provider(PROVIDER).spec).places)


def _is_plain_success(interaction: dict[str, Any]) -> bool:
    return _is_json_success(interaction) and _note(interaction).get("operation") not in REFERRING


def _mutated(
    cassette: store.LoadedCassette, wanted: Callable[[dict[str, Any]], bool], change: Callable[[dict[str, Any]], None]
) -> tuple[store.LoadedCassette, dict[str, Any]]:
    interactions = list(cassette.interactions)
    position = _first(cassette, wanted)
    interactions[position] = changed = copy.deepcopy(interactions[position])
    change(changed)
    return store.LoadedCassette(cassette.path, interactions, cassette.metadata), changed


def _set_status(code: int) -> Callable[[dict[str, Any]], None]:
    def change(interaction: dict[str, Any]) -> None:
        interaction["response"]["status"]["code"] = code

    return change


def _set_content_type(value: str) -> Callable[[dict[str, Any]], None]:
    def change(interaction: dict[str, Any]) -> None:
        headers = interaction["response"]["headers"]
        for name in [n for n in headers if n.lower() == "content-type"]:
            del headers[name]
        headers["Content-Type"] = [value]

    return change


def test_the_shipped_cassette_is_judged_clean(shipped: store.LoadedCassette) -> None:
    assert _judge(shipped) == []


@pytest.mark.parametrize(
    ("wanted", "change", "kind"),
    [
        (_is_json_success, _set_status(500), "server_error"),
        (_is_json_success, _set_status(299), "undocumented_status"),
        (_is_json_success, _set_content_type("text/html"), "content_type"),
        (_is_plain_success, _set_status(400), "positive_data_rejected"),
        (
            lambda i: _note(i).get("meant") == "invalid" and 400 <= _status(i) < 500,
            _set_status(200),
            "negative_data_accepted",
        ),
        (lambda i: _note(i).get("role") == "auth_probe", _set_status(200), "auth_not_enforced"),
    ],
    ids=["server_error", "undocumented_status", "content_type", "positive", "negative", "auth_probe"],
)
def test_a_faulty_exchange_is_reported(
    shipped: store.LoadedCassette,
    wanted: Callable[[dict[str, Any]], bool],
    change: Callable[[dict[str, Any]], None],
    kind: str,
) -> None:
    cassette, changed = _mutated(shipped, wanted, change)
    found = _judge(cassette)
    assert [(k, op) for k, op, _ in found if k == kind] == [(kind, _note(changed)["operation"])], found


def test_a_valid_variant_stays_silent(shipped: store.LoadedCassette) -> None:
    """Other documented statuses and content-type spellings are not findings."""
    cassette, _ = _mutated(shipped, _is_json_success, _set_content_type("application/json; charset=utf-8"))
    assert _judge(cassette) == []
    spec = get_provider(PROVIDER).spec

    def other_refusals(interaction: dict[str, Any]) -> list[int]:
        """Documented 4xx statuses of the interaction's operation, other than the recorded one."""
        documented = spec.resolve(spec.operations[_note(interaction)["operation"]].pointer)["responses"]
        return [int(s) for s in documented if s.isdigit() and 400 <= int(s) < 500 and int(s) != _status(interaction)]

    def refused_invalid(interaction: dict[str, Any]) -> bool:
        note = _note(interaction)
        return (
            note.get("meant") == "invalid" and 400 <= _status(interaction) < 500 and bool(other_refusals(interaction))
        )

    position = _first(shipped, refused_invalid)
    cassette, _ = _mutated(shipped, refused_invalid, _set_status(other_refusals(shipped.interactions[position])[0]))
    assert _judge(cassette) == []


def test_a_removed_field_in_a_recorded_body_is_reported(shipped: store.LoadedCassette) -> None:
    import json

    def drop_total(interaction: dict[str, Any]) -> None:
        body = json.loads(interaction["response"]["body"]["string"])
        del body["data"]["taxTotal"]
        interaction["response"]["body"]["string"] = json.dumps(body)

    def holds_invoice(interaction: dict[str, Any]) -> bool:
        text = interaction["response"]["body"].get("string") or ""
        return _is_json_success(interaction) and '"taxTotal"' in text and '"items"' not in text

    cassette, changed = _mutated(shipped, holds_invoice, drop_total)
    assert _judge(cassette) == [("missing_field", _note(changed)["operation"], "/data/taxTotal")]


def test_a_refused_reference_the_recorded_run_made_up_is_no_finding(shipped: store.LoadedCassette) -> None:
    """A recorded request naming an object the recorded run never saw (createPaymentProfile takes any driver
    id on the double): a server that refuses it refuses what the suite made up."""
    spec = get_provider(PROVIDER).spec
    references = References.of(spec)
    for interaction in shipped.interactions:
        operation = spec.operations.get(str(_note(interaction).get("operation")))
        if operation is not None:
            body = interaction["response"]["body"].get("string") or "null"
            references.observe(operation.operation_id, _status(interaction), json.loads(body))

    def made_up(interaction: dict[str, Any]) -> bool:
        operation = spec.operations.get(str(_note(interaction).get("operation")))
        if not _is_json_success(interaction) or operation is None:
            return False
        request = interaction["request"]
        return bool(references.made_up(spec, operation, request["uri"], request["headers"], request.get("body")))

    cassette, changed = _mutated(shipped, made_up, _set_status(400))
    assert _note(changed)["operation"] in REFERRING
    assert [f for f in _judge(cassette) if f[0] == "positive_data_rejected"] == []
