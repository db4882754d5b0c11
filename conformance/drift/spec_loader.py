"""A tolerant loader for any OpenAPI 3.0 or 3.1 document, as people publish them.

Nothing is required beyond `openapi: 3.0.x|3.1.x` and well-formed `paths`: no project extensions
(`x-provider`, `x-provenance` enrich the output when present), YAML or JSON, status codes written as
integers, YAML 1.1 spellings read as JSON would (`on`/`yes` stay strings, dates stay strings).
`$ref`s to other files (relative paths, with or without a fragment) are bundled into the document
under `x-drift-bundled`, so everything downstream resolves local pointers only. It never validates
the whole document against the OpenAPI schema: that is what made a comparison take seconds. It
checks what the comparison reads, and a malformed document is a UsageError of one sentence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import yaml

from conformance.core import refs
from conformance.core.errors import UsageError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PARAMETER_LOCATIONS = ("query", "header", "path", "cookie")
BUNDLED = "x-drift-bundled"
# Past this many nodes a document is an alias bomb or not an API description.
_MAX_NODES = 2_000_000
_STATUS = re.compile(r"^(?:[1-5](?:\d\d|XX)|default)$", re.IGNORECASE)

# The C loader when libyaml is there; typed as the pure one, whose interface it shares.
if TYPE_CHECKING:
    _Base = yaml.SafeLoader
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """JSON's view of YAML: no timestamps, and only true/false are booleans."""


_Loader.yaml_implicit_resolvers = {
    key: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class SpecDocument:
    path: Path
    document: dict[str, Any]

    @property
    def provider(self) -> str:
        info = self.document.get("info")
        provider = info.get("x-provider") if isinstance(info, dict) else None
        return str(provider) if provider else self.path.stem

    @property
    def version(self) -> str:
        return str(self.document.get("openapi", ""))

    def resolve(self, pointer: str) -> Any:
        """The node at a JSON pointer ('/components/schemas/X'); None when there is none."""
        return _walk_pointer(self.document, pointer)


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"spec file {path} does not exist; check the path.") from None
    except IsADirectoryError:
        raise UsageError(f"spec file {path} is a directory; give the path of an OpenAPI file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"spec file {path} cannot be read ({exc.__class__.__name__}); check the file.") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return _load_yaml(path, text)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise UsageError(f"spec file {path} is not valid YAML or JSON{line}; fix its syntax.") from None


def _load_yaml(path: Path, text: str) -> Any:
    """YAML, refusing documents whose aliases expand past _MAX_NODES (a billion laughs)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > _MAX_NODES:
            raise UsageError(f"spec file {path} expands too far through YAML aliases; give a plain OpenAPI file.")
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded, counted without expanding."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            sizes[id(node)] = 1
            continue
        if ready:
            sizes[id(node)] = min(_MAX_NODES + 1, 1 + sum(sizes.get(id(c), 1) for c in children))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _stringify_keys(node: Any, budget: list[int]) -> Any:
    """Mapping keys as JSON has them: `200:` is the status '200'. Shared (aliased) nodes stay shared."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        budget[0] -= 1
        if budget[0] < 0:
            raise UsageError("the spec file is too large or expands too far (YAML aliases); give a plain OpenAPI file.")
        if isinstance(current, dict):
            if any(not isinstance(k, str) for k in current):
                items = [(_key(k), v) for k, v in current.items()]
                current.clear()
                current.update(items)
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))
    return node


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def _walk_pointer(document: Any, pointer: str) -> Any:
    return refs.lookup(document)(pointer)


