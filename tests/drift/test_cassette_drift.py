"""`conformance drift OLD NEW` on small hand-written cassette sets: volatility, each kind of change,
its classification, the findings contract and the usage errors."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.drift.conftest import interaction, run_drift, write_cassette

LIST = "/billing/v1/invoices"


def invoice(number: int, run: int) -> dict[str, Any]:
    """An invoice whose ids, timestamps and amounts differ from run to run, as a real provider's do."""
    return {
        "id": f"in_{run}x{number}Qz{run * 7}",
        "paymentProfileId": f"pp_{run}Ab{number}",
        "network": f"net_{run}Kq9",  # constant within a run, different across runs
        "pdfUrl": None if number % 2 else f"https://invoices.example/in_{run}x{number}.pdf",
        "status": ("OPEN", "PAID", "DRAFT")[number % 3],
        "totalPaymentAttempts": number % 3,
        "subTotal": 1000 * number + run,
        "taxTotal": 0,
        "currency": "USD",
        "invoiceItems": [],
        "subscriptionItems": [],
        "lastPaymentAttemptDate": None if number % 2 else f"2026-0{run}-0{number % 9 + 1}T10:00:00Z",
        "periodStart": f"2026-0{run}-01T00:00:00Z",
        "periodEnd": f"2026-0{run + 1}-01T00:00:00Z",
        "createdAt": f"2026-0{run}-01T00:0{number % 10}:00Z",
    }


def listing(run: int, count: int = 6) -> dict[str, Any]:
    return {"data": {"hasMore": False, "items": [invoice(n, run) for n in range(count)]}}


def error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def base_set(run: int) -> list[dict[str, Any]]:
    """Three list pages, two single invoices, and a few errors: one engine run's worth of shapes."""
    return [
        *(interaction("GET", f"{LIST}?limit={n}", 200, listing(run)) for n in (2, 5, 10)),
        *(interaction("GET", f"{LIST}/{invoice(n, run)['id']}", 200, {"data": invoice(n, run)}) for n in (1, 2)),
        interaction("GET", f"{LIST}/in_missing", 404, error("resource_missing", "No such invoice: 'in_missing'")),
        *(
            interaction("GET", f"{LIST}?limit=x{n}", 400, error("parameter_invalid", f"Invalid limit x{n}."))
            for n in range(4)
        ),
        interaction("GET", f"{LIST}?limit=0&code=parameter_weird", 400, error("parameter_invalid", "Invalid limit 0.")),
        *(interaction("GET", f"{LIST}?limit=", 400, error("parameter_missing", "Missing limit.")) for _ in range(2)),
    ]


def sets(tmp: Path, change: Callable[[list[dict[str, Any]]], None] | None = None) -> tuple[Path, Path]:
    """OLD (run 1) and NEW (run 2, with `change` applied to its interactions) under `tmp`."""
    new = base_set(2)
    if change is not None:
        change(new)
    write_cassette(tmp / "old", "lynkwell", base_set(1))
    write_cassette(tmp / "new", "lynkwell", new)
    return tmp / "old", tmp / "new"


def on_invoices(edit: Callable[[dict[str, Any]], None]) -> Callable[[list[dict[str, Any]]], None]:
    """A change applied to every invoice in every 200 response of the set."""

    def change(interactions: list[dict[str, Any]]) -> None:
        for item in interactions:
            response = item["response"]
            if response["status"]["code"] != 200:
                continue
            body = json.loads(response["body"]["string"])
            data = body["data"]
            for inv in data.get("items", [data]):
                edit(inv)
            response["body"]["string"] = json.dumps(body)

    return change


def drift_in(tmp: Path, change: Callable[[list[dict[str, Any]]], None] | None) -> tuple[int, list[dict[str, Any]]]:
    old, new = sets(tmp, change)
    result, findings = run_drift(old, new, "--report-dir", tmp / "reports")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, findings


def test_different_ids_timestamps_and_amounts_are_not_drift(in_tmp: Path) -> None:
    code, findings = drift_in(in_tmp, None)
    assert findings == []
    assert code == 0


