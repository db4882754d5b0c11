"""The run's id in the provider's metadata (`metadata[conformance_run]`): added on the wire to creates whose body
documents metadata, only where it cannot change what the request means, invisible to every check (the verdict
of a run is the same with and without it), and what `conformance cleanup` finds a run's objects by."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from hypothesis import given
from hypothesis import strategies as st

from conformance.engine.settings import Settings
from conformance.engine.stage import run_one
from conformance.providers import get_provider
from conformance.targets import TargetOptions
from conformance.targets.run_tag import TAG, tag_of, tagged_body, tagged_creates, tagger
from conformance.workflows.stage import workflow_stage

RUN = "run-0123456789ab"
keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=8).filter(lambda k: k != "metadata")
scalars = st.one_of(st.integers(-(10**30), 10**30), st.text(max_size=10), st.booleans(), st.none())
metadata = st.dictionaries(keys.filter(lambda k: k != TAG), st.text(max_size=10), max_size=4)


@given(body=st.dictionaries(keys, scalars, max_size=5), written=st.one_of(st.none(), metadata))
def test_a_json_create_carries_the_tag_beside_what_was_written(body: dict[str, Any], written: Any) -> None:
    if written is not None:
        body = {**body, "metadata": written}
    sent = tagged_body(json.dumps(body).encode(), RUN, form=False)
    assert sent is not None
    assert json.loads(sent) == {**body, "metadata": {**(written or {}), TAG: RUN}}


@given(body=st.dictionaries(keys, scalars, max_size=5), metadata=st.one_of(scalars, st.lists(scalars, max_size=2)))
def test_a_json_body_whose_metadata_is_not_an_object_goes_as_written(body: dict[str, Any], metadata: Any) -> None:
    assert tagged_body(json.dumps({**body, "metadata": metadata}).encode(), RUN, form=False) is None


@given(value=st.one_of(scalars, st.lists(scalars, max_size=3)))
def test_a_json_body_that_is_not_an_object_goes_as_written(value: Any) -> None:
    raw = json.dumps(value).encode()
    assert tagged_body(raw, RUN, form=False) is None or raw.strip() == b""


@given(
    pairs=st.lists(st.tuples(keys, st.text(alphabet="abc 12&=", max_size=6)), max_size=5),
    written=metadata,
)
def test_a_form_create_carries_the_tag_beside_what_was_written(
    pairs: list[tuple[str, str]], written: dict[str, str]
) -> None:
    pairs = pairs + [(f"metadata[{k}]", v) for k, v in written.items()]
    raw = urlencode(pairs).encode()
    sent = tagged_body(raw, RUN, form=True)
    assert sent is not None
    assert sent.startswith(raw), "what was written goes byte for byte"
    assert parse_qsl(sent.decode(), keep_blank_values=True) == [*pairs, (f"metadata[{TAG}]", RUN)]


@given(pairs=st.lists(st.tuples(keys, st.text(max_size=4)), max_size=3), value=st.text(max_size=5))
def test_a_form_whose_metadata_is_a_scalar_goes_as_written(pairs: list[tuple[str, str]], value: str) -> None:
    assert tagged_body(urlencode([*pairs, ("metadata", value)]).encode(), RUN, form=True) is None


def test_only_creates_with_documented_metadata_are_tagged() -> None:
    assert {"createInvoice", "createSubscription", "createCustomer"} <= tagged_creates(get_provider("wooshpay"))
    assert tagged_creates(get_provider("useepay")) == {"createCustomer", "createInvoice", "createSubscription"}
    assert tagged_creates(get_provider("lynkwell")) == frozenset()  # its API has no metadata


def _verdict(findings: list[Any]) -> set[str]:
    return {f["fingerprint"] if isinstance(f, dict) else f.fingerprint for f in findings}


def test_the_tag_changes_no_verdict_and_no_judged_request() -> None:
    """Against WooshPay's double, the creates the engine and the workflows judge (metadata read back included)
    give the same findings with and without the tag, and no judged request shows it."""
    # createInvoice's generated bodies, valid and invalid (with metadata of every shape), a few hundred of them.
    narrowed = Settings(max_examples=2, operations=("createInvoice",))
    verdicts = []
    for run_id in ("", RUN):
        options = TargetOptions(target="sandbox", run_id=run_id)
        engine = run_one("wooshpay", options, narrowed)
        # The scenarios that write metadata and read it back (the echo checks compare what they wrote).
        scenarios = {"wooshpay": ("invoice_lifecycle", "subscription_invoices")}
        workflows = workflow_stage(options, scenarios=scenarios)([get_provider("wooshpay")])
        assert engine.exchanges, "the engine sent the creates (else the comparison proves nothing)"
        for exchange in [*engine.exchanges, *workflows.exchanges["wooshpay"]]:
            assert TAG not in (exchange.request_body or ""), "the judged request is the one the suite wrote"
        created = [e.body for e in workflows.exchanges["wooshpay"] if e.operation == "createInvoice"]
        assert created
        assert {tag_of(body) for body in created} == {run_id or None}, "the double stored the tag it was sent"
        verdicts.append((_verdict(engine.findings), _verdict(workflows.findings)))
    assert verdicts[0] == verdicts[1]


def _sent(provider: str, operation_id: str, body: bytes | None) -> bytes | None:
    operation = get_provider(provider).spec.operations[operation_id]
    headers = {"Content-Type": "application/json"} if body else {}
    request = requests.Request("POST", "http://127.0.0.1" + operation.path, data=body, headers=headers).prepare()
    sent = tagger(get_provider(provider), RUN)(request).body
    return sent.encode() if isinstance(sent, str) else sent


def test_no_body_where_one_is_required_goes_as_written_and_a_written_body_is_tagged() -> None:
    """A body-less create whose body is required is a case generated as invalid: a tag would make it a valid
    create (the server then accepts it and the run reports the acceptance of a request it never sent)."""
    assert _sent("useepay", "createCustomer", None) is None
    assert _sent("useepay", "createCustomer", b"  ") == b"  "
    written = json.loads(_sent("useepay", "createCustomer", b'{"name": "n"}') or b"")
    assert written == {"metadata": {TAG: RUN}, "name": "n"}
    # Where the body is optional, an empty create is a valid one: it carries the tag like any other.
    assert json.loads(_sent("wooshpay", "createCustomer", None) or b"") == {"metadata": {TAG: RUN}}
