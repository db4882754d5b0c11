"""Metamorphic self-check of strict response validation: valid variants must stay silent, mutants must not.

For a response schema of a spec, `strict_schema` is a self-contained copy (refs inlined, documented
objects closed) that `instances` turns into schema-valid instances. (hypothesis-jsonschema 0.23.1,
the latest release, cannot run on the Hypothesis release the cassettes pin: it calls the removed
`many.more()`. `instances` covers the keywords the specs use, and every instance it draws is first
checked to be valid, so a gap in it fails loudly instead of passing quietly.) `sites` walks an
instance with its schema and finds every place a mutation can be made and what the validator must
then say: an undocumented field injected into a documented object, a required property removed,
a value retyped, nulled where null is not allowed, an enum value outside its list, a malformed format.
Shared by tests/checks/test_metamorphic.py and benchmarks/mutation_score.py.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conformance.core.kinds import Kind
from conformance.core.pointers import escape
from conformance.spec.specs import Spec
from conformance.spec.validation import Violation, violations

FORMATS = {"date-time": "yesterday at noon", "date": "31/12/2024", "email": "not-an-email"}
RETYPED = {"string": 12345, "integer": "12345", "number": "12.5", "boolean": "yes", "object": "text", "array": "text"}
_KEYWORDS_KEPT_OUT = ("examples", "example", "description", "title")


def response_schemas(spec: Spec) -> dict[str, str]:
    """Every JSON response schema of the spec, once per distinct schema: label -> schema pointer."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for operation in spec.operations.values():
        responses = spec.resolve(operation.pointer).get("responses") or {}
        for status in sorted(responses):
            node = responses[status]
            owner = operation.pointer + f"/responses/{escape(status)}"
            if isinstance(node, dict) and "$ref" in node:
                owner = str(node["$ref"]).removeprefix("#")
                node = spec.resolve(owner)
            for media, content in ((node or {}).get("content") or {}).items():
                if "json" not in media or "schema" not in content:
                    continue
                schema = content["schema"]
                identity = str(schema.get("$ref")) if isinstance(schema, dict) and "$ref" in schema else owner
                if identity in seen:
                    continue
                seen.add(identity)
                found[f"{spec.provider}:{operation.operation_id}:{status}"] = owner + f"/content/{escape(media)}/schema"
    return found


