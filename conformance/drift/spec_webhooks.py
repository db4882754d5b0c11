"""The `webhooks` of two versions of a spec (issue 27): events removed or added, their payloads, content
types and headers. A payload is what the client receives, so its changes are graded as a response body's
(a field gone, retyped or a new enum value breaks a handler; a new optional field does not); an event no
longer sent, a content type or a required header the handler never saw, break it. Changes are filed under
the event's pseudo-operation (`webhook invoice.paid`), pointers into the payload as delivered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.spec_schema import Context, SchemaDiff
from conformance.drift.spec_side import SpecSide, as_dict, as_list, listing
from conformance.spec.webhooks import pseudo_operation


def webhook_changes(provider: str, old: SpecSide, new: SpecSide) -> Iterator[Change]:
    before, after = as_dict(old.document.get("webhooks")), as_dict(new.document.get("webhooks"))
    for name in sorted(before.keys() | after.keys()):
        old_post = as_dict(old.deref(before.get(name, {}))).get("post")
        new_post = as_dict(new.deref(after.get(name, {}))).get("post")
        make = ChangeMaker(provider, pseudo_operation(name), "POST", "", _doc_ref(new_post or old_post))
        if not isinstance(new_post, dict):
            yield make("webhook-removed", "", "event declared", "event absent", f"is no longer sent ({name})")
        elif not isinstance(old_post, dict):
            yield make("webhook-added", "", "event absent", "event declared", f"is a new event ({name})")
        else:
            yield from _event(make, old, new, old_post, new_post)


def _doc_ref(post: Any) -> str:
    provenance = as_dict(as_dict(post).get("x-provenance"))
    for source in as_list(provenance.get("sources")):
        if isinstance(source, dict) and source.get("url"):
            return str(source["url"])
    return ""


def _media(side: SpecSide, post: dict[str, Any]) -> dict[str, Any]:
    body = as_dict(side.deref(post.get("requestBody")))
    return {str(k): side.deref(v) for k, v in as_dict(body.get("content")).items()}


def _headers(side: SpecSide, post: dict[str, Any]) -> dict[str, bool]:
    found = {}
    for param in as_list(post.get("parameters")):
        param = as_dict(side.deref(param))
        if param.get("in") == "header" and param.get("name"):
            found[str(param["name"]).lower()] = param.get("required") is True
    return found


def _event(
    make: ChangeMaker, old: SpecSide, new: SpecSide, old_post: dict[str, Any], new_post: dict[str, Any]
) -> Iterator[Change]:
    old_media, new_media = _media(old, old_post), _media(new, new_post)
    old_text, new_text = listing(old_media), listing(new_media)
    for media in sorted(old_media.keys() - new_media.keys()):
        yield make("webhook-media-type-removed", "", old_text, new_text, f"is no longer sent as {media}")
    for media in sorted(new_media.keys() - old_media.keys()):
        yield make("webhook-media-type-added", "", old_text, new_text, f"is sent as {media} too")
    old_headers, new_headers = _headers(old, old_post), _headers(new, new_post)
    for name in sorted(old_headers.keys() - new_headers.keys()):
        yield make(
            "webhook-header-removed",
            f"/headers/{name}",
            f"header {name}",
            "no such header",
            f"no longer carries {name}",
        )
    for name in sorted(new_headers.keys() - old_headers.keys()):
        rule = "webhook-required-header-added" if new_headers[name] else "webhook-header-added"
        yield make(rule, f"/headers/{name}", "no such header", f"header {name}", f"carries a new header {name}")
    differ = SchemaDiff(old.follow, new.follow)
    for media in sorted(old_media.keys() & new_media.keys()):
        old_m, new_m = as_dict(old_media[media]), as_dict(new_media[media])
        if "schema" in old_m and "schema" in new_m:
            ctx = Context(make, False, "", "the payload", "field", f" of its payload ({media})")
            yield from differ.compare(ctx, old_m["schema"], new_m["schema"])
