"""The jinja2 environments of the reports: HTML always autoescaped, Markdown with its own escaping filters."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jinja2
from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from conformance.core import disk_cache
from conformance.reports.model import http_url

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
# Characters that would start Markdown syntax (links, HTML, emphasis, tables) in vendor-supplied text.
_MD_ACTIVE = re.compile(r"([\\<>\[\]|*#]|(?<!\w)_|_(?!\w))")


@cache
def html_environment() -> Environment:
    env = _environment(autoescape=True)
    env.filters.update(link=http_url, pretty_json=pretty_json, code_spans=html_code_spans)
    return env


@cache
def markdown_environment() -> Environment:
    env = _environment(autoescape=False)
    env.filters.update(
        md=md_text, cell=md_cell, code=md_code, fence=md_fence, quote=md_quote, link=http_url, pretty_json=pretty_json
    )
    return env


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept in the replay cache (conformance.core.disk_cache: entries that prove themselves,
    writes that never fail); jinja2 itself rejects a compilation of other source (its checksum)."""

    def __init__(self, autoescape: bool) -> None:
        self.variant = f"jinja2 {jinja2.__version__} autoescape={autoescape}"

    def _key(self, bucket: Bucket) -> str:
        return disk_cache.digest("compiled template", self.variant, bucket.key, bucket.checksum)

    def load_bytecode(self, bucket: Bucket) -> None:
        data = disk_cache.read(disk_cache.REPLAY_AREA, self._key(bucket))
        if isinstance(data, bytes):
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        disk_cache.write(disk_cache.REPLAY_AREA, self._key(bucket), bucket.bytecode_to_string())


def _environment(*, autoescape: bool) -> Environment:
    return Environment(
        loader=PackageLoader("conformance.reports", "templates"),
        bytecode_cache=_CompiledTemplates(autoescape),
        autoescape=autoescape,
        undefined=StrictUndefined,  # a typo in a template fails the tests instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def pretty_json(value: Any) -> str:
    """Readable JSON for evidence; escaping is the template's job (HTML) or the fence's (Markdown)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def html_code_spans(text: object) -> Markup:
    """Escaped text whose `code spans` (as the specs and the comparison write them) become <code>."""
    escaped = str(escape(str(text)))
    return Markup(_CODE_SPAN.sub(lambda m: f"<code>{m.group(2).strip()}</code>", escaped))


def md_text(text: object) -> str:
    """One line of vendor text, inert as Markdown; its `code spans` (the specs use them) stay code."""
    flat = " ".join(str(text).split())
    out, last = [], 0
    for match in _CODE_SPAN.finditer(flat):
        out.append(_MD_ACTIVE.sub(r"\\\1", flat[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_MD_ACTIVE.sub(r"\\\1", flat[last:]))
    return "".join(out)


def md_cell(text: object) -> str:
    """md_text for a table cell: GitHub tables split on `|` even inside code spans."""
    return md_text(text).replace("\\|", "|").replace("|", "\\|")


def md_code(text: object, *, cell: bool = False) -> str:
    """Inline code that survives backticks in the text."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    code = f"{fence}{pad}{flat}{pad}{fence}"
    return code.replace("|", "\\|") if cell else code


def md_fence(text: object, lang: str = "") -> str:
    """A fenced code block longer than any backtick run inside, so nothing can close it early."""
    body = str(text).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def md_quote(text: object) -> str:
    lines = str(text).strip().splitlines() or [""]
    return "\n".join(f"> {md_text(line)}" if line.strip() else ">" for line in lines)
