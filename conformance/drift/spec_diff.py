"""Breaking-change detection between two versions of a spec, graded with oasdiff's rules.

Operations are matched by method and path template (parameter names ignored, so renaming `{id}` to
`{invoiceId}` is not a removal). Within an operation: security, parameters, the request body and its
fields, responses (statuses, media types, headers) and response body fields. Pointers: response
body fields use the body pointer (`/data/status`, as cassette drift does), request body fields
`/requestBody/<field pointer>`, parameters `/parameters/<in>/<name>`, security `/security`, and
operation-level changes (removed, added, statuses, media types, headers) '' for the whole operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from conformance.drift.changes import Change
from conformance.drift.schema_facts import FieldFacts, flatten, spec_resolver
from conformance.specs import HTTP_METHODS, Spec

_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


def _path_key(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _is_success(status: str) -> bool:
    return status.upper().startswith("2")


def _listing(values: Any) -> str:
    return ", ".join(str(v) for v in sorted(values, key=str)) or "none"


def _covered(kind: str, types: set[str]) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


class _Op(NamedTuple):
    path: str
    operation_id: str
    node: dict[str, Any]
    item: dict[str, Any]  # the path item, whose parameters apply too


class _Side:
    """One version of the spec, with `$ref`s resolved on demand."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.document = spec.document
        self.resolve_ref = spec_resolver(spec)

    def deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 32:
            node, seen = self.resolve_ref(node["$ref"]), seen + 1
        return node if node is not None else {}

    def operations(self) -> dict[tuple[str, str], _Op]:
        """(METHOD, path template without parameter names) → the operation."""
        found = {}
        for path, item in (self.document.get("paths") or {}).items():
            item = self.deref(item)
            for method in HTTP_METHODS:
                node = item.get(method) if isinstance(item, dict) else None
                if isinstance(node, dict):
                    found[(method.upper(), _path_key(path))] = _Op(path, str(node.get("operationId", "")), node, item)
        return found

    def parameters(self, op: _Op) -> dict[tuple[str, str], dict[str, Any]]:
        """(in, name) → parameter; path parameters are keyed by position, so renaming one is no change."""
        slots = re.findall(r"\{([^}]+)\}", op.path)
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(op.item.get("parameters") or []), *(op.node.get("parameters") or [])]:
            parameter = self.deref(raw)
            if isinstance(parameter, dict) and "name" in parameter:
                location, name = str(parameter.get("in", "")), str(parameter["name"])
                if location == "path" and name in slots:
                    name = f"#{slots.index(name)}"
                merged[(location, name.lower() if location == "header" else name)] = parameter
        return merged

    def security(self, node: dict[str, Any]) -> list[dict[str, list[str]]]:
        requirements = node.get("security", self.document.get("security")) or []
        return [r for r in requirements if isinstance(r, dict)]

    def scheme(self, name: str) -> dict[str, Any]:
        schemes = (self.document.get("components") or {}).get("securitySchemes") or {}
        return self.deref(schemes.get(name)) or {}

    def fields(self, media: dict[str, Any]) -> dict[str, FieldFacts]:
        return flatten(media.get("schema") or {}, self.resolve_ref) if isinstance(media, dict) else {}


def compare_specs(old_spec: Spec, new_spec: Spec) -> list[Change]:
    old, new = _Side(old_spec), _Side(new_spec)
    old_ops, new_ops = old.operations(), new.operations()
    changes: list[Change] = []
    provider = new_spec.provider
    for key in sorted(old_ops.keys() | new_ops.keys()):
        if key in old_ops and key in new_ops:
            changes.extend(_OperationDiff(provider, key[0], old, new, old_ops[key], new_ops[key]).changes())
            continue
        path, op_id, node, _ = old_ops.get(key) or new_ops[key]
        make = _Maker(provider, op_id or f"{key[0]} {path}", key[0], path, _doc_ref(node))
        if key in old_ops:
            deprecated = node.get("deprecated") is True
            rule = "api-removed-with-deprecation" if deprecated else "api-removed-without-deprecation"
            changes.append(make(rule, "", "operation present", "operation absent", "was removed"))
        else:
            changes.append(make("endpoint-added", "", "operation absent", "operation present", "was added"))
    return changes


def _doc_ref(node: dict[str, Any]) -> str:
    provenance = node.get("x-provenance") or {}
    for source in provenance.get("sources") or []:
        if isinstance(source, dict) and (source.get("url") or source.get("seed")):
            return str(source.get("url") or source.get("seed"))
    return ""


