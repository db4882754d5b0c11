"""Loading the hand-written OpenAPI 3.1 specs and the facts the rest of the suite reads from them.

A spec is parsed and validated once per process; validators for its schemas are compiled once per
schema pointer and cached on the Spec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from conformance.core import disk_cache, pointers, safe_yaml
from conformance.core.errors import UsageError
from conformance.spec import resources
from conformance.spec.spec_verdicts import OpenAPIInvalid, validate_once
from conformance.spec.validation import strict_document

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PROVENANCE_STATUSES = ("documented", "partial", "inferred")


def _json_keys(value: Any) -> Any:
    """Mapping keys as JSON has them: published specs often write status codes as YAML integers (`200:`)."""
    if isinstance(value, dict):
        return {
            (str(k) if isinstance(k, int) and not isinstance(k, bool) else k): _json_keys(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_json_keys(v) for v in value]
    return value


@dataclass(frozen=True)
class DocSource:
    url: str | None
    title: str | None = None
    modified: str | None = None
    seed: str | None = None

    @property
    def ref(self) -> str:
        return self.url or self.seed or ""


@dataclass(frozen=True)
class Provenance:
    status: str
    sources: tuple[DocSource, ...]
    reason: str | None

    @property
    def doc_ref(self) -> str:
        return self.sources[0].ref if self.sources else ""


@dataclass(frozen=True)
class Operation:
    provider: str
    operation_id: str
    method: str
    path: str
    pointer: str
    provenance: Provenance
    summary: str = ""

    @property
    def doc_ref(self) -> str:
        return self.provenance.doc_ref


@dataclass(frozen=True)
class DocDefect:
    id: str
    title: str
    docs_say: str
    where: tuple[str, ...]
    reading: str
    operations: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExampleUse:
    """A documented example, and the schema of the media type that references it."""

    name: str
    operation: Operation
    location: str  # e.g. "request body" or "response 200"
    example_pointer: str  # pointer to the example's `value` in the spec
    schema_pointer: str
    value: Any
    source: str | None


@dataclass(frozen=True)
class Server:
    url: str
    environment: str
    description: str = ""


@dataclass
class Spec:
    provider: str
    path: Path
    document: dict[str, Any]
    _validators: dict[tuple[str, bool], Draft202012Validator] = field(default_factory=dict, repr=False)

    @property
    def uri(self) -> str:
        return f"urn:invoice-conformance:spec:{self.provider}"

    @cached_property
    def registry(self) -> Registry:
        return self._registry_of(self.document)

    @cached_property
    def strict_registry(self) -> Registry:
        return self._registry_of(strict_document(self.document))

    def _registry_of(self, document: dict[str, Any]) -> Registry:
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        return Registry().with_resources([(self.uri, resource)])  # with_resource's return is unannotated

    def resolve(self, pointer: str) -> Any:
        """The node at `pointer`, following a `$ref` at the end if there is one."""
        node = self.registry.resolver(self.uri).lookup(f"{self.uri}#{pointer}").contents
        while isinstance(node, dict) and "$ref" in node and len(node) <= 2:
            node = self.registry.resolver(self.uri).lookup(f"{self.uri}{node['$ref']}").contents
        return node

    def validator(self, schema_pointer: str, *, strict: bool = False) -> Draft202012Validator:
        """A validator compiled once for the schema at `schema_pointer` of this spec.

        `strict` also rejects properties the schema does not document (reported as undocumented fields).
        """
        key = (schema_pointer, strict)
        found = self._validators.get(key)
        if found is None:
            schema = {"$ref": f"{self.uri}#{schema_pointer}"}
            registry = self.strict_registry if strict else self.registry
            found = Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
            self._validators[key] = found
        return found

    @cached_property
    def operations(self) -> dict[str, Operation]:
        found: dict[str, Operation] = {}
        for path, item in (self.document.get("paths") or {}).items():
            for method in HTTP_METHODS:
                op = item.get(method) if isinstance(item, dict) else None
                if not isinstance(op, dict):
                    continue
                pointer = pointers.join("paths", path, method)
                op_id = op.get("operationId")
                if not op_id:
                    raise UsageError(f"{self.path}: {method.upper()} {path} has no operationId; add one.")
                found[op_id] = Operation(
                    provider=self.provider,
                    operation_id=op_id,
                    method=method.upper(),
                    path=path,
                    pointer=pointer,
                    provenance=_provenance(self.path, op_id, op.get("x-provenance")),
                    summary=op.get("summary", ""),
                )
        return found

    def operation_at(self, method: str, url_or_path: str) -> Operation | None:
        """The operation for a method and a path template ("/v1/invoices/{id}"), a concrete path or a URL.

        The one operation matcher of the suite: literal paths win over templated ones (/invoices/create is
        not /invoices/{id}), as in OpenAPI; a trailing slash and a server's base path (/v1 of
        https://host/v1) are ignored.
        """
        found = self.match(method, url_or_path)
        return found[0] if found else None

    def match(self, method: str, url_or_path: str) -> tuple[Operation, dict[str, str]] | None:
        """`operation_at`, with the values of the path's template parameters."""
        method = method.upper()
        path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path.partition("?")[0]
        for op in self.operations.values():
            if op.method == method and op.path == path:
                return op, {}
        for candidate in self._path_candidates(path):
            for op, names, pattern in self._path_patterns:
                if op.method == method and (matched := pattern.fullmatch(candidate)):
                    return op, dict(zip(names, matched.groups(), strict=True))
        return None

    def _path_candidates(self, path: str) -> list[str]:
        candidates = [path] + [path[len(p) :] for p in self._server_paths if path.startswith(p + "/")]
        return [candidate.rstrip("/") or "/" for candidate in candidates]

    @cached_property
    def _server_paths(self) -> list[str]:
        """The base paths of the servers, longest first."""
        found = {urlsplit(server.url).path.rstrip("/") for server in self.servers} - {""}
        return sorted(found, key=len, reverse=True)

    @cached_property
    def _path_patterns(self) -> list[tuple[Operation, list[str], re.Pattern[str]]]:
        # Literal paths first, so /invoices/create is not taken for /invoices/{id}.
        ordered = sorted(self.operations.values(), key=lambda op: op.path.count("{"))
        patterns = []
        for op in ordered:
            parts = re.split(r"(\{[^}]+\})", op.path.rstrip("/") or "/")
            names = [part[1:-1] for part in parts if part.startswith("{")]
            regex = "".join("([^/]+)" if part.startswith("{") else re.escape(part) for part in parts)
            patterns.append((op, names, re.compile(regex)))
        return patterns

    @cached_property
    def defects(self) -> tuple[DocDefect, ...]:
        entries = self.document.get("x-doc-defects") or []
        defects = []
        for entry in entries:
            try:
                defects.append(
                    DocDefect(
                        id=str(entry["id"]),
                        title=str(entry["title"]),
                        docs_say=str(entry["docs_say"]),
                        where=tuple(entry.get("where") or ()),
                        reading=str(entry["reading"]),
                        operations=tuple(entry.get("operations") or ()),
                        examples=tuple(entry.get("examples") or ()),
                    )
                )
            except (KeyError, TypeError) as exc:
                raise UsageError(
                    f"{self.path}: an x-doc-defects entry lacks {exc}; give every entry id, title, "
                    "docs_say, where and reading."
                ) from None
        return tuple(defects)

    @cached_property
    def servers(self) -> tuple[Server, ...]:
        return tuple(
            Server(url=s["url"], environment=s.get("x-environment", ""), description=s.get("description", ""))
            for s in self.document.get("servers") or []
        )

    def server(self, environment: str) -> Server | None:
        return next((s for s in self.servers if s.environment == environment), None)

    @cached_property
    def credential_headers(self) -> frozenset[str]:
        """Headers the securitySchemes send credentials in: an apiKey's header, Authorization for the rest."""
        names = set()
        for scheme in ((self.document.get("components") or {}).get("securitySchemes") or {}).values():
            if not isinstance(scheme, dict):
                continue
            if scheme.get("type") == "apiKey":
                if scheme.get("in") == "header" and scheme.get("name"):
                    names.add(str(scheme["name"]).lower())
            elif scheme.get("type") in ("http", "oauth2", "openIdConnect"):
                names.add("authorization")
        return frozenset(names)

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", self.provider))

    def example_uses(self) -> Iterator[ExampleUse]:
        """Every documented example referenced from a request or response media type."""
        for op in self.operations.values():
            op_node = self.resolve(op.pointer)
            body = op_node.get("requestBody")
            if body:
                body_pointer = _ref_or(op.pointer + "/requestBody", body)
                yield from self._media_examples(op, "request body", body_pointer)
            for status, response in (op_node.get("responses") or {}).items():
                response_pointer = _ref_or(op.pointer + pointers.join("responses", status), response)
                yield from self._media_examples(op, f"response {status}", response_pointer)
        yield from self._webhook_samples()

    def _webhook_samples(self) -> Iterator[ExampleUse]:
        """The documented webhook samples `x-webhook-delivery.samples` names, each with the schema it is judged
        against; a form-encoded sample is read as its field's JSON (a cut-off one as far as it goes)."""
        delivery = self.document.get("x-webhook-delivery") or {}
        examples = (self.document.get("components") or {}).get("examples") or {}
        where = Operation(
            self.provider, "webhooks", "POST", "", "/x-webhook-delivery", Provenance("documented", (), None)
        )
        for sample in delivery.get("samples") or ():
            name = str(sample["example"])
            example = examples.get(name) or {}
            value = example.get("value")
            field_name = sample.get("form_field")
            if field_name and isinstance(value, str):
                value = _form_json(value, str(field_name))
            yield ExampleUse(
                name=name,
                operation=where,
                location="webhook sample",
                example_pointer=pointers.join("components", "examples", name, "value"),
                schema_pointer=str(sample["schema"]).removeprefix("#"),
                value=value,
                source=example.get("x-source"),
            )

    def _media_examples(self, op: Operation, location: str, owner_pointer: str) -> Iterator[ExampleUse]:
        owner = self.resolve(owner_pointer)
        for media_type, media in (owner.get("content") or {}).items():
            media_pointer = owner_pointer + pointers.join("content", media_type)
            if "schema" not in media:
                continue
            schema_pointer = media_pointer + "/schema"
            for key, example in (media.get("examples") or {}).items():
                if isinstance(example, dict) and "$ref" in example:
                    ref = example["$ref"]
                    name = ref.rsplit("/", 1)[-1]
                    example_pointer = ref.removeprefix("#")
                    example = self.resolve(example_pointer)
                else:
                    name = f"{op.operation_id}.{location}.{key}"
                    example_pointer = media_pointer + pointers.join("examples", key)
                if isinstance(example, dict) and "value" in example:
                    yield ExampleUse(
                        name=name,
                        operation=op,
                        location=location,
                        example_pointer=example_pointer + "/value",
                        schema_pointer=schema_pointer,
                        value=example["value"],
                        source=example.get("x-source"),
                    )


