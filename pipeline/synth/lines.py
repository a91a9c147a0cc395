"""One line of a report being built: prose, a heading, or a table row with its cells."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Line:
    kind: str  # title | prose | filler | heading | label | blank | row | tableprose | sig | garbage | pageno
    text: str = ""
    cells: list[str] | None = None
    tag: str = ""  # rows: header | money | pair | info | project | indicator | total | other
    name_col: int | None = None  # rows: the column of a wrappable name cell
    # The row as the printed page has it, for the ruled page a scan shows: None = as rendered;
    # [] = a piece of the row above (a wrapped cell, a unit, a name below its values) — not a row.
    canon: list[str] | None = None

    def render(self) -> str:
        return "\t".join(self.cells) if self.cells is not None else self.text

    def render_page(self) -> str | None:
        if self.canon is None:
            return self.render()
        return "\t".join(self.canon) if self.canon else None
