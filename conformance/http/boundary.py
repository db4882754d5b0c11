"""The one error boundary of every command: exit codes never lie (interfaces.md).

Known errors end as one sentence on stderr and their code (2 or 3); a full or read-only disk is a
usage error (2); an interruption exits 130 (SIGINT) or 143 (SIGTERM); anything nobody anticipated
is a bug of the suite and exits 4 with one line naming a crash log. Nothing but a breaking finding
ever exits 1.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click
from rich.console import Console

from conformance.core import secrets
from conformance.core.errors import EXIT_INTERNAL, EXIT_USAGE, ConformanceError, Interrupted
from conformance.core.fsutil import disk_error_message

F = TypeVar("F", bound=Callable[..., Any])

err_console = Console(stderr=True)


def say(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {secrets.scrub(message)}", highlight=False, soft_wrap=True)


def guarded(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConformanceError as exc:
            say(str(exc))
            sys.exit(exc.exit_code)
        except Interrupted as exc:
            say("interrupted; no cassette or report was overwritten.")
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            say("interrupted; no cassette or report was overwritten.")
            sys.exit(Interrupted().exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            message = disk_error_message(exc)
            if message is None:
                _crash(exc, kwargs)
            say(message)
            sys.exit(EXIT_USAGE)
        except RecursionError as exc:
            # Specs and cassettes are checked before use; a RecursionError left is still our bug.
            _crash(exc, kwargs)
        except Exception as exc:
            _crash(exc, kwargs)

    return cast(F, wrapper)


def _crash(exc: BaseException, params: dict[str, Any]) -> NoReturn:
    text = secrets.scrub("".join(traceback.format_exception(exc)))
    log = write_crash_log(text, params.get("report_dir"))
    say(f"internal error ({type(exc).__name__}), a bug in invoice-conformance; the traceback is in {log}.")
    sys.exit(EXIT_INTERNAL)


def write_crash_log(text: str, report_dir: Any = None) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    header = f"invoice-conformance crash, {stamp}\ncommand: {' '.join(sys.argv)}\n\n"
    for directory in ([Path(report_dir)] if report_dir else []) + [Path(tempfile.gettempdir())]:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"crash-{stamp}-", suffix=".log", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.scrub(header) + text)
            return name
        except OSError:
            continue
    return "(nowhere: no writable directory; traceback follows)\n" + text