def _form_json(body: str, field_name: str) -> Any:
    """The JSON a form field carries; a sample printed cut off keeps the members it shows in full."""
    text = (parse_qs(body, keep_blank_values=True).get(field_name) or [""])[0]
    try:
        return json.loads(text)
    except ValueError:
        members = re.findall(r'"([^"\\]+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)\s*(?=[,}]|$)', text)
        return {key: json.loads(value) for key, value in members}


def _ref_or(pointer: str, node: Any) -> str:
    if isinstance(node, dict) and "$ref" in node:
        return str(node["$ref"]).removeprefix("#")
    return pointer


def _provenance(path: Path, op_id: str, raw: Any) -> Provenance:
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: operation {op_id} has no x-provenance; add status, sources and reason.")
    status = raw.get("status")
    if status not in PROVENANCE_STATUSES:
        raise UsageError(
            f"{path}: operation {op_id} has x-provenance status {status!r}; use one of "
            f"{', '.join(PROVENANCE_STATUSES)}."
        )
    sources = tuple(
        DocSource(
            url=s.get("url"),
            title=s.get("title"),
            modified=_str_or_none(s.get("modified")),
            seed=s.get("seed"),
        )
        for s in raw.get("sources") or []
        if isinstance(s, dict)
    )
    if not sources:
        raise UsageError(f"{path}: operation {op_id} has no x-provenance sources; name the page it comes from.")
    reason = raw.get("reason")
    if status != "documented" and not reason:
        raise UsageError(f"{path}: operation {op_id} is {status} but gives no x-provenance reason; say why.")
    return Provenance(status=status, sources=sources, reason=reason)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


