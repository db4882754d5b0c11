"""Security changes of one operation, graded as oasdiff grades them today.

A requirement clients satisfied removed, or a scope added to one, narrows who may call: ERR. An
alternative requirement added, or a scope dropped, widens it: INFO. Whether the operation can be
called without credentials is its own change (`api-security-anonymous-access-*`); once the new
version accepts anonymous calls, nothing removed from its requirements can refuse a client. When
both versions inherit the document's top-level `security`, the change is the top-level list's
(`api-global-security-*`). Redefining a security scheme (its type, its OAuth URLs or scopes) is
INFO in oasdiff: the requirement that names it is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.spec_side import SpecSide, as_dict

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


def security_changes(
    make: ChangeMaker, old: SpecSide, new: SpecSide, old_node: dict[str, Any], new_node: dict[str, Any]
) -> Iterator[Change]:
    (before, old_inherited), (after, new_inherited) = old.security(old_node), new.security(new_node)
    prefix = "api-global-security" if old_inherited and new_inherited else "api-security"
    old_text, new_text = _text(before), _text(after)
    was_open, is_open = _anonymous(before), _anonymous(after)
    if was_open and not is_open:
        yield make("api-security-anonymous-access-removed", POINTER, old_text, new_text, "now requires credentials")
    elif is_open and not was_open:
        yield make(
            "api-security-anonymous-access-added", POINTER, old_text, new_text, "accepts calls without credentials"
        )
    old_keyed, new_keyed = _keyed(before), _keyed(after)
    if not is_open:
        for key in sorted(old_keyed.keys() - new_keyed.keys(), key=sorted):
            clause = f"no longer accepts {' + '.join(sorted(key))} credentials"
            yield make(f"{prefix}-removed", POINTER, old_text, new_text, clause)
    for key in sorted(new_keyed.keys() - old_keyed.keys(), key=sorted):
        clause = f"also accepts {' + '.join(sorted(key))} credentials"
        yield make(f"{prefix}-added", POINTER, old_text, new_text, clause)
    for key in sorted(old_keyed.keys() & new_keyed.keys(), key=sorted):
        for scheme in sorted(key):
            old_scopes = {str(s) for s in old_keyed[key][scheme]}
            new_scopes = {str(s) for s in new_keyed[key][scheme]}
            if not is_open:
                for scope in sorted(new_scopes - old_scopes):
                    yield make(
                        f"{prefix}-scope-added", POINTER, old_text, new_text, f"requires the {scope} scope of {scheme}"
                    )
            for scope in sorted(old_scopes - new_scopes):
                clause = f"no longer requires the {scope} scope of {scheme}"
                yield make(f"{prefix}-scope-removed", POINTER, old_text, new_text, clause)
    used = {name for r in before for name in r} & {name for r in after for name in r}
    for name in sorted(used):
        yield from _scheme_changes(make, name, old.scheme(name), new.scheme(name))


def _flows(scheme: dict[str, Any]) -> dict[str, dict[str, Any]]:
    flows = scheme.get("flows")
    return {k: v for k, v in flows.items() if isinstance(v, dict)} if isinstance(flows, dict) else {}


def _scheme_changes(make: ChangeMaker, name: str, before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    """A scheme the operation uses on both sides, redefined."""
    pointer = f"{POINTER}/{name}"
    if before.get("type") != after.get("type"):
        clause = f"uses the {name} security scheme, now of type {after.get('type')} (was {before.get('type')})"
        yield make(
            "api-security-component-type-changed", pointer, str(before.get("type")), str(after.get("type")), clause
        )
        return
    old_flows, new_flows = _flows(before), _flows(after)
    for flow in sorted(old_flows.keys() & new_flows.keys()):
        old_f, new_f = old_flows[flow], new_flows[flow]
        for field, rule in (
            ("tokenUrl", "api-security-component-oauth-token-url-changed"),
            ("authorizationUrl", "api-security-component-oauth-url-changed"),
        ):
            if old_f.get(field) != new_f.get(field):
                clause = f"uses the {name} scheme, whose {flow} {field} is now {new_f.get(field)}"
                yield make(rule, pointer, str(old_f.get(field)), str(new_f.get(field)), clause)
        old_scopes, new_scopes = set(as_dict(old_f.get("scopes"))), set(as_dict(new_f.get("scopes")))
        for scope in sorted(new_scopes - old_scopes):
            yield make(
                "api-security-component-oauth-scope-added",
                pointer,
                "",
                scope,
                f"uses the {name} scheme, which defines the scope {scope}",
            )
        for scope in sorted(old_scopes - new_scopes):
            clause = f"uses the {name} scheme, which no longer defines the scope {scope}"
            yield make("api-security-component-oauth-scope-removed", pointer, scope, "", clause)
