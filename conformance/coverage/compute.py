"""Contract coverage of one provider, as a pure function of its spec and the exchanges a run saw.

What counts as documented, each item named so that the never-exercised lists read on their own:
- operations: every operationId (`success`: the same, called with a 2xx answer);
- statuses: every documented response status of every operation (`default` excluded; `4XX` ranges count);
- fields: every property reachable from a documented JSON response, once per schema component
  (`Invoice /customer`), or per operation and status for inline schemas;
- enums: every value of every `enum` in those responses;
- parameters: every path, query and header parameter and top-level request body property;
- transitions: lifecycle transitions probed, when a stage reports them (else n/a);
- behaviour: the spec's declared behaviour promises (x-behaviour) probed, when a stage reports them (else n/a).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.core import pointers
from conformance.coverage.exchanges import Exchange, parse_json

# The model moved to coverage.model (reports read it without a spec); re-exported for callers.
from conformance.coverage.model import METRICS as METRICS
from conformance.coverage.model import NOT_DOCUMENTED, Metric, ProviderCoverage
from conformance.spec.schema_paths import Cursor, branches, deref, node_at
from conformance.spec.specs import Operation, Spec
from conformance.spec.webhooks import webhooks_of

_MAX_DEPTH = 40
_PARAMETER_PLACES = ("path", "query", "header")


@dataclass(frozen=True)
class TransitionProbes:
    """What a lifecycle-probing stage reports for one provider: the transitions it knows and those it tried."""

    documented: tuple[str, ...]
    probed: tuple[str, ...]


@dataclass(frozen=True)
class BehaviourProbes:
    """What the behaviour probes report for one provider: the promises its spec declares (keys) and those probed."""

    declared: tuple[str, ...]
    probed: tuple[str, ...]


def compute(
    spec: Spec,
    exchanges: Iterable[Exchange],
    transitions: TransitionProbes | None = None,
    events: Iterable[str] | None = None,
    behaviour: BehaviourProbes | None = None,
) -> ProviderCoverage:
    """Contract coverage of one provider; `events`: the webhook events observed (None: no deliveries were
    received or judged in this run)."""
    exchanges = list(exchanges)
    ops = spec.operations
    by_operation: dict[str, list[Exchange]] = {op_id: [] for op_id in ops}
    for exchange in exchanges:
        op = _operation_of(spec, exchange)
        if op is not None:
            by_operation[op.operation_id].append(exchange)
    called = [op_id for op_id, seen in by_operation.items() if seen]
    succeeded = [op_id for op_id, seen in by_operation.items() if any(200 <= e.status < 300 for e in seen)]

    statuses = {f"{op_id} {key}": (op_id, key) for op_id in ops for key in _documented_statuses(spec, ops[op_id])}
    observed_statuses = {
        label
        for label, (op_id, key) in statuses.items()
        if any(_status_matches(key, e.status) for e in by_operation[op_id])
    }

    fields: dict[tuple[str | None, str], None] = {}
    enums: dict[tuple[str | None, str], set[str]] = {}
    visited: set[tuple[str, str | None, str]] = set()
    for op in ops.values():
        for key, schema in _response_schemas(spec, op):
            _enumerate(spec, deref(spec, Cursor(schema, f"{op.operation_id} {key}", "")), fields, enums, visited)
    seen_fields: set[tuple[str | None, str]] = set()
    seen_enums: set[tuple[tuple[str | None, str], str]] = set()
    plans: dict[Cursor, _Plan | None] = {}
    schemas: dict[tuple[str, int], tuple[str, str | None]] = {}
    for op_id, seen in by_operation.items():
        for exchange in seen:
            if (op_id, exchange.status) not in schemas:
                schemas[(op_id, exchange.status)] = _schema_for(spec, ops[op_id], exchange.status)
            key, response_schema = schemas[(op_id, exchange.status)]
            if response_schema is not None and exchange.body is not None:
                cursor = deref(spec, Cursor(response_schema, f"{op_id} {key}", ""))
                _observe(spec, cursor, exchange.body, seen_fields, seen_enums, 0, plans)

    parameters = {
        f"{op_id} {place}:{name}": (op_id, place, name)
        for op_id in ops
        for place, name in _parameters(spec, ops[op_id])
    }
    sent = {label for label, item in parameters.items() if _sent(item, by_operation[item[0]])}

    enum_items = {f"{_label(fid)} = {value}": (fid, value) for fid, values in enums.items() for value in sorted(values)}
    metrics = (
        _metric("operations", list(ops), set(called)),
        _metric("success", list(ops), set(succeeded)),
        _metric("statuses", list(statuses), observed_statuses),
        _metric("fields", [_label(f) for f in fields], {_label(f) for f in fields if f in seen_fields}),
        _metric("enums", list(enum_items), {label for label, item in enum_items.items() if item in seen_enums}),
        _metric("parameters", list(parameters), sent),
        _transitions(transitions),
        events_metric(spec, events),
        _behaviour(behaviour),
    )
    return ProviderCoverage(
        provider=spec.provider,
        exchanges=len(exchanges),
        operations=tuple(ops),
        called=tuple(called),
        succeeded=tuple(succeeded),
        metrics=metrics,
    )


def _metric(name: str, documented: list[str], exercised: set[str]) -> Metric:
    return Metric(
        name=name,
        documented=len(documented),
        exercised=sum(1 for item in documented if item in exercised),
        never=tuple(item for item in documented if item not in exercised),
    )


def _transitions(transitions: TransitionProbes | None) -> Metric:
    if transitions is None:
        return Metric("transitions", None, None, note="no lifecycle probing in this run")
    return _metric("transitions", list(dict.fromkeys(transitions.documented)), set(transitions.probed))


def events_metric(spec: Spec, observed: Iterable[str] | None) -> Metric:
    """Documented events observed; "not documented" (never passing) for a provider that declares none."""
    documented = sorted(webhooks_of(spec).events)
    if not documented:
        return Metric("events", None, None, note=NOT_DOCUMENTED)
    if observed is None:
        return Metric("events", None, None, note="no webhook deliveries received or judged in this run")
    seen = set(observed)
    return replace(_metric("events", documented, seen), observed=tuple(e for e in documented if e in seen))


def _behaviour(behaviour: BehaviourProbes | None) -> Metric:
    if behaviour is None:
        return Metric("behaviour", None, None, note="no behaviour probes in this run")
    return _metric("behaviour", list(dict.fromkeys(behaviour.declared)), set(behaviour.probed))


def _label(field_id: tuple[str | None, str]) -> str:
    owner, within = field_id
    return f"{owner} {within}"


def _operation_of(spec: Spec, exchange: Exchange) -> Operation | None:
    if exchange.operation and exchange.operation in spec.operations:
        return spec.operations[exchange.operation]
    return spec.operation_at(exchange.method, urlsplit(exchange.url).path)


# -- statuses ---------------------------------------------------------------------------------------


def _responses(spec: Spec, op: Operation) -> dict[str, Any]:
    responses = (node_at(spec, op.pointer) or {}).get("responses") or {}
    return {str(k): v for k, v in responses.items()}


def _documented_statuses(spec: Spec, op: Operation) -> list[str]:
    return [key for key in _responses(spec, op) if key != "default"]


def _status_matches(key: str, status: int) -> bool:
    if key.isdigit():
        return int(key) == status
    return len(key) == 3 and key[1:].upper() == "XX" and key[0] == str(status)[0]


# -- response fields and enums ----------------------------------------------------------------------


def _response_schemas(spec: Spec, op: Operation) -> list[tuple[str, str]]:
    found = []
    for key in _responses(spec, op):
        schema = _media_schema(spec, op.pointer + pointers.join("responses", key))
        if schema is not None:
            found.append((key, schema))
    return found


def _media_schema(spec: Spec, owner_pointer: str, *, form: bool = False) -> str | None:
    owner = deref(spec, Cursor(owner_pointer, None, "")).pointer
    content = (node_at(spec, owner) or {}).get("content") or {}
    for media_type in content:
        kind = media_type.split(";")[0].strip().lower()
        if (kind.endswith("json") or (form and kind == "application/x-www-form-urlencoded")) and "schema" in content[
            media_type
        ]:
            return owner + pointers.join("content", media_type, "schema")
    return None


def _schema_for(spec: Spec, op: Operation, status: int) -> tuple[str, str | None]:
    responses = _responses(spec, op)
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return key, _media_schema(spec, op.pointer + pointers.join("responses", key))
    return "", None


def _enumerate(
    spec: Spec,
    cursor: Cursor,
    fields: dict[tuple[str | None, str], None],
    enums: dict[tuple[str | None, str], set[str]],
    visited: set[tuple[str, str | None, str]],
    depth: int = 0,
) -> None:
    key = (cursor.pointer, cursor.component, cursor.within)
    node = node_at(spec, cursor.pointer)
    if key in visited or not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    visited.add(key)
    here = (cursor.component, cursor.within)
    if isinstance(node.get("enum"), list):
        enums.setdefault(here, set()).update(_value(v) for v in node["enum"] if v is not None)
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name in properties:
            within = cursor.within + pointers.join(name)
            fields.setdefault((cursor.component, within), None)
            child = deref(spec, Cursor(cursor.pointer + pointers.join("properties", name), cursor.component, within))
            _enumerate(spec, child, fields, enums, visited, depth + 1)
    for keyword in ("items", "additionalProperties"):
        if isinstance(node.get(keyword), dict):
            child = deref(spec, Cursor(f"{cursor.pointer}/{keyword}", cursor.component, cursor.within + "/*"))
            _enumerate(spec, child, fields, enums, visited, depth + 1)
    for branch in branches(spec, cursor):
        _enumerate(spec, branch, fields, enums, visited, depth + 1)


@dataclass(frozen=True)
class _Plan:
    """What observing a value at one schema node needs, computed once per node and run."""

    enum: tuple[Any, ...]
    properties: dict[str, tuple[tuple[str | None, str], Cursor]]  # name -> (field id, schema of its value)
    extra: Cursor | None  # additionalProperties
    items: Cursor | None
    all_of: tuple[Cursor, ...]
    choices: tuple[tuple[Cursor, ...], ...]  # oneOf, anyOf


def _plan(spec: Spec, cursor: Cursor, plans: dict[Cursor, _Plan | None]) -> _Plan | None:
    if cursor in plans:
        return plans[cursor]
    node = node_at(spec, cursor.pointer)
    plan = None
    if isinstance(node, dict):
        found = node.get("properties")
        declared = found if isinstance(found, dict) else {}
        properties = {}
        for name in declared:
            within = cursor.within + pointers.join(name)
            child = Cursor(cursor.pointer + pointers.join("properties", name), cursor.component, within)
            properties[name] = ((cursor.component, within), deref(spec, child))
        extra = items = None
        if isinstance(node.get("additionalProperties"), dict):
            extra = deref(
                spec, Cursor(cursor.pointer + "/additionalProperties", cursor.component, cursor.within + "/*")
            )
        if isinstance(node.get("items"), dict):
            items = deref(spec, Cursor(cursor.pointer + "/items", cursor.component, cursor.within + "/*"))
        plan = _Plan(
            enum=tuple(node["enum"]) if isinstance(node.get("enum"), list) else (),
            properties=properties,
            extra=extra,
            items=items,
            all_of=branches(spec, cursor, ("allOf",)),
            choices=tuple(c for c in (branches(spec, cursor, ("oneOf",)), branches(spec, cursor, ("anyOf",))) if c),
        )
    plans[cursor] = plan
    return plan


def _observe(
    spec: Spec,
    cursor: Cursor,
    value: Any,
    fields: set[tuple[str | None, str]],
    enums: set[tuple[tuple[str | None, str], str]],
    depth: int,
    plans: dict[Cursor, _Plan | None],
) -> None:
    plan = _plan(spec, cursor, plans)
    if plan is None or depth > _MAX_DEPTH:
        return
    if plan.enum and value is not None and not isinstance(value, dict | list) and value in plan.enum:
        enums.add(((cursor.component, cursor.within), _value(value)))
    for branch in plan.all_of:
        _observe(spec, branch, value, fields, enums, depth + 1, plans)
    for choice in plan.choices:
        # The branch the value actually takes: marking fields of another branch would overstate coverage.
        candidates = [b for b in choice if _may_be(spec, b, value)]
        if len(candidates) > 1:
            candidates = [b for b in candidates if spec.validator(b.pointer).is_valid(value)]
        chosen = candidates[0] if candidates else None
        if chosen is not None:
            _observe(spec, chosen, value, fields, enums, depth + 1, plans)
    if isinstance(value, dict):
        for name, item in value.items():
            declared = plan.properties.get(name)
            if declared is not None:
                fields.add(declared[0])
                _observe(spec, declared[1], item, fields, enums, depth + 1, plans)
            elif plan.extra is not None:
                _observe(spec, plan.extra, item, fields, enums, depth + 1, plans)
    if isinstance(value, list) and plan.items is not None:
        for item in value:
            _observe(spec, plan.items, item, fields, enums, depth + 1, plans)


_JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _may_be(spec: Spec, cursor: Cursor, value: Any) -> bool:
    """A cheap first sieve: the branch declares no type, or one the value has (validation decides ties)."""
    node = node_at(spec, cursor.pointer)
    declared = node.get("type") if isinstance(node, dict) else None
    if declared is None:
        return True
    types = {declared} if isinstance(declared, str) else set(declared)
    if value is None:
        return "null" in types
    kind = next(name for cls, name in _JSON_TYPES if isinstance(value, cls))
    return kind in types or (kind == "integer" and "number" in types)


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# -- request parameters -----------------------------------------------------------------------------


def _parameters(spec: Spec, op: Operation) -> list[tuple[str, str]]:
    path_item = pointers.join(*pointers.split(op.pointer)[:-1])
    found: dict[tuple[str, str], None] = {}
    for owner in (path_item, op.pointer):
        for i, _ in enumerate((node_at(spec, owner) or {}).get("parameters") or []):
            parameter = node_at(spec, deref(spec, Cursor(f"{owner}/parameters/{i}", None, "")).pointer) or {}
            place, name = parameter.get("in"), parameter.get("name")
            if place in _PARAMETER_PLACES and isinstance(name, str):
                found.setdefault((place, name), None)
    body = (node_at(spec, op.pointer) or {}).get("requestBody")
    if body is not None:
        schema = _media_schema(spec, op.pointer + "/requestBody", form=True)
        if schema is not None:
            for name in _top_level_properties(spec, deref(spec, Cursor(schema, None, ""))):
                found.setdefault(("body", name), None)
    return list(found)


def _top_level_properties(spec: Spec, cursor: Cursor, depth: int = 0) -> list[str]:
    node = node_at(spec, cursor.pointer)
    if not isinstance(node, dict) or depth > 8:
        return []
    names = list(node.get("properties") or {}) if isinstance(node.get("properties"), dict) else []
    for branch in branches(spec, cursor):
        names += [n for n in _top_level_properties(spec, branch, depth + 1) if n not in names]
    return names


def _sent(item: tuple[str, str, str], exchanges: list[Exchange]) -> bool:
    _, place, name = item
    for exchange in exchanges:
        if place == "path":
            return True  # a call to a templated path fills every path parameter
        if place == "header" and name.lower() in exchange.request_headers:
            return True
        if place == "query" and name in _query_names(exchange.url):
            return True
        if place == "body" and name in _body_names(exchange):
            return True
    return False


def _base_name(name: str) -> str:
    return name.split("[", 1)[0]  # deepObject / form style: metadata[key] is the `metadata` parameter


def _query_names(url: str) -> set[str]:
    return {_base_name(k) for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def _body_names(exchange: Exchange) -> set[str]:
    text = exchange.request_body
    if not text:
        return set()
    parsed = parse_json(text)
    if isinstance(parsed, dict):
        return set(parsed)
    if "form" in exchange.request_content_type.lower():
        return {_base_name(k) for k, _ in parse_qsl(text, keep_blank_values=True)}
    return set()
