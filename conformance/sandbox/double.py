"""The base of every provider double: a WSGI app that serves a provider's spec like the provider would.

What is the same for every provider lives here: routing from the spec's paths, request validation
against the spec (Prism-style), auth enforcement, JSON responses, pagination, lifecycle guards (from the spec's x-lifecycle), and
the generic faults of the catalogue. A provider's double (conformance/providers/<name>/double, a module or a package) supplies
its state, its handlers (one method per operationId), its error object and its FaultTargets.
"""

from __future__ import annotations

import copy
import json
import random
import string
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from jsonschema import Draft202012Validator
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from conformance.checks.lifecycle import Lifecycle, lifecycle_of
from conformance.checks.lifecycle import Rule as LifecycleRule
from conformance.core import refs
from conformance.core.errors import UsageError
from conformance.core.kinds import Basis, Kind
from conformance.sandbox.faults import BY_NAME, CATALOGUE, DELIVERY_FAULTS, FAULT_HEADER, Fault, FaultSet
from conformance.sandbox.receivers import DEFAULT_TIMEOUT, Receiver, receiver_for
from conformance.sandbox.webhooks import Endpoint, EventScheme, Outbox, option_float
from conformance.spec.specs import HTTP_METHODS, Operation, Provenance, Spec
from conformance.spec.validation import violations

# The variant that follows the pages and nothing more (issue 24): each provider describes its own in `variants`.
DOCS_ONLY = "docs_only"

JSON = dict[str, Any]
OWN_PROVENANCE = Provenance("inferred", (), "served by the double before its spec declares it")

# Options every double takes (`conformance sandbox --option`, the plugin, build_double): name -> what it does.
WEBHOOK_OPTIONS: Mapping[str, str] = {
    "webhook_url": "deliver the double's events to this URL (where the provider has no endpoints API)",
    "webhook_time_scale": "seconds of the retry schedule per real second (default 1.0; tests use e.g. 0.001)",
    "webhook_timeout": f"real seconds a receiver may take to answer one attempt (default {DEFAULT_TIMEOUT:g})",
}


@dataclass
class ApiRequest:
    """What a handler sees: the operation, decoded path/query parameters, JSON body and raw request."""

    operation: Operation
    path_params: dict[str, str]
    query: dict[str, Any]
    body: Any
    raw: Request

    def header(self, name: str) -> str | None:
        return self.raw.headers.get(name)


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by handlers (and the base) to answer with the provider's error object."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


@dataclass(frozen=True)
class FaultTargets:
    """What the generic faults touch in this provider's invoice objects."""

    removed_field: str  # required, present on every invoice
    retyped_field: str  # an integer field
    renamed_field: tuple[str, str]  # (documented name, new name)
    added_field: tuple[str, Any]  # (undocumented name, value)
    enum_field: tuple[str, str]  # (field, value the docs do not list)
    nullable_field: str  # required and not nullable
    total_field: str  # the total that must equal the sum of the lines
    server_error_operation: str  # operationId that answers 500 under `server_error`
    removed_fields: tuple[str, ...] = ()  # required, present on every invoice; all removed by `fields_removed`


