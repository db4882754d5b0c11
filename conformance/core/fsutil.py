"""Atomic file writes: a file is replaced whole or not at all."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write_many({Path(path): data})


def atomic_write_many(files: Mapping[Path, bytes | str]) -> None:
    """Write every file to a temporary beside it, then put them all in place: a failure (a full disk,
    an interruption) before the last rename leaves every file as it was and no temporary behind."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp creates 0600; give the file the mode an ordinary write would (0666 less the umask).
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def disk_error_message(exc: OSError) -> str | None:
    """One sentence for an OSError a user can fix (a full or read-only disk), else None."""
    where = exc.filename or "the output directory"
    if exc.errno in _NO_SPACE:
        return f"no space left to write {where}; free some space or choose another --report-dir / --cassette-dir."
    if exc.errno in _NOT_WRITABLE:
        return f"cannot write {where} ({os.strerror(exc.errno)}); make it writable or choose another directory."
    return None


def require_writable(directory: Path, option: str) -> None:
    """A UsageError (exit 2) now, rather than a failed write at the end of a long run."""
    from conformance.core.errors import UsageError

    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        exc.filename = exc.filename or str(directory)
        message = disk_error_message(exc) or f"cannot write {directory} ({exc.strerror}); choose another {option}."
        raise UsageError(message.replace("another directory", f"another {option}")) from None