class _Bundler:
    """Rewrites every `$ref` into a local one; other files' targets are copied under x-drift-bundled."""

    def __init__(self, root_path: Path, root: dict[str, Any]) -> None:
        self.root_path = root_path.resolve()
        self.files: dict[Path, Any] = {self.root_path: root}
        self.slots: dict[tuple[Path, str], str] = {}
        self.bundled: dict[str, Any] = {}
        self.seen: set[int] = set()
        self.budget = [_MAX_NODES]

    def run(self) -> None:
        root = self.files[self.root_path]
        self._walk(root, self.root_path)
        if self.bundled:
            root[BUNDLED] = self.bundled

    def _walk(self, node: Any, base: Path) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if id(current) in self.seen:
                continue
            self.seen.add(id(current))
            if isinstance(current, dict):
                ref = current.get("$ref")
                if isinstance(ref, str):
                    current["$ref"] = self._local(ref, base)
                    if current["$ref"].startswith(f"#/{BUNDLED}/"):
                        # Bundling numbers targets in the order met: keep the name it had.
                        current["x-drift-origin"] = ref
                stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
            elif isinstance(current, list):
                stack.extend(v for v in current if isinstance(v, (dict, list)))

    def _local(self, ref: str, base: Path) -> str:
        location, _, fragment = ref.partition("#")
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", location):
            raise UsageError(f"the spec refers to {ref!r} on the network; download that file and refer to it by path.")
        target_file = (base.parent / unquote(location)).resolve() if location else base
        if target_file == self.root_path:
            if _walk_pointer(self.files[self.root_path], fragment) is None:
                raise UsageError(f"the spec's $ref {ref!r} points at nothing; fix the reference.")
            return "#" + fragment
        key = (target_file, fragment)
        if key not in self.slots:
            document = self._file(target_file, ref)
            target = _walk_pointer(document, fragment)
            if target is None:
                raise UsageError(f"the spec's $ref {ref!r} points at nothing in {target_file.name}; fix the reference.")
            slot = str(len(self.slots))
            self.slots[key] = slot
            self.bundled[slot] = target
            self._walk(target, target_file)
        return f"#/{BUNDLED}/{self.slots[key]}"

    def _file(self, path: Path, ref: str) -> Any:
        if path not in self.files:
            if not path.is_file():
                raise UsageError(f"the spec's $ref {ref!r} names {path}, which does not exist; fix the reference.")
            self.files[path] = _stringify_keys(_parse(path), self.budget)
        return self.files[path]


def load_document(path: Path) -> SpecDocument:
    """`path` read, checked and bundled; UsageError (one sentence) when it cannot be compared."""
    raw = _parse(path)
    if not isinstance(raw, dict):
        raise UsageError(f"spec file {path} is not an OpenAPI document (its top level is not a mapping).")
    document = _stringify_keys(raw, [_MAX_NODES])
    version = str(document.get("openapi", ""))
    if "swagger" in document and not version:
        raise UsageError(f"spec file {path} is Swagger 2.0; convert it to OpenAPI 3 first (e.g. with swagger2openapi).")
    if not re.match(r"^3\.[01](\.\d+)?(-.+)?$", version):
        raise UsageError(
            f"spec file {path} is not OpenAPI 3.0 or 3.1 (openapi: {version or 'missing'}); give an OpenAPI 3 document."
        )
    _check_paths(path, document)
    _Bundler(path, document).run()
    return SpecDocument(path=path, document=document)


def _check_paths(path: Path, document: dict[str, Any]) -> None:
    """What the comparison reads must have the shape OpenAPI gives it."""
    paths = document.get("paths", {})
    if paths is None:
        paths = document["paths"] = {}
    if not isinstance(paths, dict):
        raise UsageError(f"spec file {path} has a `paths` that is not a mapping; fix the document.")
    for template, item in paths.items():
        if not isinstance(item, dict):
            raise UsageError(f"spec file {path}: path {template} is not a mapping; fix the document.")
        _check_parameters(path, f"{template}", item.get("parameters"))
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            where = f"{method.upper()} {template}"
            if not isinstance(operation, dict):
                raise UsageError(f"spec file {path}: {where} is not a mapping; fix the document.")
            _check_parameters(path, where, operation.get("parameters"))
            responses = operation.get("responses", {})
            if not isinstance(responses, dict):
                raise UsageError(f"spec file {path}: the responses of {where} are not a mapping; fix the document.")
            for status in responses:
                if not _STATUS.match(status):
                    raise UsageError(
                        f"spec file {path}: {where} has the response key {status!r}, which is not a status code; fix it."
                    )


def _check_parameters(path: Path, where: str, parameters: Any) -> None:
    if parameters is None:
        return
    if not isinstance(parameters, list):
        raise UsageError(f"spec file {path}: the parameters of {where} are not a list; fix the document.")
    for parameter in parameters:
        if not isinstance(parameter, dict):
            raise UsageError(f"spec file {path}: a parameter of {where} is not a mapping; fix the document.")
        if "$ref" in parameter:
            continue
        if "name" not in parameter or parameter.get("in") not in PARAMETER_LOCATIONS:
            name = parameter.get("name", "(unnamed)")
            raise UsageError(
                f"spec file {path}: parameter {name} of {where} needs a name and an `in` of query, header, path or cookie; fix it."
            )
