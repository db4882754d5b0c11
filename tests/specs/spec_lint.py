"""What a machine can check of "the spec says what the pages say" (issue 22), over a spec document.

The rules, each answering one question a reader would otherwise check by hand:

- every documentation-defect id a text refers to (``WP-DELETE-AS-GET``) is defined in ``x-doc-defects``;
- every ``x-inferred`` (and every inferred provenance) gives a non-empty reason;
- every operation (and every webhook of the top-level ``webhooks``), every status code it lists and every
  component schema has a provenance: a recorded page URL (``x-provenance`` sources, ``x-source``) or an
  inference with its reason (``x-inferred``);
- every event ``x-lifecycle.emits`` names is one ``webhooks`` declares, and a spec with ``webhooks`` says how
  they are delivered (``x-webhook-delivery``, with its provenance).
- every ``x-behaviour`` declaration can be followed by the probes (known operations and parameters, a probe
  body for what a list makes) and its own provenance names a recorded page or an inference with its reason.

A URL is *recorded* when the spec names it as a page it was transcribed from: an operation's
``x-provenance`` source, a defect's ``where``, a documented example's ``x-source`` or the lifecycle's
``doc_ref``/provenance ``url``, a webhook's ``x-provenance`` source or an ``x-webhook-delivery`` provenance
``url``. An ``x-source`` that names any other URL is a typo or an unrecorded page.

Run it on files: ``python -m tests.specs.spec_lint specs/*.yaml`` (exit 1 and one line per problem).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.behaviour.declarations import EXTENSION, DeclarationError, declarations
from conformance.core import pointers, safe_yaml
from conformance.core.errors import UsageError
from conformance.spec.specs import Spec

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# <PREFIX>-<NAME>[-<NAME>...]: upper-case words joined by hyphens, the shape docs/spec-conventions.md gives.
_DEFECT_ID = r"-[A-Z0-9]+(?:-[A-Z0-9]+)*\b"


@dataclass(frozen=True, order=True)
class Problem:
    pointer: str  # JSON pointer into the spec document
    rule: str  # undefined-defect | inferred-without-reason | no-provenance | unrecorded-source | undeclared-event | behaviour
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.rule}: {self.message}"


def lint(document: dict[str, Any]) -> list[Problem]:
    """Every problem of `document`, sorted; [] when the spec passes."""
    return sorted(
        {
            *_undefined_defects(document),
            *_inferred_without_reason(document),
            *_missing_provenance(document),
            *_undeclared_events(document),
            *_behaviour(document),
        }
    )


# -- defect ids -----------------------------------------------------------------------------------------


def defined_defects(document: dict[str, Any]) -> set[str]:
    return {
        d["id"] for d in document.get("x-doc-defects") or [] if isinstance(d, dict) and isinstance(d.get("id"), str)
    }


def _undefined_defects(document: dict[str, Any]) -> Iterator[Problem]:
    defined = defined_defects(document)
    # The provider's prefixes (WP, UP, LW); a spec without defects: any two capitals.
    prefixes = "|".join(sorted({re.escape(name.split("-", 1)[0]) for name in defined})) or "[A-Z]{2}"
    pattern = re.compile(r"\b(?:" + prefixes + r")" + _DEFECT_ID)
    for pointer, text in _strings(document, ""):
        if pointer.startswith("/x-doc-defects/") and pointer.endswith("/id"):
            continue
        for found in pattern.findall(text):
            if found not in defined:
                yield Problem(pointer, "undefined-defect", f"refers to {found}, which x-doc-defects does not define")


# -- inferences -----------------------------------------------------------------------------------------


def _reason(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _inferred_without_reason(document: dict[str, Any]) -> Iterator[Problem]:
    for pointer, node in _mappings(document, ""):
        if "x-inferred" in node and not _reason(node["x-inferred"]):
            yield Problem(pointer + "/x-inferred", "inferred-without-reason", "x-inferred must say why, in words")
        provenance = node.get("provenance") if pointer.startswith(("/x-lifecycle", "/x-webhook-delivery")) else None
        for key, value in (("x-provenance", node.get("x-provenance")), ("provenance", provenance)):
            if isinstance(value, dict) and value.get("status") != "documented" and not _reason(value.get("reason")):
                yield Problem(
                    pointer + "/" + key,
                    "inferred-without-reason",
                    f"{value.get('status')!s} provenance without a reason",
                )


# -- provenance -----------------------------------------------------------------------------------------


def recorded_urls(document: dict[str, Any]) -> set[str]:
    """The page URLs the spec says it was transcribed from."""
    urls: set[str] = set()
    for _, _, operation in _operations(document):
        for source in (operation.get("x-provenance") or {}).get("sources") or []:
            if isinstance(source, dict) and isinstance(source.get("url"), str):
                urls.add(source["url"])
    for defect in document.get("x-doc-defects") or []:
        urls.update(u for u in (defect.get("where") or []) if isinstance(u, str))
    for example in ((document.get("components") or {}).get("examples") or {}).values():
        if isinstance(example, dict) and isinstance(example.get("x-source"), str):
            urls.add(example["x-source"])
    lifecycle = document.get("x-lifecycle") or {}
    if isinstance(lifecycle.get("doc_ref"), str):
        urls.add(lifecycle["doc_ref"])
    for part in (lifecycle, document.get("x-webhook-delivery") or {}):
        for pointer, node in _mappings(part, ""):
            if pointer.endswith("/provenance") and isinstance(node.get("url"), str):
                urls.add(node["url"])
    return {url for url in urls if url.startswith(("https://", "http://"))}


def _missing_provenance(document: dict[str, Any]) -> Iterator[Problem]:
    recorded = recorded_urls(document)
    for pointer, node in _mappings(document, ""):
        source = node.get("x-source")
        if source is not None and source not in recorded:
            yield Problem(pointer + "/x-source", "unrecorded-source", f"{source!r} is not a page the spec records")
    for op_pointer, op_id, operation in _operations(document):
        provenance = operation.get("x-provenance")
        if not isinstance(provenance, dict):
            yield Problem(op_pointer, "no-provenance", f"operation {op_id} has no x-provenance")
            continue
        pages = [s.get("url") for s in provenance.get("sources") or [] if isinstance(s, dict)]
        if not any(isinstance(url, str) and url in recorded for url in pages):
            yield Problem(op_pointer + "/x-provenance", "no-provenance", f"operation {op_id} names no page URL")
        documents_responses = provenance.get("status") in ("documented", "partial")
        for status, response in (operation.get("responses") or {}).items():
            where, resolved = _resolve(document, op_pointer + pointers.join("responses", str(status)), response)
            if _reason(resolved.get("x-inferred")) or isinstance(resolved.get("x-source"), str):
                continue
            if not documents_responses:
                yield Problem(
                    where,
                    "no-provenance",
                    f"{op_id} {status}: the operation is inferred, so the response needs x-inferred or x-source",
                )
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        if not isinstance(schema, dict):
            continue
        if not (_reason(schema.get("x-inferred")) or isinstance(schema.get("x-source"), str)):
            yield Problem(
                pointers.join("components", "schemas", name),
                "no-provenance",
                f"schema {name} has neither x-source (the page it is transcribed from) nor x-inferred",
            )


# -- behaviour declarations -----------------------------------------------------------------------------


def _behaviour(document: dict[str, Any]) -> Iterator[Problem]:
    recorded = recorded_urls(document)
    for op_pointer, op_id, operation in _operations(document):
        declared = operation.get(EXTENSION)
        provenance = declared.get("provenance") if isinstance(declared, dict) else None
        if not isinstance(provenance, dict):
            continue
        where = op_pointer + pointers.join(EXTENSION, "provenance")
        if provenance.get("status") == "documented" and provenance.get("url") not in recorded:
            yield Problem(
                where, "unrecorded-source", f"{op_id}: {provenance.get('url')!r} is not a page the spec records"
            )
        elif provenance.get("status") != "documented" and not _reason(provenance.get("reason")):
            yield Problem(where, "inferred-without-reason", f"{op_id}: inferred behaviour without a reason")
    spec = Spec(
        provider=str((document.get("info") or {}).get("x-provider", "")), path=Path("<lint>"), document=document
    )
    try:
        declarations(spec)
    except DeclarationError as error:
        yield Problem("/paths", "behaviour", str(error))
    except UsageError:
        return  # an operation without an operationId: the spec tests say so


# -- walking --------------------------------------------------------------------------------------------


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation of `paths`, and every webhook's (named `webhook <event>`, as findings name it)."""
    for top in ("paths", "webhooks"):
        for path, item in (document.get(top) or {}).items():
            for method in HTTP_METHODS:
                operation = item.get(method) if isinstance(item, dict) else None
                if isinstance(operation, dict):
                    name = str(operation.get("operationId", "")) if top == "paths" else f"webhook {path}"
                    yield pointers.join(top, path, method), name, operation


