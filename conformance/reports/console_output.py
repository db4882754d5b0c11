"""Tables that read well anywhere: rich tables on a terminal, one plain line per row everywhere else.

A CI log is no terminal: rich would wrap a table at 80 columns into a column of fragments. Without a
terminal each row is one line (never wrapped, whatever COLUMNS says), its cells separated by two spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def plain(console: Console) -> bool:
    return not console.is_terminal


def line(console: Console, text: str) -> None:
    """One line of plain text (no markup, no highlighting, never wrapped)."""
    console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)


def print_table(
    console: Console,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    no_wrap: Sequence[str] = (),
    numeric: Sequence[str] = (),
) -> None:
    """`rows` are plain text (no rich markup)."""
    rows = [list(row) for row in rows]
    if plain(console):
        line(console, f"{title}:")
        for row in rows:
            line(console, "  " + "  ".join(cell if cell else "-" for cell in row))
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(
            column,
            no_wrap=column in no_wrap,
            overflow="ellipsis" if column in no_wrap else "fold",
            justify="right" if column in numeric else "left",
        )
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)
