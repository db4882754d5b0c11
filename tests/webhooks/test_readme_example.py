"""README.md's webhook example, run exactly as printed: its app.py diff read both ways (the `-` side is the naive
handler, the `+` side the fixed one) beside its test, each project run with pytest under xdist in a subprocess.
The naive handler fails the way the README says (it ships twice); the fixed one passes."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.plugin.user_project import ROOT, run_pytest

EXAMPLE = re.compile(r"<!-- example: (\S+) -->\n```(diff|python)\n(.*?)```", re.S)


def readme_blocks() -> dict[str, tuple[str, str]]:
    """file name -> (fence language, code), as printed in README.md."""
    return {path: (language, code) for path, language, code in EXAMPLE.findall((ROOT / "README.md").read_text())}


def sides(diff: str) -> tuple[str, str]:
    """(before, after) of a diff printed whole: context lines start with a space, blank lines are blank."""
    before, after = [], []
    for line in diff.splitlines():
        mark, text = line[:1], line[1:]
        assert mark in ("", " ", "-", "+"), f"not a line of a whole-file diff: {line!r}"
        if mark in ("", " ", "-"):
            before.append(text)
        if mark in ("", " ", "+"):
            after.append(text)
    return "\n".join(before) + "\n", "\n".join(after) + "\n"


def test_the_readme_prints_the_handler_as_a_diff_and_its_test() -> None:
    blocks = readme_blocks()
    assert set(blocks) == {"app.py", "test_app.py"}
    assert blocks["app.py"][0] == "diff"
    naive, fixed = sides(blocks["app.py"][1])
    assert naive != fixed
    compile(naive, "app.py", "exec")
    compile(fixed, "app.py", "exec")
    assert "deliver_twice" in blocks["test_app.py"][1]


def test_a_diff_is_read_both_ways() -> None:
    assert sides(" a\n-b\n+c\n\n d") == ("a\nb\n\nd\n", "a\nc\n\nd\n")
    with pytest.raises(AssertionError, match="not a line of a whole-file diff"):
        sides("a\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CompletedProcess[str]]:
    """Both projects, run at once: the naive handler and the fixed one, each with the README's test."""
    blocks = readme_blocks()
    projects: dict[str, Path] = {}
    for name, app in zip(("naive", "fixed"), sides(blocks["app.py"][1]), strict=True):
        directory = projects[name] = tmp_path_factory.mktemp(f"readme_{name}")
        (directory / "app.py").write_text(app)
        (directory / "test_app.py").write_text(blocks["test_app.py"][1])
        (directory / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers -p no:cacheprovider\n")
    with ThreadPoolExecutor(2) as pool:
        done = {name: pool.submit(run_pytest, directory, "-n", "2", "-vv") for name, directory in projects.items()}
        return {name: future.result() for name, future in done.items()}


def test_the_naive_handler_fails_as_the_readme_says(runs: dict[str, CompletedProcess[str]]) -> None:
    naive = runs["naive"]
    assert naive.returncode == 1, naive.stdout[-3000:] + naive.stderr[-2000:]
    assert "2 workers" in naive.stdout
    assert "1 failed" in naive.stdout
    # It shipped the order twice: the assertion shows the invoice id two times.
    assert re.search(r"\['(in_\w+)', '\1'\] == \['\1'\]", naive.stdout), naive.stdout[-3000:]


def test_the_fixed_handler_passes(runs: dict[str, CompletedProcess[str]]) -> None:
    fixed = runs["fixed"]
    assert fixed.returncode == 0, fixed.stdout[-3000:] + fixed.stderr[-2000:]
    assert "2 workers" in fixed.stdout
    assert "1 passed" in fixed.stdout


# -- docs/webhook-handlers.md: the same handler under the verdict instead of the fault, in this process -------


def _docs_test() -> str:
    page = (ROOT / "docs" / "webhook-handlers.md").read_text()
    found = re.search(r"<!-- example: assert_idempotent -->\n```python\n(.*?)```", page, re.S)
    assert found, "docs/webhook-handlers.md prints the assert_idempotent example"
    return found.group(1)


@pytest.mark.parametrize("side", ["naive", "fixed"])
def test_the_docs_verdict_catches_the_naive_handler_and_passes_the_fix(side: str, wooshpay_double: Any) -> None:
    app_code = sides(readme_blocks()["app.py"][1])[side == "fixed"]
    namespace: dict[str, Any] = {"__name__": f"readme_app_{side}"}
    exec(compile(app_code + _docs_test(), f"readme_app_{side}.py", "exec"), namespace)
    if side == "fixed":
        namespace["test_shipping_is_idempotent"](wooshpay_double)
        assert len(namespace["shipped"]) == 1
        return
    with pytest.raises(AssertionError) as caught:
        namespace["test_shipping_is_idempotent"](wooshpay_double)
    message = str(caught.value)
    assert re.search(r"event evt_\w+ \(invoice\.paid, about in_\w+\) changed the app's state when delivered", message)
    assert re.search(r"\[1\]: added 'in_\w+'", message), message
