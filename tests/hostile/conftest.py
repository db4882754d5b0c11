"""Helpers for the hostile cases: the CLI in-process with its exit code and stderr, timed; tiny
filesystems; copies of the specs and cassettes to break."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from tests.conftest import ROOT


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def conformance(args: list[str], env: dict[str, str] | None = None) -> Ran:
    started = time.monotonic()
    result = CliRunner().invoke(main, args, env=env)
    seconds = time.monotonic() - started
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr, seconds)


def assert_one_sentence(ran: Ran, code: int, *fragments: str) -> None:
    """Exit `code`, one `error:` line on stderr naming `fragments`, no traceback."""
    assert ran.code == code, (ran.code, ran.stderr[-2000:], ran.stdout[-2000:])
    text = " ".join(ran.error_lines)
    assert text.startswith("error:") or text.startswith("Error:"), ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout
    for fragment in fragments:
        assert fragment in text, (fragment, text)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` (hidden ones too), by relative path: what "unchanged" is checked against."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    target = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", target)
    return target


@pytest.fixture
def cassette_copy(tmp_path: Path) -> Path:
    target = tmp_path / "cassettes"
    shutil.copytree(ROOT / "cassettes", target)
    return target


def _mount(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs: a real full disk (ENOSPC) once filled."""
    path = tmp_path / f"tiny-{uuid.uuid4().hex[:6]}"
    _mount(path, "size=2m")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only filesystem (EROFS): even root cannot write there."""
    path = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    _mount(path, "ro,size=64k")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> None:
    """Fill `disk` to the last byte."""
    try:
        with open(disk / "filler", "wb") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
    except OSError:
        pass
