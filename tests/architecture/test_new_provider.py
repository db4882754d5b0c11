"""Adding a provider means its spec, its folder and its cassettes, and nothing else.

A throwaway fourth provider ("acme") is built from a tiny spec in a copy of the project in a temporary
directory: nothing outside `specs/acme.yaml` and `conformance/providers/acme/` is touched. The copy
serves its double, records its cassettes, replays them offline with the same findings, scrubs the
credential header its securitySchemes name, lists it, and still keeps the import contracts.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.architecture.conftest import lint_imports
from tests.conftest import ROOT

CANARY = "acme_test_CNRY/+=<&>4"

SPEC = """\
openapi: 3.1.0
info:
  title: Acme API (widgets)
  version: "2026-11-29"
  x-provider: acme
servers:
  - url: https://api.acme.invalid
    x-environment: sandbox
security:
  - AcmeKey: []
paths:
  /v1/widgets:
    post:
      operationId: createWidget
      x-provenance:
        status: documented
        sources:
          - url: https://docs.acme.invalid/widgets/create
            title: Create a widget
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string, minLength: 1, maxLength: 20}
                size: {type: integer, minimum: 0, maximum: 100}
      responses:
        "200": {description: The widget., content: {application/json: {schema: {$ref: "#/components/schemas/Widget"}}}}
        "400": {$ref: "#/components/responses/Error"}
        "401": {$ref: "#/components/responses/Error"}
  /v1/widgets/{id}:
    get:
      operationId: retrieveWidget
      x-provenance:
        status: documented
        sources:
          - url: https://docs.acme.invalid/widgets/retrieve
            title: Retrieve a widget
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, pattern: "^wd_[A-Za-z0-9]+$"}}
      responses:
        "200": {description: The widget., content: {application/json: {schema: {$ref: "#/components/schemas/Widget"}}}}
        "400": {$ref: "#/components/responses/Error"}
        "401": {$ref: "#/components/responses/Error"}
        "404": {$ref: "#/components/responses/Error"}
components:
  securitySchemes:
    AcmeKey: {type: apiKey, in: header, name: x-acme-key}
  responses:
    Error:
      description: An error.
      content:
        application/json:
          schema:
            type: object
            additionalProperties: false
            required: [code, message]
            properties:
              code: {type: string}
              message: {type: string}
  schemas:
    Widget:
      type: object
      additionalProperties: false
      required: [id, object, name, size, status]
      properties:
        id: {type: string}
        object: {const: widget}
        name: {type: string}
        size: {type: integer}
        status: {type: string, enum: [active]}
"""

PROVIDER = '''"""Acme: one header credential."""

from __future__ import annotations

import requests

from conformance.providers.base import Credentials, CredentialVar, Provider

from conformance.http.auth import ProviderAuth


class KeyAuth(ProviderAuth):
    def __init__(self, key: str) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["x-acme-key"] = self._key
        return request


class Acme(Provider):
    name = "acme"
    title = "Acme"
    credential_vars = (CredentialVar("ACME_API_KEY", "acme_test_key"),)

    def auth(self, credentials: Credentials, base_url: str) -> ProviderAuth:
        return KeyAuth(credentials["ACME_API_KEY"])


PROVIDER = Acme()
'''

DOUBLE = '''"""The Acme double: widgets in memory."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from werkzeug.wrappers import Request

from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse, FaultTargets, ProviderDouble