def _retype(inv: dict[str, Any]) -> None:
    inv["totalPaymentAttempts"] = str(inv["totalPaymentAttempts"])


def _sometimes_without_period_end(interactions: list[dict[str, Any]]) -> None:
    body = json.loads(interactions[0]["response"]["body"]["string"])
    del body["data"]["items"][0]["periodEnd"]
    interactions[0]["response"]["body"]["string"] = json.dumps(body)


# change, pointer of the finding (list operation), severity, words of its message
BODY_CHANGES: dict[str, tuple[Callable[[list[dict[str, Any]]], None], str, str, str]] = {
    "removed": (on_invoices(lambda i: i.pop("periodEnd")), "/data/items/*/periodEnd", "breaking", "no longer has"),
    "retyped": (on_invoices(_retype), "/data/items/*/totalPaymentAttempts", "breaking", "as string"),
    "null": (on_invoices(lambda i: i.update(network=None)), "/data/items/*/network", "breaking", "returns null"),
    "added": (on_invoices(lambda i: i.update(amountDue=0)), "/data/items/*/amountDue", "non_breaking", "new field"),
    "enum value": (
        on_invoices(lambda i: i.update(status="PAYMENT_FAILED")),
        "/data/items/*/status",
        "breaking",
        "'PAYMENT_FAILED' the spec does not list",
    ),
    "became optional": (_sometimes_without_period_end, "/data/items/*/periodEnd", "breaking", "sometimes omits"),
}


@pytest.mark.parametrize("name", BODY_CHANGES)
def test_each_body_change_is_named_at_its_pointer_and_classified(in_tmp: Path, name: str) -> None:
    change, pointer, severity, words = BODY_CHANGES[name]
    code, findings = drift_in(in_tmp, change)
    on_list = [f for f in findings if f["operation"] == "listInvoices"]
    assert [(f["pointer"], f["severity"]) for f in on_list] == [(pointer, severity)]
    assert words in on_list[0]["message"]
    assert {f["pointer"].rsplit("/", 1)[-1] for f in findings} == {pointer.rsplit("/", 1)[-1]}
    assert code == (1 if severity == "breaking" else 0)


