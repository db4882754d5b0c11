"""Security changes of one operation, graded as oasdiff does: a requirement clients satisfied
removed, or a scope added, breaks them; an alternative requirement added does not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.spec_side import SpecSide

Requirements = list[dict[str, list[str]]]
POINTER = "/security"


def _anonymous(requirements: Requirements) -> bool:
    return not requirements or any(not r for r in requirements)


def _keyed(requirements: Requirements) -> dict[frozenset[str], dict[str, list[str]]]:
    return {frozenset(r): r for r in requirements if r}


def _text(requirements: Requirements) -> str:
    if not requirements:
        return "no credentials"
    return " or ".join(" + ".join(sorted(r)) or "no credentials" for r in requirements)


def _essentials(scheme: dict[str, Any]) -> dict[str, Any]:
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


def security_changes(
    make: ChangeMaker, old: SpecSide, new: SpecSide, old_node: dict[str, Any], new_node: dict[str, Any]
) -> Iterator[Change]:
    before, after = old.security(old_node), new.security(new_node)
    old_text, new_text = _text(before), _text(after)
    if _anonymous(before) and not _anonymous(after):
        yield make("api-security-required", POINTER, old_text, new_text, "now requires credentials")
    old_keyed, new_keyed = _keyed(before), _keyed(after)
    for key in sorted(old_keyed.keys() - new_keyed.keys(), key=sorted):
        # oasdiff grades any removed requirement ERR, even when the operation became public.
        clause = f"no longer accepts {' + '.join(sorted(key))} credentials"
        yield make("api-security-removed", POINTER, old_text, new_text, clause)
    for key in sorted(new_keyed.keys() - old_keyed.keys(), key=sorted):
        if not _anonymous(before):  # else api-security-required above says it
            clause = f"also accepts {' + '.join(sorted(key))} credentials"
            yield make("api-security-added", POINTER, old_text, new_text, clause)
    for key in sorted(old_keyed.keys() & new_keyed.keys(), key=sorted):
        for scheme in sorted(key):
            old_scopes, new_scopes = set(old_keyed[key][scheme] or ()), set(new_keyed[key][scheme] or ())
            for scope in sorted(new_scopes - old_scopes):
                clause = f"requires the {scope} scope of {scheme}"
                yield make("api-security-scope-added", POINTER, old_text, new_text, clause)
            for scope in sorted(old_scopes - new_scopes):
                clause = f"no longer requires the {scope} scope of {scheme}"
                yield make("api-security-scope-removed", POINTER, old_text, new_text, clause)
    used = {name for r in before for name in r} & {name for r in after for name in r}
    for name in sorted(used):
        old_scheme, new_scheme = _essentials(old.scheme(name)), _essentials(new.scheme(name))
        if old_scheme != new_scheme:
            clause = f"uses a redefined {name} security scheme"
            yield make("security-scheme-changed", POINTER, str(old_scheme), str(new_scheme), clause)