class _Maker:
    def __init__(self, provider: str, operation: str, method: str, path: str, doc_ref: str) -> None:
        self.provider, self.operation, self.method, self.path, self.doc_ref = provider, operation, method, path, doc_ref

    def __call__(self, rule: str, pointer: str, old: str, new: str, clause: str, status: int | None = None) -> Change:
        return Change(
            rule=rule,
            provider=self.provider,
            operation=self.operation,
            method=self.method,
            path=self.path,
            pointer=pointer,
            old=old,
            new=new,
            clause=clause,
            status=status,
            doc_ref=self.doc_ref,
        )


class _OperationDiff:
    def __init__(self, provider: str, method: str, old: _Side, new: _Side, old_op: _Op, new_op: _Op) -> None:
        self.old, self.new = old, new
        self.old_op, self.new_op = old_op, new_op
        self.old_node, self.old_id = old_op.node, old_op.operation_id
        self.new_node = new_op.node
        name = new_op.operation_id or old_op.operation_id or f"{method} {new_op.path}"
        self.make = _Maker(provider, name, method, new_op.path, _doc_ref(self.new_node))

    def changes(self) -> Iterator[Change]:
        if self.old_id and self.make.operation != self.old_id:
            yield self.make("api-operation-id-changed", "", self.old_id, self.make.operation, f"was {self.old_id}")
        yield from self._security()
        yield from self._parameters()
        yield from self._request_body()
        yield from self._responses()

    # -- security ------------------------------------------------------------------------------------

    def _security(self) -> Iterator[Change]:
        before, after = self.old.security(self.old_node), self.new.security(self.new_node)

        def anonymous(requirements: list[dict[str, list[str]]]) -> bool:
            return not requirements or any(not r for r in requirements)

        def keyed(requirements: list[dict[str, list[str]]]) -> dict[frozenset[str], dict[str, list[str]]]:
            return {frozenset(r): r for r in requirements if r}

        old_text, new_text = _security_text(before), _security_text(after)
        if anonymous(before) and not anonymous(after):
            yield self.make("api-security-required", "/security", old_text, new_text, "now requires credentials")
        old_keyed, new_keyed = keyed(before), keyed(after)
        for key in sorted(old_keyed.keys() - new_keyed.keys(), key=sorted):
            # oasdiff grades any removed requirement ERR, even when the operation became public.
            clause = f"no longer accepts {' + '.join(sorted(key))} credentials"
            yield self.make("api-security-removed", "/security", old_text, new_text, clause)
        for key in sorted(new_keyed.keys() - old_keyed.keys(), key=sorted):
            if not anonymous(before):
                clause = f"also accepts {' + '.join(sorted(key))} credentials"
                yield self.make("api-security-added", "/security", old_text, new_text, clause)
        for key in sorted(old_keyed.keys() & new_keyed.keys(), key=sorted):
            for scheme in sorted(key):
                old_scopes, new_scopes = set(old_keyed[key][scheme] or ()), set(new_keyed[key][scheme] or ())
                for scope in sorted(new_scopes - old_scopes):
                    clause = f"requires the {scope} scope of {scheme}"
                    yield self.make("api-security-scope-added", "/security", old_text, new_text, clause)
                for scope in sorted(old_scopes - new_scopes):
                    clause = f"no longer requires the {scope} scope of {scheme}"
                    yield self.make("api-security-scope-removed", "/security", old_text, new_text, clause)
        used = {name for r in before for name in r} & {name for r in after for name in r}
        for name in sorted(used):
            old_scheme, new_scheme = (
                _scheme_essentials(self.old.scheme(name)),
                _scheme_essentials(self.new.scheme(name)),
            )
            if old_scheme != new_scheme:
                clause = f"uses a redefined {name} security scheme"
                yield self.make("security-scheme-changed", "/security", str(old_scheme), str(new_scheme), clause)

    # -- parameters ----------------------------------------------------------------------------------

    def _parameters(self) -> Iterator[Change]:
        before, after = self.old.parameters(self.old_op), self.new.parameters(self.new_op)
        for key in sorted(before.keys() | after.keys()):
            old_p, new_p = before.get(key), after.get(key)
            location, name = key[0], str((new_p or old_p or {}).get("name", key[1]))
            pointer = f"/parameters/{location}/{name}"
            label = f"{location} parameter {name}"
            if new_p is None:
                yield self.make("request-parameter-removed", pointer, "present", "absent", f"no longer has the {label}")
                continue
            if old_p is None:
                required = new_p.get("required") is True or location == "path"
                rule = "new-required-request-parameter" if required else "new-optional-request-parameter"
                kind = "required" if required else "optional"
                yield self.make(rule, pointer, "absent", kind, f"has a new {kind} {label}")
                continue
            was, now = old_p.get("required") is True, new_p.get("required") is True
            if not was and now:
                yield self.make(
                    "request-parameter-became-required", pointer, "optional", "required", f"requires the {label}"
                )
            elif was and not now:
                clause = f"no longer requires the {label}"
                yield self.make("request-parameter-became-optional", pointer, "required", "optional", clause)
            old_facts = flatten(old_p.get("schema") or {}, self.old.resolve_ref).get("", FieldFacts())
            new_facts = flatten(new_p.get("schema") or {}, self.new.resolve_ref).get("", FieldFacts())
            yield from self._request_value_changes(pointer, label, old_facts, new_facts, "parameter")

    def _request_value_changes(
        self, pointer: str, label: str, before: FieldFacts, after: FieldFacts, noun: str
    ) -> Iterator[Change]:
        """Type, enum and nullability of something the client sends: narrowing breaks, widening does not."""
        old_types, new_types = before.non_null_types, after.non_null_types
        if old_types and new_types and old_types != new_types:
            widened = all(_covered(t, new_types) for t in old_types)
            rule = f"request-{noun}-type-{'generalized' if widened else 'changed'}"
            clause = f"takes the {label} as {_listing(new_types)} (was {_listing(old_types)})"
            yield self.make(rule, pointer, _listing(old_types), _listing(new_types), clause)
        if before.enum is None and after.enum is not None:
            clause = f"accepts only {_listing(after.enum)} for the {label}"
            yield self.make(f"request-{noun}-became-enum", pointer, "any value", _listing(after.enum), clause)
        elif before.enum is not None and after.enum is not None:
            for value in sorted(set(before.enum) - set(after.enum), key=str):
                clause = f"no longer accepts {value!r} for the {label}"
                yield self.make(
                    f"request-{noun}-enum-value-removed", pointer, _listing(before.enum), _listing(after.enum), clause
                )
            for value in sorted(set(after.enum) - set(before.enum), key=str):
                clause = f"accepts {value!r} for the {label}"
                yield self.make(
                    f"request-{noun}-enum-value-added", pointer, _listing(before.enum), _listing(after.enum), clause
                )
        if noun == "property" and before.nullable != after.nullable:
            rule = "request-property-became-nullable" if after.nullable else "request-property-became-not-nullable"
            clause = f"{'accepts' if after.nullable else 'no longer accepts'} null for the {label}"
            yield self.make(rule, pointer, _nullable(before), _nullable(after), clause)

    # -- request body --------------------------------------------------------------------------------

    def _request_body(self) -> Iterator[Change]:
        before = self.old.deref(self.old_node.get("requestBody")) if "requestBody" in self.old_node else None
        after = self.new.deref(self.new_node.get("requestBody")) if "requestBody" in self.new_node else None
        if before is None and after is None:
            return
        if before is None:
            required = after.get("required") is True  # type: ignore[union-attr]
            rule = "added-required-request-body" if required else "added-optional-request-body"
            kind = "required" if required else "optional"
            yield self.make(rule, "/requestBody", "no body", f"{kind} body", f"takes a new {kind} request body")
            return
        if after is None:
            yield self.make("request-body-removed", "/requestBody", "body", "no body", "no longer takes a request body")
            return
        was, now = before.get("required") is True, after.get("required") is True
        if was != now:
            rule = "request-body-became-required" if now else "request-body-became-optional"
            clause = "requires its request body" if now else "no longer requires its request body"
            yield self.make(rule, "/requestBody", _required(was), _required(now), clause)
        old_media, new_media = before.get("content") or {}, after.get("content") or {}
        for media in sorted(old_media.keys() - new_media.keys()):
            clause = f"no longer accepts {media} request bodies"
            yield self.make(
                "request-body-media-type-removed", "/requestBody", _listing(old_media), _listing(new_media), clause
            )
        for media in sorted(new_media.keys() - old_media.keys()):
            clause = f"accepts {media} request bodies"
            yield self.make(
                "request-body-media-type-added", "/requestBody", _listing(old_media), _listing(new_media), clause
            )
        for media in sorted(old_media.keys() & new_media.keys()):
            if _JSON.match(media.split(";")[0].strip().lower()):
                yield from self._request_fields(self.old.fields(old_media[media]), self.new.fields(new_media[media]))

    def _request_fields(self, before: dict[str, FieldFacts], after: dict[str, FieldFacts]) -> Iterator[Change]:
        reported: list[str] = []
        for field_pointer in sorted(before.keys() | after.keys()):
            if any(field_pointer.startswith(done + "/") for done in reported):
                continue
            old_f, new_f = before.get(field_pointer), after.get(field_pointer)
            if (old_f and old_f.read_only) or (new_f and new_f.read_only):
                continue  # never sent by a client
            pointer = "/requestBody" + field_pointer
            label = f"request field {field_pointer or '(body)'}"
            if old_f is None and new_f is not None:
                rule = "new-required-request-property" if new_f.required else "new-optional-request-property"
                kind = "required" if new_f.required else "optional"
                yield self.make(rule, pointer, "absent", kind, f"has a new {kind} {label}")
                reported.append(field_pointer)
            elif new_f is None and old_f is not None:
                yield self.make("request-property-removed", pointer, "present", "absent", f"no longer has the {label}")
                reported.append(field_pointer)
            elif old_f is not None and new_f is not None:
                if field_pointer and old_f.required != new_f.required:
                    rule = "request-property-became-required" if new_f.required else "request-property-became-optional"
                    clause = f"{'requires' if new_f.required else 'no longer requires'} the {label}"
                    yield self.make(rule, pointer, _required(old_f.required), _required(new_f.required), clause)
                yield from self._request_value_changes(pointer, label, old_f, new_f, "property")

    # -- responses -----------------------------------------------------------------------------------

    def _responses(self) -> Iterator[Change]:
        before = {str(k): self.old.deref(v) for k, v in (self.old_node.get("responses") or {}).items()}
        after = {str(k): self.new.deref(v) for k, v in (self.new_node.get("responses") or {}).items()}
        old_text, new_text = f"statuses {_listing(before)}", f"statuses {_listing(after)}"
        for status in sorted(before.keys() - after.keys()):
            kind = "success" if _is_success(status) else "non-success"
            yield self.make(
                f"response-{kind}-status-removed",
                "",
                old_text,
                new_text,
                f"no longer documents status {status}",
                _int(status),
            )
        for status in sorted(after.keys() - before.keys()):
            kind = "success" if _is_success(status) else "non-success"
            yield self.make(
                f"response-{kind}-status-added", "", old_text, new_text, f"documents status {status}", _int(status)
            )
        for status in sorted(before.keys() & after.keys()):
            yield from self._response(status, before[status], after[status])

    def _response(self, status: str, before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
        code = _int(status)
        old_media, new_media = before.get("content") or {}, after.get("content") or {}
        old_text, new_text = f"{status}: {_listing(old_media)}", f"{status}: {_listing(new_media)}"
        for media in sorted(old_media.keys() - new_media.keys()):
            clause = f"no longer returns {media} for status {status}"
            yield self.make("response-media-type-removed", "", old_text, new_text, clause, code)
        for media in sorted(new_media.keys() - old_media.keys()):
            yield self.make(
                "response-media-type-added", "", old_text, new_text, f"returns {media} for status {status}", code
            )
        old_headers = {str(k).lower(): self.old.deref(v) for k, v in (before.get("headers") or {}).items()}
        new_headers = {str(k).lower(): self.new.deref(v) for k, v in (after.get("headers") or {}).items()}
        for name in sorted(old_headers.keys() - new_headers.keys()):
            required = isinstance(old_headers[name], dict) and old_headers[name].get("required") is True
            rule = "required-response-header-removed" if required else "optional-response-header-removed"
            clause = f"no longer documents the {name} header of status {status}"
            yield self.make(rule, "", f"header {name}", f"no header {name}", clause, code)
        for name in sorted(new_headers.keys() - old_headers.keys()):
            clause = f"documents a new {name} header for status {status}"
            yield self.make("response-header-added", "", f"no header {name}", f"header {name}", clause, code)
        for media in sorted(old_media.keys() & new_media.keys()):
            if _JSON.match(media.split(";")[0].strip().lower()):
                before_fields = self.old.fields(old_media[media])
                after_fields = self.new.fields(new_media[media])
                yield from self._response_fields(status, before_fields, after_fields)

    def _response_fields(
        self, status: str, before: dict[str, FieldFacts], after: dict[str, FieldFacts]
    ) -> Iterator[Change]:
        code = _int(status)
        reported: list[str] = []
        for pointer in sorted(before.keys() | after.keys()):
            if any(pointer.startswith(done + "/") for done in reported):
                continue
            old_f, new_f = before.get(pointer), after.get(pointer)
            if (old_f and old_f.write_only) or (new_f and new_f.write_only):
                continue  # never returned to a client
            shown = pointer or "the body"
            if new_f is None:
                kind = "required" if old_f is not None and old_f.required else "optional"
                clause = f"no longer documents the {kind} field {shown} of its {status} response"
                old_types = _types(old_f) if old_f is not None else "any"
                yield self.make(f"response-{kind}-property-removed", pointer, old_types, "absent", clause, code)
                reported.append(pointer)
                continue
            if old_f is None:
                clause = f"documents a new field {shown} in its {status} response"
                yield self.make("response-property-added", pointer, "absent", _types(new_f), clause, code)
                reported.append(pointer)
                continue
            if pointer and old_f.required != new_f.required:
                rule = "response-property-became-required" if new_f.required else "response-property-became-optional"
                clause = f"makes {shown} {'required' if new_f.required else 'optional'} in its {status} response"
                yield self.make(rule, pointer, _required(old_f.required), _required(new_f.required), clause, code)
            old_types, new_types = old_f.non_null_types, new_f.non_null_types
            if old_types and new_types and old_types != new_types:
                widened = any(not _covered(t, old_types) for t in new_types)
                rule = "response-property-type-changed" if widened else "response-property-type-specialized"
                clause = f"types {shown} as {_listing(new_types)} in its {status} response (was {_listing(old_types)})"
                yield self.make(rule, pointer, _listing(old_types), _listing(new_types), clause, code)
                if widened:
                    reported.append(pointer)
            if old_f.nullable != new_f.nullable:
                rule = (
                    "response-property-became-nullable" if new_f.nullable else "response-property-became-not-nullable"
                )
                clause = (
                    f"{'allows' if new_f.nullable else 'no longer allows'} null for {shown} in its {status} response"
                )
                yield self.make(rule, pointer, _nullable(old_f), _nullable(new_f), clause, code)
            if old_f.enum is not None and new_f.enum is not None:
                old_enum, new_enum = _listing(old_f.enum), _listing(new_f.enum)
                for value in sorted(set(new_f.enum) - set(old_f.enum), key=str):
                    clause = f"may return {value!r} for {shown} in its {status} response"
                    yield self.make("response-property-enum-value-added", pointer, old_enum, new_enum, clause, code)
                for value in sorted(set(old_f.enum) - set(new_f.enum), key=str):
                    clause = f"no longer returns {value!r} for {shown} in its {status} response"
                    yield self.make("response-property-enum-value-removed", pointer, old_enum, new_enum, clause, code)


def _int(status: str) -> int | None:
    return int(status) if status.isdigit() else None


def _types(facts: FieldFacts) -> str:
    return _listing(facts.types) if facts.types else "any"


def _nullable(facts: FieldFacts) -> str:
    return "nullable" if facts.nullable else "not nullable"


def _required(required: bool) -> str:
    return "required" if required else "optional"


def _security_text(requirements: list[dict[str, list[str]]]) -> str:
    if not requirements:
        return "no credentials"
    return " or ".join(" + ".join(sorted(r)) or "no credentials" for r in requirements)


def _scheme_essentials(scheme: dict[str, Any]) -> dict[str, Any]:
    """What a client is configured with: type, where the credential goes, the token URLs."""
    flows = scheme.get("flows") or {}
    return {
        "type": scheme.get("type"),
        "in": scheme.get("in"),
        "name": str(scheme.get("name", "")).lower() or None,
        "scheme": str(scheme.get("scheme", "")).lower() or None,
        "flows": {
            name: (flow.get("tokenUrl"), flow.get("authorizationUrl"))
            for name, flow in flows.items()
            if isinstance(flow, dict)
        },
        "openIdConnectUrl": scheme.get("openIdConnectUrl"),
    }
