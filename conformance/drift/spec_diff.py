"""Breaking-change detection between two versions of a spec, graded with oasdiff's rules.

Operations are matched by method and path template (parameter names ignored, so renaming `{id}` to
`{invoiceId}` is not a removal). Within an operation: security (spec_security), what the client
sends (spec_requests) and what it receives (spec_responses). Pointers: response body fields use the
body pointer (`/data/status`, as cassette drift does), request body fields
`/requestBody/<field pointer>`, parameters `/parameters/<in>/<name>`, security `/security`, and
operation-level changes (removed, added, statuses, media types, headers) '' for the whole operation.
"""

from __future__ import annotations

from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.spec_requests import parameter_changes, request_body_changes
from conformance.drift.spec_responses import response_changes
from conformance.drift.spec_security import security_changes
from conformance.drift.spec_side import Op, SpecSide
from conformance.specs import Spec


def compare_specs(old_spec: Spec, new_spec: Spec) -> list[Change]:
    old, new = SpecSide(old_spec), SpecSide(new_spec)
    old_ops, new_ops = old.operations(), new.operations()
    changes: list[Change] = []
    for key in sorted(old_ops.keys() | new_ops.keys()):
        method = key[0]
        if key in old_ops and key in new_ops:
            changes.extend(_operation_changes(new_spec.provider, method, old, new, old_ops[key], new_ops[key]))
            continue
        op = old_ops.get(key) or new_ops[key]
        make = ChangeMaker(new_spec.provider, op.operation_id or f"{method} {op.path}", method, op.path, _doc_ref(op))
        if key in old_ops:
            deprecated = op.node.get("deprecated") is True
            rule = "api-removed-with-deprecation" if deprecated else "api-removed-without-deprecation"
            changes.append(make(rule, "", "operation present", "operation absent", "was removed"))
        else:
            changes.append(make("endpoint-added", "", "operation absent", "operation present", "was added"))
    return changes


def _doc_ref(op: Op) -> str:
    provenance: dict[str, Any] = op.node.get("x-provenance") or {}
    for source in provenance.get("sources") or []:
        if isinstance(source, dict) and (source.get("url") or source.get("seed")):
            return str(source.get("url") or source.get("seed"))
    return ""


def _operation_changes(
    provider: str, method: str, old: SpecSide, new: SpecSide, old_op: Op, new_op: Op
) -> list[Change]:
    name = new_op.operation_id or old_op.operation_id or f"{method} {new_op.path}"
    make = ChangeMaker(provider, name, method, new_op.path, _doc_ref(new_op))
    changes: list[Change] = []
    if old_op.operation_id and old_op.operation_id != name:
        changes.append(make("api-operation-id-changed", "", old_op.operation_id, name, f"was {old_op.operation_id}"))
    changes.extend(security_changes(make, old, new, old_op.node, new_op.node))
    changes.extend(parameter_changes(make, old, new, old_op, new_op))
    changes.extend(request_body_changes(make, old, new, old_op.node, new_op.node))
    changes.extend(response_changes(make, old, new, old_op.node, new_op.node))
    return changes
