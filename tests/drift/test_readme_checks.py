"""The README's table of spec drift checks lists every check with its level, and nothing else."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from conformance.drift.rules import RULES

README = Path(__file__).resolve().parents[2] / "README.md"


def _expand(pattern: str) -> list[str]:
    """`a-{b,c}-d` → a-b-d, a-c-d (several brace groups multiply)."""
    parts = re.split(r"(\{[^}]*\})", pattern)
    choices = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
    return ["".join(combo) for combo in itertools.product(*choices)]


def _table() -> dict[str, str]:
    section = README.read_text().split("### Spec drift (`--spec`)", 1)[1]
    listed: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"^\| (.+) \| (ERR|WARN|INFO) \|$", line)
        if match:
            for pattern in re.findall(r"`([a-z{},-]+)`", match.group(1)):
                if pattern.startswith("x-"):
                    continue  # an extension named in the explanation, not a check
                for check in _expand(pattern):
                    assert check not in listed, f"{check} is listed twice"
                    listed[check] = match.group(2)
    return listed


def test_the_readme_lists_every_check_at_its_level() -> None:
    assert _table() == {rule.id: rule.level.name for rule in RULES.values()}
