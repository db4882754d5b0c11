"""Just enough HTML parsing (stdlib) to read the report's rows, counts and links."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in ("br", "meta", "input", "link", "img", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element:
        (found,) = [e for e in self.elements if e.attrs.get("id") == element_id]
        return found


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def finding_rows(page: Page) -> list[Element]:
    return [e for e in page.elements if e.tag == "tr" and "finding" in e.attrs.get("class", "").split()]


def overview_counts(page: Page) -> dict[str, dict[str, int]]:
    """provider ("" for all) -> column -> count, from the overview table's data-count cells."""
    counts: dict[str, dict[str, int]] = {}
    provider = None
    for element in page.elements:
        if element.tag == "tr" and "data-provider" in element.attrs and "finding" not in element.attrs.get("class", ""):
            provider = element.attrs["data-provider"]
            counts[provider] = {}
        elif element.tag == "td" and "data-count" in element.attrs and provider is not None:
            counts[provider][element.attrs["data-count"]] = int(element.text.strip())
    return counts
