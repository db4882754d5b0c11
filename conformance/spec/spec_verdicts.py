"""OpenAPI validation of a spec, remembered across runs for exactly the bytes already found valid.

Validating a spec against OpenAPI 3.1 (openapi-spec-validator) costs about a second per spec, more
than re-judging every recorded exchange. A spec whose exact bytes passed under the same validator
release passes again, so a marker named by the hash of both is kept in a cache directory
($CONFORMANCE_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, /invoice-conformance/valid-specs;
CONFORMANCE_CACHE_DIR=off disables it). Only passes are remembered: an invalid spec is validated
again every time and fails with the same message. A cache that cannot be written is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.core import disk_cache
from conformance.core.fsutil import atomic_write_text

CACHE_VARIABLE = disk_cache.CACHE_VARIABLE


class OpenAPIInvalid(Exception):
    """openapi-spec-validator's verdict, without importing it where no validation is needed."""

    def __init__(self, message: str, absolute_path: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.absolute_path = absolute_path


def validate_openapi(document: Any) -> None:
    """OpenAPI 3.1 validation; its package takes a large share of start-up, so it is imported here."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        raise OpenAPIInvalid(
            str(getattr(exc, "message", exc)), tuple(getattr(exc, "absolute_path", ()) or ())
        ) from None


def cache_dir() -> Path | None:
    return disk_cache.area("valid-specs")


def _key(text: str) -> str:
    validator = importlib.metadata.version("openapi-spec-validator")
    return hashlib.sha256(f"openapi-spec-validator {validator}\0{text}".encode()).hexdigest()


def validate_once(text: str, document: Any, validate: Callable[[Any], None] = validate_openapi) -> None:
    """`validate(document)` unless these exact bytes already passed it; a pass is remembered."""
    directory = cache_dir()
    marker = directory / _key(text) if directory is not None else None
    if marker is not None and marker.is_file():
        return
    validate(document)
    if marker is not None:
        with contextlib.suppress(OSError):
            atomic_write_text(marker, "")
