"""`conformance drift --spec OLD NEW`: each kind of spec change, graded as oasdiff grades it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.drift.rules import RULES
from conformance.spec.resources import specs_dir
from tests.drift.conftest import run_drift

PROVENANCE = {"status": "documented", "sources": [{"url": "https://docs.example/invoices"}]}
JSON = "application/json"


def _json(ref: str) -> dict[str, Any]:
    return {JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json("Error")}


def base_spec() -> dict[str, Any]:
    """A small invoice API with a list, a create, a read and a delete; `lynkwell` is a known provider."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Invoices", "version": "1", "x-provider": "lynkwell"},
        "security": [{"oauth": []}],
        "paths": {
            "/invoices": {
                "get": {
                    "operationId": "listInvoices",
                    "x-provenance": PROVENANCE,
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "paid"]}},
                    ],
                    "responses": {"200": {"description": "A page", "content": _json("InvoiceList")}},
                },
                "post": {
                    "operationId": "createInvoice",
                    "x-provenance": PROVENANCE,
                    "requestBody": {
                        "required": True,
                        "content": {
                            JSON: {
                                "schema": {
                                    "type": "object",
                                    "required": ["amount"],
                                    "properties": {
                                        "amount": {"type": "integer"},
                                        "currency": {"type": "string", "enum": ["usd", "eur"]},
                                        "memo": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Created",
                            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
                            "content": _json("Invoice"),
                        },
                        "400": _error("Invalid"),
                    },
                },
            },
            "/invoices/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {
                    "operationId": "getInvoice",
                    "x-provenance": PROVENANCE,
                    "responses": {
                        "200": {"description": "An invoice", "content": _json("Invoice")},
                        "404": _error("No such"),
                    },
                },
                "delete": {
                    "operationId": "deleteInvoice",
                    "x-provenance": PROVENANCE,
                    "responses": {"204": {"description": "Deleted"}},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://auth.example/token",
                            "scopes": {"invoices:write": "Create invoices"},
                        }
                    },
                },
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
            "schemas": {
                "Invoice": {
                    "type": "object",
                    "required": ["id", "status", "amount"],
                    "properties": {
                        "id": {"type": "string"},
                        "status": {"type": "string", "enum": ["draft", "open", "paid"]},
                        "amount": {"type": "integer"},
                        "memo": {"type": ["string", "null"]},
                        "customer": {"type": "string"},
                    },
                },
                "InvoiceList": {
                    "type": "object",
                    "required": ["data", "has_more"],
                    "properties": {
                        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Invoice"}},
                        "has_more": {"type": "boolean"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}},
                },
            },
        },
    }


Doc = dict[str, Any]
Edit = Callable[[Doc, Doc], None]  # (old, new), both copies of base_spec(), edited in place


