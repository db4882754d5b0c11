"""Breaking-change detection between two versions of a spec, graded with oasdiff's rules.

Operations are matched by method and path template (parameter names ignored, so renaming `{id}` to
`{invoiceId}` is not a removal) and named by operationId, or `METHOD path` when there is none.
Within an operation: lifecycle (spec_lifecycle), security (spec_security), what the client sends
(spec_requests) and what it receives (spec_responses). Pointers: response body fields use the
body pointer (`/data/status`, as cassette drift does), request body fields
`/requestBody/<field pointer>`, parameters `/parameters/<in>/<name>[/<property pointer>]`, security
`/security`, and operation-level changes (removed, added, statuses, media types, headers) ''. The
top-level `webhooks` are compared by event (spec_webhooks), filed under `webhook <event>`.
"""

from __future__ import annotations

from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.spec_lifecycle import operation_lifecycle, removal_rule
from conformance.drift.spec_loader import SpecDocument
from conformance.drift.spec_requests import parameter_changes, request_body_changes
from conformance.drift.spec_responses import response_changes
from conformance.drift.spec_security import security_changes
from conformance.drift.spec_side import Op, SpecSide
from conformance.drift.spec_webhooks import webhook_changes


def compare_specs(old_spec: SpecDocument, new_spec: SpecDocument) -> list[Change]:
    if old_spec.document == new_spec.document:
        return []  # the same document: nothing to walk
    old, new = SpecSide(old_spec), SpecSide(new_spec)
    old_ops, new_ops = old.operations(), new.operations()
    new_paths = new.path_keys()
    provider = new_spec.provider
    changes: list[Change] = []
    for key in sorted(old_ops.keys() | new_ops.keys()):
        method = key[0]
        if key in old_ops and key in new_ops:
            changes.extend(_operation_changes(provider, method, old, new, old_ops[key], new_ops[key]))
            continue
        op = old_ops.get(key) or new_ops[key]
        make = ChangeMaker(provider, op.operation_id or f"{method} {op.path}", method, op.path, _doc_ref(op))
        if key in old_ops:
            prefix = "api" if key[1] in new_paths else "api-path"
            rule, how = removal_rule(op.node, prefix)
            changes.append(make(rule, "", "operation present", "operation absent", f"was removed {how}"))
        else:
            changes.append(make("endpoint-added", "", "operation absent", "operation present", "was added"))
    changes.extend(webhook_changes(provider, old, new))
    return changes


def _doc_ref(op: Op) -> str:
    provenance = op.node.get("x-provenance")
    for source in (provenance.get("sources") or []) if isinstance(provenance, dict) else []:
        if isinstance(source, dict) and (source.get("url") or source.get("seed")):
            return str(source.get("url") or source.get("seed"))
    docs = op.node.get("externalDocs")
    return str(docs.get("url") or "") if isinstance(docs, dict) else ""


def _operation_changes(
    provider: str, method: str, old: SpecSide, new: SpecSide, old_op: Op, new_op: Op
) -> list[Change]:
    name = new_op.operation_id or old_op.operation_id or f"{method} {new_op.path}"
    make = ChangeMaker(provider, name, method, new_op.path, _doc_ref(new_op))
    changes: list[Change] = []
    if old_op.operation_id != new_op.operation_id:
        if old_op.operation_id:
            clause = f"has the operationId {new_op.operation_id or '(none)'}, was {old_op.operation_id}"
            changes.append(make("api-operation-id-removed", "", old_op.operation_id, new_op.operation_id, clause))
        else:
            changes.append(make("api-operation-id-added", "", "", new_op.operation_id, f"has the operationId {name}"))
    changes.extend(operation_lifecycle(make, old_op.node, new_op.node))
    changes.extend(security_changes(make, old, new, old_op.node, new_op.node))
    changes.extend(parameter_changes(make, old, new, old_op, new_op))
    changes.extend(request_body_changes(make, old, new, old_op.node, new_op.node))
    changes.extend(response_changes(make, old, new, old_op.node, new_op.node))
    return changes


def compare_files(old: Any, new: Any) -> list[Change]:
    """Convenience for tests and benchmarks: two paths."""
    from conformance.drift.spec_loader import load_document

    return compare_specs(load_document(old), load_document(new))