# -- events ---------------------------------------------------------------------------------------------


def _undeclared_events(document: dict[str, Any]) -> Iterator[Problem]:
    declared = set(document.get("webhooks") or {})
    emits = (document.get("x-lifecycle") or {}).get("emits") or {}
    for index, rule in enumerate(emits.get("rules") or []):
        event = rule.get("event") if isinstance(rule, dict) else None
        if event not in declared:
            yield Problem(
                pointers.join("x-lifecycle", "emits", "rules", index, "event"),
                "undeclared-event",
                f"{event!r} is emitted but `webhooks` does not declare it",
            )
    if declared and not isinstance(document.get("x-webhook-delivery"), dict):
        yield Problem(
            "/webhooks", "undeclared-event", "webhooks are declared but x-webhook-delivery says nothing of delivery"
        )
    delivery = document.get("x-webhook-delivery")
    if isinstance(delivery, dict) and not isinstance(delivery.get("provenance"), dict):
        yield Problem("/x-webhook-delivery", "no-provenance", "x-webhook-delivery has no provenance")


def _resolve(document: dict[str, Any], pointer: str, node: Any) -> tuple[str, dict[str, Any]]:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
        pointer = node["$ref"].removeprefix("#")
        node = _at(document, pointer)
        seen += 1
    return pointer, node if isinstance(node, dict) else {}


def _at(document: Any, pointer: str) -> Any:
    node = document
    for token in pointers.split(pointer):
        node = node.get(token) if isinstance(node, dict) else None
    return node


def _mappings(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _mappings(value, pointer + pointers.join(str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _mappings(value, pointer + pointers.join(str(index)))


def _strings(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield pointer, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, pointer + pointers.join(str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, pointer + pointers.join(str(index)))


def main(paths: list[str]) -> int:
    worst = 0
    for path in paths:
        for problem in lint(safe_yaml.load(Path(path).read_text(encoding="utf-8"))):
            print(f"{path}#{problem}")
            worst = 1
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