class ProviderDouble(ABC):
    """A stateful stand-in for one provider, served over real HTTP by conformance.targets.double_server."""

    #: The provider name, as in conformance.providers.
    provider: ClassVar[str]
    #: Prefix of every generated id per object type, e.g. {"invoice": "in_"}.
    id_prefixes: ClassVar[Mapping[str, str]]
    fault_targets: ClassVar[FaultTargets]
    #: Requests answered 429 under the `rate_limited` fault.
    rate_limited_requests: ClassVar[int] = 3
    slow_seconds: ClassVar[float] = 1.5
    #: The double's own variants beyond the fault catalogue: name -> what it changes (e.g. WooshPay's docs_only).
    variants: ClassVar[Mapping[str, str]] = {}
    #: The error code of a lifecycle refusal.
    refusal_code: ClassVar[str] = "invoice_unexpected_state"
    #: The operationIds each behaviour fault (a `scoped` one of the catalogue) breaks on this double: the
    #: operations whose documented behaviour it changes. A scoped fault not named here is refused.
    fault_operations: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: Generic faults nothing of this provider's spec can show (no delete operation: deleted_still_retrievable);
    #: served if asked for, but not part of its catalogue.
    inapplicable_faults: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        spec: Spec,
        credentials: Mapping[str, str],
        faults: FaultSet | None = None,
        *,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
        options: Mapping[str, object] | None = None,
    ) -> None:
        self.spec = spec
        self.options = dict(options or {})
        unknown = sorted(set(self.options) - set(WEBHOOK_OPTIONS) - set(self.own_options))
        if unknown:
            known = ", ".join(sorted({*WEBHOOK_OPTIONS, *self.own_options}))
            raise UsageError(f"unknown double option {unknown[0]!r} for {self.provider}; options: {known}.")
        self.credentials = dict(credentials)
        self.faults = self.fault_set(sorted((faults or FaultSet()).names))
        self.clock = clock
        self._seed = seed
        self._random = random.Random(seed)
        self._flips = self._lifecycle_flips()
        self._lock = threading.RLock()
        self._requests_seen = 0
        # Events emitted by the request being handled: (name, object id, status then, the object then).
        self._emitted: list[tuple[str, str, Any, JSON]] = []
        self._muted = False
        # event_early: invoice id -> the object as read before its change, served until the event is out.
        self._stale: dict[str, tuple[JSON, str]] = {}
        self._before: dict[str, JSON] = {}
        self.webhooks = self._outbox()
        self._check_delivery_faults(self.faults)
        self._parameter_validators: dict[int, Draft202012Validator] = {}
        self._unbounded_schemas: dict[int, JSON] = {}
        # Routes outside the spec (an OAuth token endpoint): literal path -> method -> handler name.
        self._extra_routes: dict[str, dict[str, str]] = {}
        for path, method, name in self.extra_routes():
            self._extra_routes.setdefault(path.rstrip("/") or "/", {})[method.upper()] = name
        # Methods of each concrete (untemplated) path: OpenAPI matches a concrete path before a templated
        # one, so a request to /invoices/create never falls through to /invoices/{id}.
        self._concrete_paths: dict[str, set[str]] = {
            path: _with_head(methods) for path, methods in self._extra_routes.items()
        }
        for op in spec.operations.values():
            if "{" not in op.path:
                self._concrete_paths.setdefault(op.path.rstrip("/") or "/", set()).update(_with_head({op.method}))
        self.reset()

    # -- to implement per provider ------------------------------------------------------------

    @abstractmethod
    def reset(self) -> None:
        """Create empty state (dicts of objects)."""

    @abstractmethod
    def authenticate(self, request: Request) -> bool:
        """Whether the request carries the credentials this double accepts."""

    @abstractmethod
    def error_body(self, error: ApiError) -> JSON:
        """The provider's documented error object for `error`."""

    @abstractmethod
    def invoices_in(self, body: Any) -> Iterator[JSON]:
        """The invoice objects inside a response body (single object, envelope or list page)."""

    @abstractmethod
    def seed_demo_data(self) -> None:
        """Objects a sandbox account already holds (invoices in several states), so that list and
        retrieve operations have something to return when a run starts. Called for `--target sandbox`
        and `conformance sandbox`; tests start from empty state."""

    def extra_routes(self) -> Sequence[tuple[str, str, str]]:
        """(path, method, handler name) served besides the spec's operations, e.g. a token endpoint."""
        return ()

    def unauthenticated_routes(self) -> frozenset[str]:
        """Handler names reachable without credentials."""
        return frozenset()

    #: Options of this double beyond WEBHOOK_OPTIONS: name -> what it does (UseePay's webhook_api_version).
    own_options: ClassVar[Mapping[str, str]] = {}

    def event_scheme(self) -> EventScheme | None:
        """How this provider's events are built, signed and retried; None: it sends none (Lynkwell)."""
        return None

    def event_object(self, object_id: str) -> JSON | None:
        """The object an event about `object_id` carries, exactly as the API reads it now (None: gone)."""
        return None

    def own_operations(self) -> Sequence[tuple[str, str, str]]:
        """(method, path template, operationId) served, authenticated, when the spec lacks the operation:
        an API the double implements before its spec declares it (WooshPay's webhook endpoints)."""
        return ()

    # -- events ---------------------------------------------------------------------------------

    def _outbox(self) -> Outbox | None:
        scheme = self.event_scheme()
        if scheme is None:
            if "webhook_url" in self.options:
                raise UsageError(
                    f"the {self.provider} double sends no events (none are documented); drop the webhook URL (--webhook-url, or the webhook_url option)."
                )
            return None
        outbox = Outbox(
            scheme,
            lambda name: name in self.faults,
            time_scale=option_float(self.options, "webhook_time_scale", 1.0),
            timeout=option_float(self.options, "webhook_timeout", DEFAULT_TIMEOUT),
            seed=self._seed,
        )
        url = self.options.get("webhook_url")
        if url is not None:
            outbox.register(Endpoint("option", receiver_for(str(url)), configured=True))
        return outbox

    def deliver_to(self, target: object, *, path: str = "/", events: Sequence[str] = ("*",)) -> Endpoint:
        """Deliver this double's events to a URL, a WSGI app or an ASGI app from now on (the pytest plugin's
        `double.webhooks.deliver_to`); the endpoint says how to verify them (its secret, if the scheme has one)."""
        if self.webhooks is None:
            raise UsageError(f"the {self.provider} double sends no events (none are documented).")
        receiver = receiver_for(target, path=path)
        with self._lock:
            return self.webhooks.register(self.new_endpoint(receiver, tuple(events)))

    def new_endpoint(self, receiver: Receiver, events: tuple[str, ...]) -> Endpoint:
        """An endpoint registered without the provider's API (a provider whose scheme has a shared secret makes one)."""
        return Endpoint(f"endpoint_{len(self.webhooks.endpoints) if self.webhooks else 0}", receiver, None, events)

    def _check_delivery_faults(self, faults: FaultSet) -> None:
        """A delivery fault this double cannot show is refused, not silently ignored (a test would pass)."""
        wanted = sorted(faults.names & DELIVERY_FAULTS)
        if not wanted:
            return
        if self.webhooks is None:
            raise UsageError(f"fault {wanted[0]}: the {self.provider} double sends no events (none are documented).")
        self.webhooks.scheme.check_faults(lambda name: name in faults.names)

    def emit(self, name: str, obj: JSON) -> None:
        """An event about `obj` (an invoice record), published when the request ends with the object as the API
        then reads it (or as it was now, if a later step of the same request moved it on)."""
        if self.webhooks is None or self._muted or not self.webhooks.endpoints:
            return
        object_id = obj["id"]
        self._emitted.append((name, object_id, obj.get("status"), self.event_object(object_id) or copy.deepcopy(obj)))

    def _publish(self) -> None:
        """Hand what the request emitted to the outbox (holding the lock, after the handler)."""
        emitted, self._emitted = self._emitted, []
        if self.webhooks is None:
            return
        for name, object_id, status, then in emitted:
            now = self.event_object(object_id)
            data = now if now is not None and now.get("status") == status else then
            if "event_payload_drift" in self.faults:
                self.drift_payload(data)
            event = self.webhooks.emit(name, object_id, data, self.now())
            if event is not None and "event_early" in self.faults and object_id in self._before:
                self._stale[object_id] = (self._before[object_id], event.id)

    def drift_payload(self, data: JSON) -> None:
        """event_payload_drift: the event's object loses one required field and has an integer retyped."""
        targets = self.fault_targets
        data.pop(targets.removed_field, None)
        if isinstance(data.get(targets.retyped_field), int):
            data[targets.retyped_field] = str(data[targets.retyped_field])

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Emit nothing (demo data: what the account already held when the double started)."""
        self._muted = True
        try:
            yield
        finally:
            self._muted = False

    def _read_stale(self, body: Any) -> None:
        """event_early: while an event is out, reads of its object still show the state before the change."""
        if not self._stale or self.webhooks is None:
            return
        answered = {a.event_id for a in self.webhooks.sent}
        for object_id, (_, event_id) in list(self._stale.items()):
            if event_id in answered:
                del self._stale[object_id]
        for invoice in self.invoices_in(body):
            old = self._stale.get(invoice.get("id", ""))
            if old is not None:
                invoice.clear()
                invoice.update(copy.deepcopy(old[0]))

    @property
    def requests_seen(self) -> int:
        """Requests served so far (benchmarks count with it)."""
        return self._requests_seen

    # -- reuse while serving (conformance.pytest_plugin resets one server per test) -------------

    def close(self) -> None:
        """Stop delivering (the server stops)."""
        if self.webhooks is not None:
            self.webhooks.close()

    def restart(self, faults: Iterable[str] = ()) -> None:
        """Back to the state of a newly built double (same seed), with exactly `faults` on.

        Much cheaper than a new server, and equivalent: every store comes from reset().
        """
        fault_set = self.fault_set(list(faults))
        self._check_delivery_faults(fault_set)
        with self._lock:
            self._random = random.Random(self._seed)
            self.reset()
            self._requests_seen = 0
            self.faults = fault_set
            self._emitted, self._stale = [], {}
            if self.webhooks is not None:
                self.webhooks.reset()

    def inject(self, *faults: str) -> None:
        """Switch faults on for every request from now on, the ones already on staying on."""
        fault_set = self.fault_set([*self.faults.names, *faults])
        self._check_delivery_faults(fault_set)
        with self._lock:
            if "rate_limited" in faults:
                self._requests_seen = 0  # the next requests are the limited ones
            self.faults = fault_set

    # -- the faults this double can show -----------------------------------------------------

    @classmethod
    def fault_set(cls, names: Iterable[str]) -> FaultSet:
        """`names` as this double's fault set: a behaviour fault it declares no operation for is a usage error."""
        fault_set = FaultSet.of(list(names), cls.variants)
        for name in sorted(fault_set.names):
            fault = BY_NAME.get(name)
            if fault is not None and fault.scoped and not cls.fault_operations.get(name):
                own = ", ".join(f.name for f in cls.catalogue() if f.scoped) or "none"
                raise UsageError(
                    f"the {cls.provider} double cannot show {name}: no operation of its spec has the behaviour it "
                    f"breaks (its behaviour faults: {own})."
                )
        return fault_set

    @classmethod
    def catalogue(cls) -> tuple[Fault, ...]:
        """The catalogue faults this double shows: every generic one, and the behaviour faults it declares."""
        return tuple(
            fault
            for fault in CATALOGUE
            if fault.name not in cls.inapplicable_faults and (not fault.scoped or cls.fault_operations.get(fault.name))
        )

    @classmethod
    def operations_broken_by(cls, name: str) -> tuple[str, ...]:
        """The operations a fault breaks, where the catalogue or this double says (empty: not one in particular)."""
        if name in cls.fault_operations:
            return tuple(cls.fault_operations[name])
        if name == "server_error":
            return (cls.fault_targets.server_error_operation,)
        return ()

    def breaks(self, fault: str, operation_id: str) -> bool:
        """Whether `fault` is on and changes what `operation_id` does."""
        return fault in self.faults and operation_id in self.fault_operations.get(fault, ())

    def unless_persisted(self, request: ApiRequest, stored: JSON, before: JSON) -> None:
        """Under `update_not_persisted`, put back what `stored` held `before` the update: the handler's answer
        (a copy taken first) shows the new values, the next read the old ones."""
        if self.breaks("update_not_persisted", request.operation.operation_id):
            stored.clear()
            stored.update(before)

    # -- helpers for handlers -----------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        alphabet = string.ascii_letters + string.digits
        return self.id_prefixes[kind] + "".join(self._random.choice(alphabet) for _ in range(14))

    def now(self) -> int:
        return int(self.clock())

    def require(self, objects: Mapping[str, JSON], object_id: str, what: str, param: str = "id") -> JSON:
        found = objects.get(object_id)
        if found is None:
            raise ApiError(404, "resource_missing", f"No such {what}: '{object_id}'", param)
        return found

    def guard(self, action: str, current: str) -> None:
        """Refuse `action` (an operationId of the x-lifecycle) in status `current` unless the lifecycle
        allows it; the `illegal_transition_accepted` fault and accept:/refuse: flips change the answer."""
        rule = self._lifecycle().action(action)
        flipped = self._flips.get((rule.key, current))
        allowed = rule.allows(current) or "illegal_transition_accepted" in self.faults
        if flipped is not None:
            allowed = flipped == "accept"
        if not allowed:
            raise self.refusal(rule, current)

    def refusal(self, rule: LifecycleRule, current: str) -> ApiError:
        """The error a forbidden action answers: the lifecycle's documented refusal status."""
        status = self._lifecycle().refused_with[0]
        return ApiError(status, self.refusal_code, self.refusal_message(rule.name.replace("_", " "), rule, current))

    def refusal_message(self, action: str, rule: LifecycleRule, current: str) -> str:
        allowed = " or ".join(rule.allowed_from)
        return f"You can only {action} an invoice whose status is {allowed}; this one is {current}."

    def guard_state(self, current: str, allowed_from: Sequence[str], action: str, what: str) -> None:
        """Refuse an action on an object outside the invoice lifecycle (a subscription) in a status that
        forbids it, with the provider's documented refusal status; `illegal_transition_accepted` lets it by."""
        if current in allowed_from or "illegal_transition_accepted" in self.faults:
            return
        raise ApiError(
            self._lifecycle().refused_with[0],
            "unexpected_state",
            f"You can only {action} a {what} whose status is {' or '.join(allowed_from)}; this one is {current}.",
            None,
        )

    def guard_event(self, event: str, current: str) -> None:
        """A back-office step (no operation performs it) applied out of turn is a bug of the caller."""
        rule = self._lifecycle().event(event)
        if not rule.allows(current):
            raise ValueError(f"cannot {event} an invoice that is {current} (allowed from {rule.allowed_from})")

    def _lifecycle(self) -> Lifecycle:
        found = lifecycle_of(self.spec)
        if found is None:
            raise UsageError(f"{self.spec.path}: the {self.provider} double needs an x-lifecycle; declare one.")
        return found

    def _lifecycle_flips(self) -> dict[tuple[str, str], str]:
        """(operationId, state) -> accept | refuse, checked against the declaration."""
        flips: dict[tuple[str, str], str] = {}
        for flip in self.faults.flips:
            lifecycle = self._lifecycle()
            try:
                rule = lifecycle.action(flip.action)
            except KeyError:
                names = ", ".join(r.name for r in lifecycle.actions.values())
                raise UsageError(
                    f"fault {flip.name}: {self.provider} has no lifecycle action {flip.action!r} ({names})."
                ) from None
            if flip.state not in lifecycle.states:
                raise UsageError(
                    f"fault {flip.name}: {flip.state!r} is not a {self.provider} invoice status "
                    f"({', '.join(lifecycle.states)})."
                )
            if rule.allows(flip.state) == (flip.how == "accept"):
                verb = "allows" if flip.how == "accept" else "forbids"
                raise UsageError(
                    f"fault {flip.name} changes nothing: the lifecycle already {verb} {rule.name} in {flip.state}; "
                    f"use {'refuse' if flip.how == 'accept' else 'accept'}:{flip.action}@{flip.state}."
                )
            flips[(rule.key, flip.state)] = flip.how
        return flips

    def forget(self, objects: dict[str, JSON], object_id: str) -> None:
        """Delete an object, unless the `deleted_still_retrievable` fault keeps it visible."""
        if "deleted_still_retrievable" not in self.faults:
            objects.pop(object_id, None)

    def page(
        self, items: Sequence[JSON], *, limit: int, after: str | None = None, before: str | None = None
    ) -> tuple[list[JSON], bool]:
        """A page of `items` (stable order) after/before a cursor id, and whether more follow.

        The pagination faults are applied here, so every provider's list endpoints show them alike.
        """
        ids = [item["id"] for item in items]
        if after is not None:
            if after not in ids:
                raise ApiError(
                    400, "resource_missing", f"No such object for starting_after: '{after}'", "starting_after"
                )
            start = ids.index(after) + 1
            window = list(items[start : start + limit])
            more = start + limit < len(items)
            if "pagination_repeats" in self.faults and start > 0:
                window = [items[start - 1], *window[: limit - 1]]
            if "pagination_skips" in self.faults and window:
                window = window[1:]
        elif before is not None:
            if before not in ids:
                raise ApiError(
                    400, "resource_missing", f"No such object for ending_before: '{before}'", "ending_before"
                )
            end = ids.index(before)
            window = list(items[max(0, end - limit) : end])
            more = end - limit > 0
        else:
            window = list(items[:limit])
            more = limit < len(items)
        if "has_more_lies" in self.faults and not more:
            more = True
        return window, more

    # -- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        with self._lock:
            self._requests_seen += 1
            seen = self._requests_seen
        if "slow_responses" in self.faults:
            time.sleep(self.slow_seconds)
        if "rate_limited" in self.faults and seen <= self.rate_limited_requests:
            return self._to_wsgi(
                self._error_response(ApiError(429, "rate_limit", "Too many requests; retry later.")),
                {"Retry-After": "1"},
            )
        try:
            endpoint, path_params = self._route(request.method, request.path)
        except NotFound:
            return self._to_wsgi(
                self._error_response(
                    ApiError(404, "not_found", f"Unrecognized request URL ({request.method}: {request.path}).")
                )
            )
        except MethodNotAllowed as exc:
            response = self._error_response(
                ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}.")
            )
            return self._to_wsgi(response, {"Allow": ", ".join(sorted(exc.valid_methods or ()))})
        handler = getattr(self, endpoint)
        own = self._own_operation(endpoint, request.method, path_params)
        if endpoint not in self.spec.operations and own is None:
            return self._to_wsgi(handler(request))
        if (
            endpoint not in self.unauthenticated_routes()
            and "auth_not_enforced" not in self.faults
            and not self.authenticate(request)
        ):
            return self._to_wsgi(self._error_response(ApiError(401, "unauthorized", "Invalid or missing credentials.")))
        operation = own or self.spec.operations[endpoint]
        try:
            api_request = self._parse_own(operation, request) if own else self._parse(operation, path_params, request)
            if endpoint == self.fault_targets.server_error_operation and "server_error" in self.faults:
                raise ApiError(500, "api_error", "An unexpected error occurred.")
            with self._lock:
                self._before = self._reads_before(request.method)
                try:
                    response = self._call(handler, api_request)
                finally:
                    self._publish()
                if request.method in ("GET", "HEAD"):
                    self._read_stale(response.body)
        except ApiError as error:
            return self._to_wsgi(self._error_response(error))
        return self._to_wsgi(self._apply_response_faults(response, operation))

    def _reads_before(self, method: str) -> dict[str, JSON]:
        """event_early: every invoice as read before a changing request (cheap: only under that fault)."""
        if self.webhooks is None or method in ("GET", "HEAD") or "event_early" not in self.faults:
            return {}
        return {object_id: found for object_id in self.event_object_ids() if (found := self.event_object(object_id))}

    def event_object_ids(self) -> Iterable[str]:
        """The ids of the objects events are about (the invoices)."""
        return ()

    def _own_operation(self, endpoint: str, method: str, path_params: dict[str, str]) -> Operation | None:
        if endpoint in self.spec.operations:
            return None
        for own_method, path, operation_id in self.own_operations():
            if operation_id == endpoint and own_method == method:
                return Operation(self.provider, operation_id, method, path, "", OWN_PROVENANCE)
        return None

    def _parse_own(self, operation: Operation, request: Request) -> ApiRequest:
        """An operation the spec lacks: its path parameters and body, decoded without a schema to judge them."""
        raw = request.get_data()
        body = self.decode_own_body(request, raw) if raw else None
        params = self._own_params(operation.path, request.path)
        query = {key: values[-1] for key, values in request.args.lists()}
        return ApiRequest(operation=operation, path_params=params, query=query, body=body, raw=request)

    def decode_own_body(self, request: Request, raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "invalid_request", "The request body is not valid JSON.") from None

    @staticmethod
    def _own_params(template: str, path: str) -> dict[str, str]:
        names = template.strip("/").split("/")
        values = path.strip("/").split("/")
        return {n[1:-1]: v for n, v in zip(names, values, strict=False) if n.startswith("{")}

    def _call(self, handler: Callable[[ApiRequest], ApiResponse], request: ApiRequest) -> ApiResponse:
        """A handler's answer. A double that does not enforce what only the spec infers lets through input its
        handlers cannot use (a list where an object is read, a field they need left out): it refuses that
        input with a 400, as a server that validates only what its pages state would."""
        if self.enforces_inferred:
            return handler(request)
        try:
            return handler(request)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            raise ApiError(
                400, "parameter_invalid", f"The request cannot be processed ({type(exc).__name__})."
            ) from None

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        """The handler of a request and its path parameters, by the spec's operation matcher (a HEAD is
        answered as its GET); NotFound or MethodNotAllowed (with the path's methods) otherwise."""
        # A decoded "?" (from %3F) is part of an id here, not the start of a query the matcher would cut off.
        path = path.replace("?", "%3F")
        key = path.rstrip("/") or "/"
        concrete_methods = self._concrete_paths.get(key)
        if concrete_methods is not None and method not in concrete_methods:
            raise MethodNotAllowed(valid_methods=sorted(concrete_methods))
        as_method = "GET" if method == "HEAD" else method
        extra = self._extra_routes.get(key, {}).get(as_method)
        if extra is not None:
            return extra, {}
        found = self.spec.match(as_method, path)
        if found is not None:
            return found[0].operation_id, found[1]
        own_allowed: set[str] = set()
        for own_method, template, operation_id in self.own_operations():
            if operation_id in self.spec.operations or not _matches(template, key):
                continue
            if own_method == as_method:
                return operation_id, {}
            own_allowed.add(own_method)
        allowed = {m.upper() for m in HTTP_METHODS if self.spec.match(m, path) is not None} | own_allowed
        if allowed:
            raise MethodNotAllowed(valid_methods=sorted(_with_head(allowed)))
        raise NotFound()

    def _error_response(self, error: ApiError) -> ApiResponse:
        return ApiResponse(error.status, self.error_body(error))

    def _to_wsgi(self, response: ApiResponse, extra_headers: Mapping[str, str] | None = None) -> Response:
        content_type = "application/json"
        if "wrong_content_type" in self.faults:
            content_type = "text/plain"
        body = b"" if response.body is None else json.dumps(response.body).encode()
        headers = {**response.headers, **(extra_headers or {})}
        if self.faults:
            headers[FAULT_HEADER] = ", ".join(sorted(self.faults.names))
        return Response(body, status=response.status, headers=headers, content_type=content_type)

    # -- request validation against the spec -------------------------------------------------

    def _parse(self, operation: Operation, path_params: dict[str, str], request: Request) -> ApiRequest:
        node = self.spec.resolve(operation.pointer)
        path_item = self.spec.resolve(operation.pointer.rsplit("/", 1)[0])
        parameters = [self._deref(p) for p in [*path_item.get("parameters", []), *node.get("parameters", [])]]
        query: dict[str, Any] = {}
        for parameter in parameters:
            location, name = parameter.get("in"), parameter["name"]
            if location == "query":
                raw = request.args.getlist(name)
                if not raw:
                    if parameter.get("required"):
                        raise ApiError(400, "parameter_missing", f"Missing required param: {name}.", name)
                    continue
                schema = self._deref(parameter.get("schema", {}))
                value = _coerce(raw, schema)
                if "maximum" in schema and self.breaks("limit_unbounded", operation.operation_id):
                    schema = self._unbounded(schema)
                self._check(schema, value, name)
                query[name] = value
            elif location == "path":
                self._check(self._deref(parameter.get("schema", {})), path_params.get(name), name)
        body: Any = None
        request_body = self._deref(node.get("requestBody")) if node.get("requestBody") else None
        raw_body = request.get_data()
        if request_body:
            if raw_body:
                body = self.decode_body(operation, request, raw_body)
            elif request_body.get("required"):
                raise ApiError(400, "parameter_missing", "A request body is required.")
            media = (request_body.get("content") or {}).get("application/json")
            # A literal JSON null is a body too, and must be judged by the schema like any other.
            if raw_body and media and "schema" in media:
                pointer = self._media_schema_pointer(operation)
                problems = violations(self.spec.validator(pointer), body)
                if not self.enforces_inferred:
                    # Following the pages only: what only the spec infers (a required list, an enum) is not enforced.
                    problems = [p for p in problems if p.basis is Basis.DOCUMENTED]
                if self.breaks("required_not_enforced", operation.operation_id):
                    # A missing top-level required field goes through (the handler fills in a placeholder).
                    problems = [p for p in problems if not (p.kind is Kind.MISSING_FIELD and p.pointer.count("/") == 1)]
                if problems:
                    first = problems[0]
                    param = first.pointer.lstrip("/").replace("/", ".") or None
                    raise ApiError(
                        400,
                        # A missing required property is a missing parameter, as providers report it.
                        "parameter_missing" if first.kind is Kind.MISSING_FIELD else "parameter_invalid",
                        f"Invalid request body at {first.pointer or '/'}: expected {first.expected}, got {first.observed}.",
                        param,
                    )
        return ApiRequest(operation=operation, path_params=path_params, query=query, body=body, raw=request)

    @property
    def enforces_inferred(self) -> bool:
        """Whether request bodies are held to the constraints only the spec infers (a docs_only variant: not)."""
        return not self._docs_only

    @property
    def _docs_only(self) -> bool:
        # A double without the variant has no such fault in its catalogue (asking the fault set would refuse).
        return DOCS_ONLY in self.variants and DOCS_ONLY in self.faults

    def decode_body(self, operation: Operation, request: Request, raw_body: bytes) -> Any:
        """The request body as data: JSON, unless a provider's docs document another media type too."""
        if request.mimetype != "application/json":
            raise ApiError(400, "invalid_request", "Request bodies must be application/json.")
        try:
            return json.loads(raw_body)
        except ValueError:
            raise ApiError(400, "invalid_request", "The request body is not valid JSON.") from None

    def _media_schema_pointer(self, operation: Operation) -> str:
        node = self.spec.resolve(operation.pointer)
        owner = operation.pointer + "/requestBody"
        ref = node["requestBody"].get("$ref") if isinstance(node["requestBody"], dict) else None
        if ref:
            owner = ref.removeprefix("#")
        return owner + "/content/application~1json/schema"

    def _deref(self, node: Any) -> Any:
        return refs.follow(node, self.spec.resolve)[0]

    def _unbounded(self, schema: JSON) -> JSON:
        """A parameter schema without its maximum (the `limit_unbounded` fault); kept, so _check's cache by id holds."""
        found = self._unbounded_schemas.get(id(schema))
        if found is None:
            found = self._unbounded_schemas[id(schema)] = {k: v for k, v in schema.items() if k != "maximum"}
        return found

    def _check(self, schema: JSON, value: Any, name: str) -> None:
        if not schema:
            return
        # Parameter schemas are nodes of the spec, alive as long as the double: compile each once.
        validator = self._parameter_validators.get(id(schema))
        if validator is None:
            validator = self._parameter_validators[id(schema)] = Draft202012Validator(schema)
        error = next(iter(validator.iter_errors(value)), None)
        if error is not None:
            raise ApiError(400, "parameter_invalid", f"Invalid value for {name}: {error.message}.", name)

    # -- generic response faults ------------------------------------------------------------------

    def omit_inferred_nulls(self, operation: Operation, response: ApiResponse) -> None:
        """Leave out, in place, the null fields of a success answer that only an inferred required list asks for:
        a page that lists the field as optional lets a server omit it (the docs_only variants)."""
        responses = self.spec.resolve(operation.pointer).get("responses") or {}
        answer = self._deref(responses.get(str(response.status)) or responses.get("default") or {})
        media = (answer.get("content") or {}).get("application/json") or {}
        if "schema" in media:
            self._omit_inferred_nulls(media["schema"], response.body)

    def _omit_inferred_nulls(self, schema: Any, value: Any) -> None:
        schema = self._deref(schema)
        if not isinstance(schema, dict):
            return
        if isinstance(value, list):
            for item in value:
                self._omit_inferred_nulls(schema.get("items", {}), item)
            return
        if not isinstance(value, dict):
            return
        for branch in (*schema.get("allOf", ()), *schema.get("anyOf", ()), *schema.get("oneOf", ())):
            self._omit_inferred_nulls(branch, value)
        if schema.get("x-inferred"):
            for name in schema.get("required", ()):
                if name in value and value[name] is None:
                    del value[name]
        for name, member in (schema.get("properties") or {}).items():
            if name in value:
                self._omit_inferred_nulls(member, value[name])

    def _apply_response_faults(self, response: ApiResponse, operation: Operation | None = None) -> ApiResponse:
        response = self._apply_catalogue_faults(response, operation)
        if self._docs_only and 200 <= response.status < 300 and operation is not None:
            self.omit_inferred_nulls(operation, response)
        return response

    def _apply_catalogue_faults(self, response: ApiResponse, operation: Operation | None = None) -> ApiResponse:
        if not self.faults or not 200 <= response.status < 300:
            return response
        targets = self.fault_targets
        if "wrong_success_status" in self.faults:
            response.status = 202
        for invoice in self.invoices_in(response.body):
            if "field_removed" in self.faults:
                invoice.pop(targets.removed_field, None)
            if "fields_removed" in self.faults:
                for name in targets.removed_fields or (targets.removed_field,):
                    invoice.pop(name, None)
            if "field_retyped" in self.faults and isinstance(invoice.get(targets.retyped_field), int):
                invoice[targets.retyped_field] = str(invoice[targets.retyped_field])
            if "field_renamed" in self.faults and targets.renamed_field[0] in invoice:
                old, new = targets.renamed_field
                invoice[new] = invoice.pop(old)
            if "field_added" in self.faults:
                invoice[targets.added_field[0]] = targets.added_field[1]
            if "enum_value_added" in self.faults:
                invoice[targets.enum_field[0]] = targets.enum_field[1]
            if "null_not_nullable" in self.faults:
                invoice[targets.nullable_field] = None
            if "totals_mismatch" in self.faults and isinstance(invoice.get(targets.total_field), int | float):
                invoice[targets.total_field] += 1
        return response


def _matches(template: str, path: str) -> bool:
    names, parts = template.strip("/").split("/"), path.strip("/").split("/")
    return len(names) == len(parts) and all(n.startswith("{") or n == p for n, p in zip(names, parts, strict=True))


def _with_head(methods: Iterable[str]) -> set[str]:
    """A path that answers GET answers HEAD too."""
    found = set(methods)
    return found | {"HEAD"} if "GET" in found else found


def _coerce(raw: list[str], schema: JSON) -> Any:
    """Query strings typed as the parameter's schema says, so the schema can judge them."""
    kind = schema.get("type")
    if kind == "array":
        return [_coerce([item], schema.get("items", {})) for item in raw]
    value = raw[-1]
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value