def strict_schema(spec: Spec, node: Any, depth: int = 0) -> Any:
    """`node` with every $ref inlined and every documented object closed (what the strict validator demands)."""
    if depth > 40:
        raise ValueError("recursive schema")
    if isinstance(node, list):
        return [strict_schema(spec, item, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return strict_schema(spec, spec.resolve(str(node["$ref"]).removeprefix("#")), depth + 1)
    out = {
        key: strict_schema(spec, value, depth + 1)
        for key, value in node.items()
        if key not in _KEYWORDS_KEPT_OUT and not key.startswith("x-")
    }
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: strict_schema(spec, value, depth + 1) for name, value in node["properties"].items()}
        if "additionalProperties" not in out and "unevaluatedProperties" not in out:
            out["additionalProperties"] = False
    return out


@dataclass(frozen=True)
class Site:
    """A place in an instance (concrete path) and the schema that governs it there."""

    path: tuple[str | int, ...]
    schema: dict[str, Any]

    @property
    def concrete(self) -> str:
        return "".join("/" + escape(p) for p in self.path)

    @property
    def pointer(self) -> str:
        return "".join("/" + ("*" if isinstance(p, int) else escape(p)) for p in self.path)


def sites(instance: Any, schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[Site]:
    """Every value of the instance with the schema branch it validates against."""
    if not isinstance(schema, dict):
        return
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            branch = next((b for b in schema[keyword] if Draft202012Validator(b).is_valid(instance)), None)
            if branch is not None:
                yield from sites(instance, branch, path)
            return
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for member in schema["allOf"]:
            merged["properties"].update(member.get("properties") or {})
            merged["required"] += list(member.get("required") or [])
        yield Site(path, {**schema, **merged})
        for name, value in instance.items() if isinstance(instance, dict) else ():
            yield from sites(value, merged["properties"].get(name, {}), (*path, name))
        return
    yield Site(path, schema)
    if isinstance(instance, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for name, value in instance.items():
            child = properties.get(name, extra if isinstance(extra, dict) else None)
            yield from sites(value, child, (*path, name))
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(instance):
            yield from sites(value, schema["items"], (*path, index))


def closed_object(site: Site, value: Any) -> bool:
    schema = site.schema
    return (
        isinstance(value, dict)
        and isinstance(schema.get("properties"), dict)
        and schema.get("additionalProperties") is False
    )


def value_at(instance: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        instance = instance[part]
    return instance


def put(instance: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of the instance with `value` at `path` (path () replaces the whole instance)."""
    if not path:
        return value
    copied = copy.deepcopy(instance)
    value_at(copied, path[:-1])[path[-1]] = value
    return copied


def removed(instance: Any, path: tuple[str | int, ...]) -> Any:
    copied = copy.deepcopy(instance)
    del value_at(copied, path[:-1])[path[-1]]
    return copied


@dataclass(frozen=True)
class Mutant:
    kind: str  # remove, retype, null, enum, format
    path: tuple[str | int, ...]
    value: Any  # the new value (unused for remove)
    expected: tuple[Kind, str]  # the one finding it must give: kind and normalised pointer

    @property
    def name(self) -> str:
        return f"{self.kind} {''.join('/' + escape(p) for p in self.path)}"

    def apply(self, instance: Any) -> Any:
        return removed(instance, self.path) if self.kind == "remove" else put(instance, self.path, self.value)


MUTATIONS = ("remove", "retype", "null", "enum", "format")


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def mutants(instance: Any, schema: Any) -> list[Mutant]:
    """Every single mutation of the instance this module knows how to make, with its expected finding."""
    found = []
    for site in sites(instance, schema):
        value = value_at(instance, site.path)
        governs = site.schema
        if closed_object(site, value):
            for name in governs.get("required") or []:
                if name in value:
                    child = Site((*site.path, name), {})
                    found.append(Mutant("remove", child.path, None, (Kind.MISSING_FIELD, child.pointer)))
        if not site.path or "oneOf" in governs or "anyOf" in governs or "const" in governs:
            continue
        types = _types(governs) - {"null"}
        if "enum" not in governs and len(types) == 1:
            found.append(Mutant("retype", site.path, RETYPED[next(iter(types))], (Kind.TYPE_MISMATCH, site.pointer)))
        if types and "null" not in _types(governs) and value is not None and None not in governs.get("enum", [None]):
            found.append(Mutant("null", site.path, None, (Kind.NULLABILITY, site.pointer)))
        if isinstance(governs.get("enum"), list) and all(isinstance(v, str) for v in governs["enum"]):
            found.append(Mutant("enum", site.path, "NOT_DOCUMENTED_VALUE", (Kind.ENUM_VIOLATION, site.pointer)))
        if governs.get("format") in FORMATS and isinstance(value, str):
            found.append(Mutant("format", site.path, FORMATS[governs["format"]], (Kind.FORMAT_VIOLATION, site.pointer)))
    return found


def inject(instance: Any, schema: Any, chosen: list[int]) -> tuple[Any, list[str]]:
    """The instance with one undocumented field in each chosen documented object; the pointers expected."""
    objects = [site for site in sites(instance, schema) if closed_object(site, value_at(instance, site.path))]
    result = copy.deepcopy(instance)
    expected = []
    for number, index in enumerate(sorted(set(chosen))):
        if not objects:
            break
        site = objects[index % len(objects)]
        name = f"undocumented_{number}"
        value_at(result, site.path)[name] = {"nested": [number]} if number % 2 else f"value {number}"
        expected.append(site.pointer + "/" + name)
    return result, expected


def judge(spec: Spec, pointer: str, instance: Any) -> list[Violation]:
    return violations(spec.validator(pointer, strict=True), instance)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=6))
_ANY_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=5), inner, max_size=2),
    max_leaves=4,
)
_MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))


def _merged(*members: Any) -> dict[str, Any]:
    """One object schema from the members of an `allOf` (the specs use it to add fields to a component)."""
    merged: dict[str, Any] = {}
    for member in members:
        member = (
            _merged(*member["allOf"], {k: v for k, v in member.items() if k != "allOf"})
            if "allOf" in member
            else member
        )
        for key, value in member.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged.setdefault(key, value)
    return merged


def instances(schema: Any) -> st.SearchStrategy[Any]:
    """Schema-valid instances of a `strict_schema` (the keywords the specs use)."""
    if not isinstance(schema, dict) or not schema:
        return _ANY_JSON
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            return st.one_of([instances(branch) for branch in schema[keyword]])
    if "allOf" in schema:
        return instances(_merged({k: v for k, v in schema.items() if k != "allOf"}, *schema["allOf"]))
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([instances({**schema, "type": one}) for one in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        low, high = schema.get("minimum", -(10**6)), schema.get("maximum", 10**9)
        whole = st.integers(int(low), int(high))
        return whole if kind == "integer" else whole | st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "string":
        return _strings(schema)
    if kind == "array":
        return st.lists(
            instances(schema.get("items", {})),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 3), 3),
        )
    if kind == "object" or "properties" in schema:
        return _objects(schema)
    return _ANY_JSON


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    form = schema.get("format")
    if form == "date-time":
        return _MOMENTS.map(lambda moment: moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z"))
    if form == "date":
        return _MOMENTS.map(lambda moment: moment.date().isoformat())
    if form == "email":
        return st.emails()
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda text: len(text) < 40)
    return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 8), 8))


def _objects(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required") or [] if name in properties]
    documented = st.fixed_dictionaries(
        {name: instances(properties[name]) for name in required},
        optional={name: instances(value) for name, value in properties.items() if name not in required},
    )
    extra = schema.get("additionalProperties")
    if extra is False:
        return documented
    free = instances(extra) if isinstance(extra, dict) else _ANY_JSON
    names = st.text(min_size=1, max_size=6).filter(lambda name: name not in properties)
    return st.tuples(documented, st.dictionaries(names, free, max_size=2)).map(lambda pair: {**pair[1], **pair[0]})