def test_a_finding_carries_old_new_and_the_interaction_that_shows_it(in_tmp: Path) -> None:
    _, findings = drift_in(in_tmp, on_invoices(_retype))
    finding = next(f for f in findings if f["operation"] == "getInvoice")
    assert finding["kind"] == "drift"
    assert finding["source"] == "replay"
    assert finding["pointer"] == "/data/totalPaymentAttempts"
    assert finding["expected"] == "integer"
    assert finding["observed"] == "string"
    assert finding["message"].endswith(".")
    assert finding["message"].count(".") == 1  # one sentence
    evidence = finding["evidence"]
    assert evidence["cassette"] == "new/lynkwell/engine/cassette.yaml"  # relative to the working directory
    shown = yaml.safe_load((in_tmp / evidence["cassette"]).read_text())["interactions"][evidence["interaction"]]
    assert isinstance(json.loads(shown["response"]["body"]["string"])["data"]["totalPaymentAttempts"], str)
    assert evidence["status"] == 200
    assert evidence["curl"].startswith("curl -X GET ")


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda i: i.update(pdfUrl=None), id="null where the spec allows it"),
        pytest.param(lambda i: i.update(status="VOID"), id="an enum value the spec lists"),
        pytest.param(lambda i: i.update(subTotal=i["subTotal"] + 0.5), id="decimals in a number field"),
        pytest.param(lambda i: i.update(invoiceItems=["line"]), id="items in a list that was empty"),
    ],
)
def test_variation_the_spec_documents_is_not_drift(in_tmp: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    code, findings = drift_in(in_tmp, on_invoices(edit))
    assert findings == []
    assert code == 0


def test_envelope_changes_report_the_top_of_what_changed(in_tmp: Path) -> None:
    def rename_items(interactions: list[dict[str, Any]]) -> None:
        for item in interactions[:3]:
            body = json.loads(item["response"]["body"]["string"])
            body["data"]["results"] = body["data"].pop("items")
            del body["data"]["hasMore"]
            item["response"]["body"]["string"] = json.dumps(body)

    code, findings = drift_in(in_tmp, rename_items)
    shown = {(f["pointer"], f["severity"]) for f in findings}
    assert shown == {
        ("/data/items", "breaking"),
        ("/data/hasMore", "breaking"),
        ("/data/results", "non_breaking"),
    }
    assert code == 1


def test_a_body_that_is_no_longer_json_is_a_type_change_of_the_whole_body(in_tmp: Path) -> None:
    def text(interactions: list[dict[str, Any]]) -> None:
        interactions[3]["response"]["body"]["string"] = "<html>maintenance</html>"
        interactions[4]["response"]["body"]["string"] = "<html>maintenance</html>"

    _, findings = drift_in(in_tmp, text)
    assert [(f["operation"], f["pointer"], f["severity"], f["observed"]) for f in findings] == [
        ("getInvoice", "", "breaking", "text")
    ]


def test_low_cardinality_codes_are_compared_by_value_but_echoed_input_is_not(in_tmp: Path) -> None:
    def new_codes(interactions: list[dict[str, Any]]) -> None:
        for item in interactions:
            uri = item["request"]["uri"]
            if uri.endswith(("limit=x0", "limit=x1")):
                item["response"]["body"]["string"] = json.dumps(error("limit_out_of_range", "Too small."))
            if uri.endswith("code=parameter_weird"):
                # Echoing what the client sent is input, not the provider's vocabulary.
                item["response"]["body"]["string"] = json.dumps(error("parameter_weird", "Echo."))

    code, findings = drift_in(in_tmp, new_codes)
    assert [(f["pointer"], f["severity"]) for f in findings] == [("/error/code", "non_breaking")]
    assert "'limit_out_of_range'" in findings[0]["message"]
    assert "parameter_weird" not in findings[0]["message"]
    assert code == 0


def test_values_met_only_on_requests_the_other_run_did_not_send_are_not_drift(in_tmp: Path) -> None:
    def other_requests(interactions: list[dict[str, Any]]) -> None:
        interactions.extend(
            interaction("GET", f"{LIST}?limit=-{n}", 400, error("limit_out_of_range", "Too small.")) for n in range(3)
        )
        interactions.append(interaction("GET", f"{LIST}/in_gone", 410, error("resource_gone", "Gone.")))

    code, findings = drift_in(in_tmp, other_requests)
    assert findings == []
    assert code == 0


def test_statuses_content_types_and_headers_that_appear_or_vanish(in_tmp: Path) -> None:
    def change(interactions: list[dict[str, Any]]) -> None:
        for item in interactions:
            if item["response"]["status"]["code"] == 404:
                item["response"]["status"]["code"] = 410  # getInvoice: 404 vanished, 410 appeared
            if item["request"]["uri"].endswith("limit=2"):
                item["response"]["headers"]["Content-Type"] = ["application/problem+json"]
            item["response"]["headers"]["X-Request-Id"] = ["req_1"]

    _, findings = drift_in(in_tmp, change)
    by_op = {f["operation"]: f for f in findings}
    assert set(by_op) == {"getInvoice", "listInvoices"}
    assert all(f["pointer"] == "" for f in findings)
    get = by_op["getInvoice"]
    assert get["severity"] == "non_breaking"  # error statuses and a new header break nobody
    assert "no longer returns status 404" in get["message"]
    assert "now returns status 410" in get["message"]
    assert "x-request-id" in get["message"]
    listed = by_op["listInvoices"]
    assert listed["severity"] == "non_breaking"  # application/json is still sent for the other 200s
    assert "labels its responses application/problem+json" in listed["message"]


def test_a_vanished_success_status_is_breaking(in_tmp: Path) -> None:
    def accepted(interactions: list[dict[str, Any]]) -> None:
        for item in interactions:
            if item["response"]["status"]["code"] == 200:
                item["response"]["status"]["code"] = 202

    code, findings = drift_in(in_tmp, accepted)
    assert {(f["operation"], f["pointer"], f["severity"]) for f in findings} == {
        ("getInvoice", "", "breaking"),
        ("listInvoices", "", "breaking"),
    }
    assert all("no longer returns status 200; now returns status 202." in f["message"] for f in findings)
    assert all(f["expected"].startswith("statuses 200") for f in findings)
    assert code == 1


# -- usage errors: exit 2, one sentence, no traceback ---------------------------------------------------


def _usage_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("error: ")
    return result.output


def test_a_missing_directory_is_a_usage_error(in_tmp: Path) -> None:
    old, _ = sets(in_tmp)
    result, _ = run_drift(old, in_tmp / "nowhere", "--report-dir", in_tmp / "reports")
    assert "nowhere does not exist" in _usage_error(result)


def test_a_directory_without_cassettes_is_a_usage_error(in_tmp: Path) -> None:
    old, _ = sets(in_tmp)
    (in_tmp / "empty").mkdir()
    result, _ = run_drift(old, in_tmp / "empty", "--report-dir", in_tmp / "reports")
    assert "no cassettes under" in _usage_error(result)


def test_a_corrupt_cassette_is_a_usage_error(in_tmp: Path) -> None:
    old, new = sets(in_tmp)
    (new / "lynkwell" / "engine" / "cassette.yaml").write_text("interactions: [unclosed\n")
    result, _ = run_drift(old, new, "--report-dir", in_tmp / "reports")
    assert "is corrupt" in _usage_error(result)


def test_an_interaction_without_status_is_a_usage_error(in_tmp: Path) -> None:
    broken = copy.deepcopy(base_set(2))
    del broken[0]["response"]["status"]
    write_cassette(in_tmp / "old", "lynkwell", base_set(1))
    write_cassette(in_tmp / "new", "lynkwell", broken)
    result, _ = run_drift(in_tmp / "old", in_tmp / "new", "--report-dir", in_tmp / "reports")
    assert "interaction 0" in _usage_error(result)


def test_an_unknown_provider_directory_is_a_usage_error(in_tmp: Path) -> None:
    old, _ = sets(in_tmp)
    write_cassette(in_tmp / "other", "acmepay", base_set(2))
    result, _ = run_drift(old, in_tmp / "other", "--report-dir", in_tmp / "reports")
    assert "unknown provider 'acmepay'" in _usage_error(result)


def test_spec_files_without_spec_flag_is_a_usage_error(in_tmp: Path) -> None:
    spec = in_tmp / "a.yaml"
    spec.write_text("openapi: 3.1.0\n")
    result, _ = run_drift(spec, spec, "--report-dir", in_tmp / "reports")
    assert "pass --spec" in _usage_error(result)


def test_an_accepted_change_in_a_baseline_no_longer_fails_the_job(in_tmp: Path) -> None:
    old, new = sets(in_tmp, on_invoices(_retype))
    result, findings = run_drift(old, new, "--report-dir", in_tmp / "first")
    assert result.exit_code == 1
    accepted = [{"fingerprint": f["fingerprint"], "reason": "Lynkwell ticket LW-1"} for f in findings]
    baseline = in_tmp / "baseline.yaml"
    baseline.write_text(yaml.safe_dump({"version": 1, "accepted": accepted}))
    result, findings = run_drift(old, new, "--report-dir", in_tmp / "second", "--baseline", baseline)
    assert result.exit_code == 0, result.output
    assert findings
    assert all(f["baselined"] for f in findings)


def test_provider_limits_the_comparison(in_tmp: Path) -> None:
    old, new = sets(in_tmp, on_invoices(_retype))
    result, findings = run_drift(old, new, "--provider", "useepay", "--report-dir", in_tmp / "reports")
    assert (result.exit_code, findings) == (0, [])
    result, _ = run_drift(old, new, "--provider", "acmepay", "--report-dir", in_tmp / "reports")
    assert "unknown provider 'acmepay'" in _usage_error(result)
