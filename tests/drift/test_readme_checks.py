"""The table of spec drift checks in docs/drift.md lists every check with its level, and nothing else."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from conformance.drift.rules import RULES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "drift.md"


def _expand(pattern: str) -> list[str]:
    """`a-{b,c}-d` → a-b-d, a-c-d (several brace groups multiply)."""
    parts = re.split(r"(\{[^}]*\})", pattern)
    choices = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
    return ["".join(combo) for combo in itertools.product(*choices)]


def _table() -> dict[str, str]:
    section = PAGE.read_text().split("## Spec drift", 1)[1]
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


def test_the_docs_list_every_check_at_its_level() -> None:
    assert _table() == {rule.id: rule.level.name for rule in RULES.values()}