_PROVIDER_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _parsed(text: str) -> Any:
    """The spec's YAML as JSON values, remembered across runs by its text (conformance.core.disk_cache)."""
    key = disk_cache.digest("parsed spec", yaml.__version__, text)
    remembered = disk_cache.read(disk_cache.REPLAY_AREA, key)
    if isinstance(remembered, dict):
        return remembered
    document = _json_keys(safe_yaml.load(text, json_values=True))
    if isinstance(document, dict):
        disk_cache.write(disk_cache.REPLAY_AREA, key, document)
    return document


def parse_spec(path: Path) -> Spec:
    """Read and validate one spec file; every problem becomes a one-sentence UsageError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(_missing(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"spec file {path} cannot be read ({exc}); check its permissions and encoding.") from None
    try:
        document = _parsed(text)
    except safe_yaml.AliasRefused as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(
            f"spec file {path} is refused: its YAML aliases ({exc.problem}){where}; "
            "write the structure out or use a $ref."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UsageError(f"spec file {path} is not valid YAML{where}; fix the syntax there.") from None
    if not isinstance(document, dict):
        raise UsageError(f"spec file {path} does not hold an OpenAPI document (a YAML mapping); fix or restore it.")
    if not str(document.get("openapi", "")).startswith("3.1"):
        raise UsageError(f"spec file {path} is not OpenAPI 3.1 (openapi: {document.get('openapi')!r}); use 3.1.0.")
    cycle = _ref_cycle(document)
    if cycle:
        raise UsageError(
            f"spec file {path} has a $ref cycle ({' -> '.join(cycle)}) that never reaches a schema; break the cycle."
        )
    try:
        validate_once(text, document)
    except RecursionError:
        raise UsageError(
            f"spec file {path} nests or refers to itself too deeply to validate; look for a $ref cycle."
        ) from None
    except OpenAPIInvalid as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", ()) or ())
        message = str(getattr(exc, "message", exc)).splitlines()[0]
        raise UsageError(
            f"spec file {path} is not valid OpenAPI 3.1 ({message}{' at ' + where if where else ''}); fix the spec."
        ) from None
    except Unresolvable as exc:
        raise UsageError(f"spec file {path} has a $ref that does not resolve ({exc}); fix the reference.") from None
    provider = str(document.get("info", {}).get("x-provider") or path.stem)
    if not _PROVIDER_RE.match(provider):
        raise UsageError(f"spec file {path} names provider {provider!r}; use lower-case letters and digits.")
    spec = Spec(provider=provider, path=path, document=document)
    spec.operations  # noqa: B018 - validate provenance eagerly so errors surface at load time
    spec.defects  # noqa: B018
    return spec


def _ref_cycle(document: dict[str, Any]) -> list[str] | None:
    """A chain of local $refs that comes back to itself without reaching anything but another $ref.

    (A schema that contains a reference to itself in a property is legal recursion, not a cycle.)
    """

    def target(ref: str) -> Any:
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def refs(node: Any) -> Iterator[str]:
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, dict):
                ref = current.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/"):
                    yield ref
                stack.extend(current.values())
            elif isinstance(current, list):
                stack.extend(current)

    for start in set(refs(document)):
        chain = [start]
        node = target(start)
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            ref = node["$ref"]
            if ref in chain:
                return [*chain[chain.index(ref) :], ref]
            chain.append(ref)
            node = target(ref)
    return None


@lru_cache(maxsize=32)
def _cached_spec(path: str, mtime_ns: int) -> Spec:
    return parse_spec(Path(path))


def _missing(path: Path) -> str:
    chosen = resources.chosen_specs_dir()
    if chosen is not None and not chosen.is_dir():
        return f"--spec-dir {chosen} is not a directory; name the directory that holds the specs."
    if chosen is not None and path.resolve().parent == chosen.resolve():
        return (
            f"--spec-dir {chosen} has no {path.name}; a --spec-dir replaces every embedded spec, so copy every "
            "provider's spec there, or limit the command with --provider."
        )
    return f"spec file {path} does not exist; pass an existing file."


def load_spec(path: Path) -> Spec:
    """parse_spec, cached per file version so a spec is parsed once per process."""
    path = Path(path).resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise UsageError(_missing(path)) from None
    return _cached_spec(str(path), mtime)
