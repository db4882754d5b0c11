"""The run's id in the provider's own metadata: `metadata[conformance_run]=<run id>` added on the wire to every
create whose documented body has a `metadata` object, so that `conformance cleanup` finds what a run left by
listing, even an object the ledger never heard of (created in the instant between the answer and its line).

The tag is the transport's (conformance.http.transport `prepare`): the request the engine and the workflows
judge is the one they wrote, so no check ever sees the key. It is added only where it cannot change what the
request means: a body whose `metadata` is absent or an object without the key, or no body where none is
required. A body that is not an object, or whose `metadata` is something else, or no body where one is
required (cases generated as invalid) goes as it was written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests

from conformance.core import pointers
from conformance.providers.base import Provider
from conformance.spec.specs import Operation

TAG = "conformance_run"
FORM = "application/x-www-form-urlencoded"


def tagged_creates(provider: Provider) -> frozenset[str]:
    """operationIds of the creates (POST to a collection) whose request body documents a `metadata` object."""
    found = set()
    for operation in provider.spec.operations.values():
        if operation.method == "POST" and "{" not in operation.path and _has_metadata(provider, operation):
            found.add(operation.operation_id)
    return frozenset(found)


def _has_metadata(provider: Provider, operation: Operation) -> bool:
    body = provider.spec.resolve(operation.pointer).get("requestBody") or {}
    content = body.get("content") if isinstance(body, dict) else None
    for media_type in content or {}:
        at = operation.pointer + pointers.join("requestBody", "content", media_type, "schema")
        schema = provider.spec.resolve(at)
        if isinstance(schema, dict) and isinstance((schema.get("properties") or {}).get("metadata"), dict):
            return True
    return False


def _body_required(provider: Provider, operation: Operation) -> bool:
    body = provider.spec.resolve(operation.pointer).get("requestBody") or {}
    if isinstance(body, dict) and "$ref" in body:
        body = provider.spec.resolve(str(body["$ref"]).removeprefix("#"))
    return isinstance(body, dict) and body.get("required") is True


def tagger(provider: Provider, run_id: str) -> Callable[[requests.PreparedRequest], requests.PreparedRequest]:
    """The request as it goes on the wire: with the run's tag when it creates an object that has metadata."""
    creates = tagged_creates(provider)
    required = frozenset(o for o in creates if _body_required(provider, provider.spec.operations[o]))

    def prepare(request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.method != "POST" or request.url is None or not creates:
            return request
        operation = provider.spec.operation_at("POST", request.url)
        if operation is None or operation.operation_id not in creates:
            return request
        given: Any = request.body  # the stubs say str | bytes; a file-like (streamed) body is sent as it is
        raw = given.encode("utf-8") if isinstance(given, str) else given
        if raw is not None and not isinstance(raw, bytes):
            return request
        if not (raw or b"").strip() and operation.operation_id in required:
            return request  # an absent required body (a case generated as invalid): a tagged one would be valid
        content_type = str(request.headers.get("Content-Type") or "").lower()
        body = tagged_body(raw or b"", run_id, form=FORM in content_type)
        if body is None:
            return request
        sent = request.copy()
        sent.body = body
        sent.headers["Content-Length"] = str(len(body))
        if not content_type:
            sent.headers["Content-Type"] = "application/json"
        return sent

    return prepare


def tagged_body(raw: bytes, run_id: str, *, form: bool) -> bytes | None:
    """`raw` with the tag, or None where adding it could change what the body means."""
    if form:
        return _tagged_form(raw, run_id)
    return _tagged_json(raw, run_id)


def _tagged_form(raw: bytes, run_id: str) -> bytes | None:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        return None
    keys = [key for key, _ in pairs]
    key = f"metadata[{TAG}]"
    if any(k == "metadata" or (k.startswith("metadata") and not k.startswith("metadata[")) for k in keys):
        return None  # metadata written as a scalar: a case generated as invalid
    if key in keys:
        return None
    pair = urlencode([(key, run_id)], safe="[]").encode("ascii")
    return raw + b"&" + pair if raw else pair


def _tagged_json(raw: bytes, run_id: str) -> bytes | None:
    if not raw.strip():
        return json.dumps({"metadata": {TAG: run_id}}).encode("utf-8")
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    metadata = value.get("metadata")
    if metadata is None and "metadata" not in value:
        # Inserted as text: the rest of the body goes byte for byte as it was written.
        start = raw.index(b"{") + 1
        rest = raw[start:].lstrip()
        separator = b"" if rest.startswith(b"}") else b", "
        return raw[:start] + json.dumps({"metadata": {TAG: run_id}})[1:-1].encode("utf-8") + separator + raw[start:]
    if isinstance(metadata, dict) and TAG not in metadata and not _has_float(value):
        # Integers, strings, booleans and nulls read back exactly: re-serialising cannot change a value.
        return json.dumps({**value, "metadata": {**metadata, TAG: run_id}}).encode("utf-8")
    return None


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def tag_of(body: Any) -> str | None:
    """The run id an object listed by the provider carries, if any."""
    metadata = body.get("metadata") if isinstance(body, dict) else None
    value = metadata.get(TAG) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None
