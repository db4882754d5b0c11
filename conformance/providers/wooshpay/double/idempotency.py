"""Stripe's Idempotency-Key on the WooshPay double's POSTs: the first answer to a key (success or 4xx) is
replayed for the same request (Idempotent-Replayed: true); the key used for a different endpoint or body
answers 409 idempotency_error. A POST handler opts in with @idempotent; the keys live in the store."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from conformance.sandbox.double import ApiError, ApiRequest, ApiResponse


@dataclass(frozen=True)
class _Saved:
    """The first answer given to an Idempotency-Key."""

    fingerprint: str
    status: int
    body: Any
    error: ApiError | None


class IdempotencyKeys:
    """The first answer given to each Idempotency-Key, and the replay of it."""

    def __init__(self) -> None:
        self._saved: dict[str, _Saved] = {}

    def answer(self, request: ApiRequest, run: Callable[[ApiRequest], ApiResponse]) -> ApiResponse:
        """`run`'s answer to `request`, or the one saved for its Idempotency-Key."""
        key = request.header("Idempotency-Key")
        if not key:
            return run(request)
        fingerprint = json.dumps(
            [request.operation.operation_id, request.path_params, request.body], sort_keys=True, default=str
        )
        saved = self._saved.get(key)
        if saved is not None:
            if saved.fingerprint != fingerprint:
                raise ApiError(
                    409,
                    "idempotency_key_in_use",
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
            if saved.error is not None:
                raise saved.error
            return ApiResponse(saved.status, copy.deepcopy(saved.body), {"Idempotent-Replayed": "true"})
        try:
            response = run(request)
        except ApiError as error:
            if error.status < 500:
                self._saved[key] = _Saved(fingerprint, error.status, None, error)
            raise
        self._saved[key] = _Saved(fingerprint, response.status, copy.deepcopy(response.body), None)
        return response


class _Keyed(Protocol):
    idempotency: IdempotencyKeys


_Double = TypeVar("_Double", bound=_Keyed)
_Handler = Callable[[_Double, ApiRequest], ApiResponse]


def idempotent(handler: _Handler[_Double]) -> _Handler[_Double]:
    """Honour the Idempotency-Key header on a POST handler."""

    @functools.wraps(handler)
    def wrapper(self: _Double, request: ApiRequest) -> ApiResponse:
        return self.idempotency.answer(request, functools.partial(handler, self))

    return wrapper