class AcmeDouble(ProviderDouble):
    provider = "acme"
    id_prefixes = {"widget": "wd_"}
    fault_targets = FaultTargets(
        removed_field="name",
        retyped_field="size",
        renamed_field=("name", "title"),
        added_field=("colour", "blue"),
        enum_field=("status", "retired"),
        nullable_field="name",
        total_field="size",
        server_error_operation="createWidget",
    )

    def reset(self) -> None:
        self.widgets: dict[str, JSON] = {}

    def authenticate(self, request: Request) -> bool:
        return request.headers.get("x-acme-key") == self.credentials["ACME_API_KEY"]

    def error_body(self, error: ApiError) -> JSON:
        return {"code": error.code, "message": error.message}

    def invoices_in(self, body: Any) -> Iterator[JSON]:
        return iter(())

    def seed_demo_data(self) -> None:
        self._create({"name": "demo", "size": 1})

    def _create(self, body: JSON) -> JSON:
        widget = {"id": self.new_id("widget"), "object": "widget", "name": body["name"], "size": body.get("size", 0),
                  "status": "active"}
        self.widgets[widget["id"]] = widget
        return widget

    def createWidget(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, copy.deepcopy(self._create(request.body)))

    def retrieveWidget(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, copy.deepcopy(self.require(self.widgets, request.path_params["id"], "widget")))


DOUBLE = AcmeDouble
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with exactly three additions: the spec, the folder, and (recorded below) the cassettes."""
    root = tmp_path_factory.mktemp("four-providers")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "conformance", root / "conformance", ignore=ignore)
    shutil.copytree(ROOT / "specs", root / "specs", ignore=ignore)
    shutil.copy(ROOT / ".importlinter", root / ".importlinter")
    (root / "specs" / "acme.yaml").write_text(SPEC)
    folder = root / "conformance" / "providers" / "acme"
    folder.mkdir()
    (folder / "__init__.py").write_text(PROVIDER)
    (folder / "double.py").write_text(DOUBLE)
    return root


def _conformance(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(project), **(env or {})}
    environment.pop("CONFORMANCE_SPEC_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(project: Path) -> Iterator[str]:
    """`conformance sandbox acme` from the copy: the new provider's double over real HTTP. Its log goes to a
    file: a pipe nobody reads fills up, and a double that logs much (a traceback per request) would hang."""
    port = _free_port()
    environment = {**os.environ, "PYTHONPATH": str(project), "ACME_API_KEY": CANARY}
    log = project / "sandbox.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "sandbox", "acme", "--port", str(port)],
        cwd=project,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the acme double never started"
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
    # The double served every request the tests sent: none of them crashed it.
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def recorded(project: Path, served: str) -> dict[str, object]:
    ran = _conformance(
        project,
        "run", "--target", "record", "--provider", "acme", "--base-url", f"acme={served}",
        "--max-examples", "3", "--report-dir", str(project / "record-reports"),
        env={"ACME_API_KEY": CANARY},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return json.loads((project / "record-reports" / "findings.json").read_text())


def test_the_registry_finds_the_new_folder(project: Path) -> None:
    listed = _conformance(project, "providers", "--provider", "acme")
    assert listed.returncode == 0, listed.stderr
    assert "createWidget" in listed.stdout
    assert "retrieveWidget" in listed.stdout


def test_its_cassettes_are_recorded_scrubbed_and_replay_offline_alike(project: Path, recorded: dict) -> None:
    cassette = project / "cassettes" / "acme" / "engine" / "cassette.yaml"
    assert cassette.is_file()
    text = cassette.read_text()
    # The credential header comes from the spec's securitySchemes, not from a list somewhere else.
    assert "x-acme-key" in text
    assert "REDACTED" in text
    for path in project.rglob("*"):
        if path.is_file() and "conformance" not in path.relative_to(project).parts[:1]:
            assert CANARY.encode() not in path.read_bytes(), path
    replayed = _conformance(project, "run", "--provider", "acme", "--report-dir", str(project / "replay-reports"))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    document = json.loads((project / "replay-reports" / "findings.json").read_text())
    assert document["summary"]["requests"] == recorded["summary"]["requests"] > 0  # type: ignore[index]
    assert sorted(f["fingerprint"] for f in document["findings"]) == sorted(
        f["fingerprint"]
        for f in recorded["findings"]  # type: ignore[attr-defined]
    )
    assert document["summary"]["breaking"] == 0


def test_the_layers_still_hold_with_four_providers(project: Path) -> None:
    linted = lint_imports(project, project / ".importlinter")
    assert linted.returncode == 0, linted.stdout[-3000:] + linted.stderr[-3000:]
