"""Read-after-write compares what was written (issue 22, point 5), over real HTTP against the UseePay
double: a key the server adds is the schema check's `undocumented_field`, never a read-after-write
breach; a written key the server does not store still is one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request

from tests.workflows.proxies import in_front, json_rewrite, run_through, with_json_body

INJECTED = "x_proxy_trace"


def _every_object_with_a_trace(request: Request, body: Any) -> Any:
    if isinstance(body, dict):
        return {**{key: _every_object_with_a_trace(request, value) for key, value in body.items()}, INJECTED: "p1"}
    if isinstance(body, list):
        return [_every_object_with_a_trace(request, item) for item in body]
    return body


def test_a_field_added_to_every_object_is_one_undocumented_field_and_no_read_after_write(tmp_path: Path) -> None:
    with in_front("useepay", answers=json_rewrite(_every_object_with_a_trace)) as double:
        findings = run_through(double, tmp_path, "listMandates")
    assert [f for f in findings if f["check"] == "invariant.read_after_write"] == []
    injected = [f for f in findings if f["pointer"].endswith("/" + INJECTED)]
    assert injected, "the proxy's field was not reported"
    assert {(f["kind"], f["severity"], f["check"]) for f in injected} == {
        ("undocumented_field", "non_breaking", "schema.strict")
    }
    # Once per place it was seen, not once more by another check.
    assert len({(f["operation"], f["pointer"]) for f in injected}) == len(injected)
    mandate = [f["pointer"] for f in injected if f["operation"] == "createMandate"]
    assert "/customer_acceptance/" + INJECTED in mandate
    assert not [f for f in findings if f["severity"] == "breaking"], [
        (f["operation"], f["check"], f["pointer"]) for f in findings if f["severity"] == "breaking"
    ]


def _subscription_without_its_sid(request: Request) -> Request:
    if not request.path.startswith("/api/v1/subscriptions"):
        return request

    def drop(body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("metadata"), dict):
            body["metadata"] = {k: v for k, v in body["metadata"].items() if k != "sid"}
        return body

    return with_json_body(request, drop)


def test_a_written_nested_key_the_server_does_not_store_is_still_a_read_after_write_breach(tmp_path: Path) -> None:
    with in_front("useepay", requests=_subscription_without_its_sid) as double:
        findings = run_through(double, tmp_path, "listMandates")
    found = {
        (f["operation"], f["pointer"], f["observed"], f["severity"])
        for f in findings
        if f["check"] == "invariant.read_after_write"
    }
    assert found == {
        ("createSubscription", "/metadata/sid", "absent", "breaking"),
        ("updateSubscription", "/metadata/sid", "absent", "breaking"),
    }