def _ops(doc: Doc) -> dict[str, Doc]:
    return {
        op["operationId"]: op
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def _invoice(doc: Doc) -> Doc:
    return doc["components"]["schemas"]["Invoice"]


def _request(doc: Doc) -> Doc:
    return _ops(doc)["createInvoice"]["requestBody"]["content"][JSON]["schema"]


def _param(doc: Doc, name: str) -> Doc:
    return next(p for p in _ops(doc)["listInvoices"]["parameters"] if p["name"] == name)


def _rename_path_parameter(_: Doc, new: Doc) -> None:
    item = new["paths"].pop("/invoices/{id}")
    item["parameters"][0]["name"] = "invoiceId"
    new["paths"]["/invoices/{invoiceId}"] = item


def _deprecate_then_remove(old: Doc, new: Doc) -> None:
    _ops(old)["deleteInvoice"]["deprecated"] = True
    del new["paths"]["/invoices/{id}"]["delete"]


def _make_public(_: Doc, new: Doc) -> None:
    _ops(new)["getInvoice"]["security"] = []


def _lock_public(old: Doc, _: Doc) -> None:
    _ops(old)["getInvoice"]["security"] = [{}]


ON_INVOICES = (("getInvoice", "/{f}"), ("createInvoice", "/{f}"), ("listInvoices", "/data/*/{f}"))


def on_invoice(field: str, severity: str) -> set[tuple[str, str, str]]:
    """The finding expected on every operation returning an invoice, at `field`."""
    return {(op, pointer.format(f=field), severity) for op, pointer in ON_INVOICES}


# name: (edit, expected {(operation, pointer, severity)}, words in one of the messages)
CASES: dict[str, tuple[Edit, set[tuple[str, str, str]], str]] = {
    "nothing": (lambda old, new: None, set(), ""),
    "path parameter renamed": (_rename_path_parameter, set(), ""),
    "operation removed": (
        lambda old, new: new["paths"]["/invoices/{id}"].pop("delete"),
        {("deleteInvoice", "", "breaking")},
        "was removed",
    ),
    "deprecated operation removed": (_deprecate_then_remove, {("deleteInvoice", "", "non_breaking")}, "was removed"),
    "operation added": (
        lambda old, new: new["paths"]["/invoices/{id}"].__setitem__(
            "patch", {**copy.deepcopy(_ops(new)["deleteInvoice"]), "operationId": "updateInvoice"}
        ),
        {("updateInvoice", "", "non_breaking")},
        "was added",
    ),
    "parameter became required": (
        lambda old, new: _param(new, "limit").__setitem__("required", True),
        {("listInvoices", "/parameters/query/limit", "breaking")},
        "requires the query parameter limit",
    ),
    "new required parameter": (
        lambda old, new: _ops(new)["listInvoices"]["parameters"].append(
            {"name": "customer", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        {("listInvoices", "/parameters/query/customer", "breaking")},
        "new required query parameter customer",
    ),
    "new optional parameter": (
        lambda old, new: _ops(new)["listInvoices"]["parameters"].append(
            {"name": "customer", "in": "query", "schema": {"type": "string"}}
        ),
        {("listInvoices", "/parameters/query/customer", "non_breaking")},
        "new optional query parameter customer",
    ),
    "parameter removed": (
        lambda old, new: _ops(new)["listInvoices"]["parameters"].pop(1),
        {("listInvoices", "/parameters/query/status", "breaking")},
        "no longer has the query parameter status",
    ),
    "parameter enum value removed": (
        lambda old, new: _param(new, "status").__setitem__("schema", {"type": "string", "enum": ["open"]}),
        {("listInvoices", "/parameters/query/status", "breaking")},
        "no longer accepts 'paid'",
    ),
    "parameter enum value added": (
        lambda old, new: _param(new, "status")["schema"]["enum"].append("void"),
        {("listInvoices", "/parameters/query/status", "non_breaking")},
        "accepts 'void'",
    ),
    "parameter retyped": (
        lambda old, new: _param(new, "limit").__setitem__("schema", {"type": "string"}),
        {("listInvoices", "/parameters/query/limit", "breaking")},
        "as string (was integer)",
    ),
    "parameter widened": (
        lambda old, new: _param(new, "limit").__setitem__("schema", {"type": "number"}),
        {("listInvoices", "/parameters/query/limit", "non_breaking")},
        "as number (was integer)",
    ),
    "new required request field": (
        lambda old, new: (
            _request(new)["properties"].__setitem__("customer", {"type": "string"}),
            _request(new)["required"].append("customer"),
        ),
        {("createInvoice", "/requestBody/customer", "breaking")},
        "new required request field /customer",
    ),
    "new optional request field": (
        lambda old, new: _request(new)["properties"].__setitem__("customer", {"type": "string"}),
        {("createInvoice", "/requestBody/customer", "non_breaking")},
        "new optional request field /customer",
    ),
    "request field became required": (
        lambda old, new: _request(new)["required"].append("memo"),
        {("createInvoice", "/requestBody/memo", "breaking")},
        "requires request field /memo (application/json)",
    ),
    "request field removed": (
        lambda old, new: _request(new)["properties"].pop("memo"),
        {("createInvoice", "/requestBody/memo", "breaking")},
        "no longer has request field /memo (application/json)",
    ),
    "request enum value removed": (
        lambda old, new: _request(new)["properties"]["currency"].__setitem__("enum", ["usd"]),
        {("createInvoice", "/requestBody/currency", "breaking")},
        "no longer accepts 'eur'",
    ),
    "request enum value added": (
        lambda old, new: _request(new)["properties"]["currency"]["enum"].append("gbp"),
        {("createInvoice", "/requestBody/currency", "non_breaking")},
        "accepts 'gbp'",
    ),
    "request body became required": (
        lambda old, new: _ops(old)["createInvoice"]["requestBody"].__setitem__("required", False),
        {("createInvoice", "/requestBody", "breaking")},
        "requires its request body",
    ),
    "required response field removed": (
        lambda old, new: (_invoice(new)["properties"].pop("amount"), _invoice(new)["required"].remove("amount")),
        on_invoice("amount", "breaking"),
        "no longer documents the required field",
    ),
    "optional response field removed": (
        lambda old, new: _invoice(new)["properties"].pop("customer"),
        on_invoice("customer", "non_breaking"),
        "no longer documents the optional field",
    ),
    "response field retyped": (
        lambda old, new: _invoice(new)["properties"].__setitem__("amount", {"type": "string"}),
        on_invoice("amount", "breaking"),
        "as string",
    ),
    "response field became nullable": (
        lambda old, new: _invoice(new)["properties"].__setitem__("amount", {"type": ["integer", "null"]}),
        on_invoice("amount", "breaking"),
        "allows null",
    ),
    "response field became optional": (
        lambda old, new: _invoice(new)["required"].remove("status"),
        on_invoice("status", "breaking"),
        "optional",
    ),
    "response field added": (
        lambda old, new: _invoice(new)["properties"].__setitem__("due_date", {"type": "string"}),
        on_invoice("due_date", "non_breaking"),
        "documents a new optional field /due_date",
    ),
    "response enum value added": (
        lambda old, new: _invoice(new)["properties"]["status"]["enum"].append("void"),
        on_invoice("status", "breaking"),
        "may return 'void'",
    ),
    "response enum value removed": (
        lambda old, new: _invoice(new)["properties"]["status"]["enum"].remove("draft"),
        on_invoice("status", "non_breaking"),
        "no longer returns 'draft'",
    ),
    "success status removed": (
        lambda old, new: _ops(new)["createInvoice"]["responses"].__setitem__(
            "200", _ops(new)["createInvoice"]["responses"].pop("201")
        ),
        {("createInvoice", "", "breaking")},
        "no longer documents status 201; documents status 200",
    ),
    "error status removed": (
        lambda old, new: _ops(new)["getInvoice"]["responses"].pop("404"),
        {("getInvoice", "", "non_breaking")},
        "no longer documents status 404",
    ),
    "error status added": (
        lambda old, new: _ops(new)["getInvoice"]["responses"].__setitem__("409", _error("Conflict")),
        {("getInvoice", "", "non_breaking")},
        "documents status 409",
    ),
    "response media type removed": (
        lambda old, new: _ops(new)["getInvoice"]["responses"]["200"].__setitem__(
            "content", {"application/xml": {"schema": {"type": "string"}}}
        ),
        {("getInvoice", "", "breaking")},
        "no longer returns application/json for status 200",
    ),
    "operationId changed": (
        lambda old, new: _ops(new)["getInvoice"].__setitem__("operationId", "retrieveInvoice"),
        {("retrieveInvoice", "", "non_breaking")},
        "was getInvoice",
    ),
    "parameter became optional": (
        lambda old, new: _param(old, "limit").__setitem__("required", True),
        {("listInvoices", "/parameters/query/limit", "non_breaking")},
        "no longer requires the query parameter limit",
    ),
    "parameter became an enum": (
        lambda old, new: _param(new, "limit").__setitem__("schema", {"type": "integer", "enum": [10, 100]}),
        {("listInvoices", "/parameters/query/limit", "breaking")},
        "accepts only 10, 100",
    ),
    "request body removed": (
        lambda old, new: _ops(new)["createInvoice"].pop("requestBody"),
        {("createInvoice", "/requestBody", "breaking")},
        "no longer takes a request body",
    ),
    "request field became nullable": (
        lambda old, new: _request(new)["properties"].__setitem__("memo", {"type": ["string", "null"]}),
        {("createInvoice", "/requestBody/memo", "non_breaking")},
        "accepts null",
    ),
    "request field became not nullable": (
        lambda old, new: _request(old)["properties"].__setitem__("memo", {"type": ["string", "null"]}),
        {("createInvoice", "/requestBody/memo", "breaking")},
        "no longer accepts null",
    ),
    "response field became required": (
        lambda old, new: _invoice(new)["required"].append("customer"),
        on_invoice("customer", "non_breaking"),
        "required",
    ),
    "response field narrowed": (
        lambda old, new: _invoice(old)["properties"].__setitem__("customer", {"type": ["string", "integer"]}),
        on_invoice("customer", "non_breaking"),
        "as string",
    ),
    # oasdiff grades this WARN: clients may rely on a documented header even when it is optional.
    "optional response header removed": (
        lambda old, new: _ops(old)["getInvoice"]["responses"]["200"].__setitem__(
            "headers", {"X-Request-Id": {"schema": {"type": "string"}}}
        ),
        {("getInvoice", "", "breaking")},
        "no longer documents the x-request-id header",
    ),
    "response header added": (
        lambda old, new: _ops(new)["getInvoice"]["responses"]["200"].__setitem__(
            "headers", {"X-Request-Id": {"schema": {"type": "string"}}}
        ),
        {("getInvoice", "", "non_breaking")},
        "documents a new x-request-id header",
    ),
    "scope removed": (
        lambda old, new: _ops(old)["createInvoice"].__setitem__("security", [{"oauth": ["invoices:write"]}]),
        {("createInvoice", "/security", "non_breaking")},
        "no longer requires the invoices:write scope",
    ),
    "alternative credentials accepted": (
        lambda old, new: new.__setitem__("security", [{"oauth": []}, {"apiKey": []}]),
        {(op, "/security", "non_breaking") for op in ("listInvoices", "createInvoice", "getInvoice", "deleteInvoice")},
        "also accepts apiKey credentials",
    ),
    "required response header removed": (
        lambda old, new: _ops(new)["createInvoice"]["responses"]["201"].pop("headers"),
        {("createInvoice", "", "breaking")},
        "no longer documents the location header",
    ),
    "security scheme switched": (
        lambda old, new: new.__setitem__("security", [{"apiKey": []}]),
        {(op, "/security", "breaking") for op in ("listInvoices", "createInvoice", "getInvoice", "deleteInvoice")},
        "no longer accepts oauth credentials; also accepts apiKey credentials",
    ),
    "scope added": (
        lambda old, new: _ops(new)["createInvoice"].__setitem__("security", [{"oauth": ["invoices:write"]}]),
        {("createInvoice", "/security", "breaking")},
        "requires the invoices:write scope of oauth",
    ),
    # Once anonymous calls are accepted, no client can be refused (oasdiff: INFO).
    "operation became public": (
        _make_public,
        {("getInvoice", "/security", "non_breaking")},
        "accepts calls without credentials",
    ),
    "public operation requires credentials": (
        _lock_public,
        {("getInvoice", "/security", "breaking")},
        "now requires credentials",
    ),
    "security scheme redefined": (
        lambda old, new: new["components"]["securitySchemes"]["oauth"]["flows"]["clientCredentials"].__setitem__(
            "tokenUrl", "https://auth.example/v2/token"
        ),
        # oasdiff grades every change of components.securitySchemes INFO.
        {
            (op, "/security/oauth", "non_breaking")
            for op in ("listInvoices", "createInvoice", "getInvoice", "deleteInvoice")
        },
        "clientCredentials tokenUrl is now https://auth.example/v2/token",
    ),
}


def _write(path: Path, doc: Doc) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.mark.parametrize("case", CASES)
def test_each_spec_change_is_reported_and_classified_like_oasdiff(tmp_path: Path, case: str) -> None:
    edit, expected, words = CASES[case]
    old, new = base_spec(), base_spec()
    edit(old, new)
    result, findings = run_drift(
        "--spec", _write(tmp_path / "old.yaml", old), _write(tmp_path / "new.yaml", new), "--report-dir", tmp_path
    )
    assert {(f["operation"], f["pointer"], f["severity"]) for f in findings} == expected, result.output
    assert all(f["kind"] == "drift" and f["source"] == "documentation" for f in findings)
    if words:
        assert any(words in f["message"] for f in findings), [f["message"] for f in findings]
    breaking = any(severity == "breaking" for _, _, severity in expected)
    assert result.exit_code == (1 if breaking else 0), result.output


def test_an_invalid_spec_is_a_usage_error(tmp_path: Path) -> None:
    broken = base_spec()
    del broken["paths"]["/invoices"]["get"]["parameters"][0]["in"]
    result, _ = run_drift(
        "--spec",
        _write(tmp_path / "old.yaml", base_spec()),
        _write(tmp_path / "new.yaml", broken),
        "--report-dir",
        tmp_path,
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: spec file ")
    assert "parameter limit of GET /invoices needs a name and an `in`" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_missing_spec_is_a_usage_error(tmp_path: Path) -> None:
    result, _ = run_drift(
        "--spec", _write(tmp_path / "old.yaml", base_spec()), tmp_path / "gone.yaml", "--report-dir", tmp_path
    )
    assert result.exit_code == 2
    assert "gone.yaml does not exist" in result.output


def test_any_provider_s_spec_is_compared(tmp_path: Path) -> None:
    old, new = base_spec(), base_spec()
    for doc in (old, new):
        doc["info"]["x-provider"] = "acmepay"
    _invoice(new)["properties"].pop("customer")
    result, findings = run_drift(
        "--spec", _write(tmp_path / "old.yaml", old), _write(tmp_path / "new.yaml", new), "--report-dir", tmp_path
    )
    assert result.exit_code == 0, result.output
    assert {f["provider"] for f in findings} == {"acmepay"}
    assert {f["check"] for f in findings} == {"response-optional-property-removed"}


def test_every_rule_is_graded_breaking_or_non_breaking() -> None:
    assert {rule.severity.value for rule in RULES.values()} == {"breaking", "non_breaking"}


def test_the_shipped_specs_diff_cleanly_against_themselves(tmp_path: Path) -> None:
    for spec in sorted(specs_dir().glob("*.yaml")):
        result, findings = run_drift("--spec", spec, spec, "--report-dir", tmp_path)
        assert (result.exit_code, findings) == (0, []), result.output
