"""Every relative link of README.md and of the documentation site resolves: the file exists, and an anchor
names a heading of the page it points to (as MkDocs writes heading ids). `mkdocs build --strict` checks
the site too (.ci/run); this runs without MkDocs, and covers README.md, which the site does not hold."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

from tests.conftest import ROOT

DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])
_MD = MarkdownIt("commonmark").enable("table")


def _slug(text: str) -> str:
    """Python-Markdown's toc slugify, which MkDocs uses for heading ids."""
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _anchors(page: Path) -> set[str]:
    tokens = _MD.parse(page.read_text())
    found: set[str] = set()
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open":
            slug = _slug("".join(child.content for child in inline.children or []))
            unique, n = slug, 0
            while unique in found:  # a repeated heading gets _1, _2, ...
                n += 1
                unique = f"{slug}_{n}"
            found.add(unique)
    return found


def _links(page: Path) -> list[str]:
    hrefs: list[str] = []
    for token in _MD.parse(page.read_text()):
        for child in token.children or []:
            if child.type == "link_open":
                hrefs.append(str(child.attrs["href"]))
            elif child.type == "image":
                hrefs.append(str(child.attrs["src"]))
    return hrefs


def _broken(page: Path) -> list[str]:
    problems: list[str] = []
    for href in _links(page):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue  # an address outside the project: not checked offline
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not target.exists():
            problems.append(f"{href}: no such file")
            continue
        if page.is_relative_to(DOCS) and not target.is_relative_to(DOCS):
            problems.append(f"{href}: outside docs/, so not part of the site")
        if parts.fragment and target.suffix == ".md" and parts.fragment not in _anchors(target):
            problems.append(f"{href}: {target.name} has no heading #{parts.fragment}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert _broken(page) == []


def test_the_check_finds_broken_links(tmp_path: Path) -> None:
    """The check itself: a missing file and a missing heading are reported, a good link is not."""
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading (with punctuation)\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#a-code-heading-with-punctuation) [ok](#here) [web](https://example.org/x)\n"
        "[gone](missing.md) [bad anchor](other.md#nowhere)\n\n## Here\n"
    )
    assert _broken(page) == ["missing.md: no such file", "other.md#nowhere: other.md has no heading #nowhere"]


def test_the_readme_links_into_the_docs() -> None:
    linked = {href.split("#")[0] for href in _links(ROOT / "README.md")}
    assert {"docs/install.md", "docs/exit-codes.md", "docs/commands.md"} <= linked
