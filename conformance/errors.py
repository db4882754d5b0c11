"""Errors that end a command with one clear sentence and the exit code of docs/interfaces."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BREAKING = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


def first_line(value: object, default: str = "") -> str:
    """The first line of a message (an exception's, a check's), for a one-sentence error or finding."""
    text = str(value or "").strip()
    return text.splitlines()[0][:300] if text else default


class ConformanceError(Exception):
    """An error the user can fix; its message is one sentence saying what is wrong and how to fix it."""

    exit_code = EXIT_USAGE


class UsageError(ConformanceError):
    """Bad arguments, unknown provider, invalid spec, corrupt cassette, missing credentials."""


class TargetUnreachable(ConformanceError):
    """The target could not be reached, or kept failing at transport level."""

    exit_code = EXIT_UNREACHABLE
