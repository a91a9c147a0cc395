"""The one document model carried through every stage.

A ``Document`` is what ingest produces and what every later stage reads: its pages keep the raw
text exactly as the engine produced it, and any offset into ``Document.text`` can be turned back
into (page number, offset in that page's raw text), so evidence can always be shown on its page.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

# One character between pages in Document.text. A form feed is what text files use for a page
# break, so a text file's pages round-trip, and it never occurs inside a page's own text.
PAGE_SEPARATOR = "\f"

Engine = Literal["text", "text_layer", "ocr"]


class PageBox(NamedTuple):
    """A run of text as positioned on its page: ``Page.text[start:end]`` is its text.

    A plain named tuple, not a model: a page holds hundreds and a long PDF a hundred thousand
    (about 1 µs and 250 bytes each, where a validated model cost 20-40 µs and 1 KB)."""

    start: int
    end: int
    x0: float
    y0: float
    x1: float
    y1: float
    score: float | None = None  # OCR recognition score; None for a text layer


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(description="1-based page number in the source file.")
    text: str = Field(description="Raw page text as the engine produced it.")
    engine: Engine = Field(description="text file, PDF text layer, or OCR.")
    ocr_confidence: float | None = Field(None, description="Mean recognition score of OCR'd lines.")
    text_layer_rejected: str | None = Field(
        None, description="Why the page's PDF text layer was judged garbage and OCR used instead."
    )
    size: tuple[float, float] | None = Field(
        None, description="Page width and height in the units of `boxes`: PDF points for PDF pages, pixels for images."
    )
    boxes: tuple[PageBox, ...] = Field(
        (), description="Where the page's text runs (text-layer lines, OCR boxes) are printed; empty for text files."
    )

    @field_validator("boxes", mode="plain")
    @classmethod
    def _boxes(cls, value: Any) -> tuple[PageBox, ...]:
        # Ingest builds PageBoxes and they pass as they are (a full validation cost 7 µs a box);
        # a Document read back from JSON gives lists.
        return tuple(b if isinstance(b, PageBox) else PageBox(*b) for b in value)

    @field_serializer("boxes")
    def _dump_boxes(self, boxes: tuple[PageBox, ...]) -> list[list[Any]]:
        return [list(b) for b in boxes]


class CharLocation(BaseModel):
    page: int
    offset: int


class Document(BaseModel):
    """A source file read into pages; immutable once ingested."""

    model_config = ConfigDict(frozen=True)

    path: str
    doc_id: str = Field(description="The input file's stem; the record's doc_id.")
    sha256: str
    media_type: Literal["text", "pdf", "image"]
    encoding: str | None = Field(None, description="Detected encoding of a text file.")
    pages: list[Page]

    @cached_property
    def text(self) -> str:
        return PAGE_SEPARATOR.join(p.text for p in self.pages)

    @cached_property
    def page_starts(self) -> list[int]:
        starts, pos = [], 0
        for page in self.pages:
            starts.append(pos)
            pos += len(page.text) + len(PAGE_SEPARATOR)
        return starts

    def locate(self, offset: int) -> CharLocation:
        """Page and raw page offset of the character at ``offset`` in ``self.text``."""
        if not 0 <= offset <= len(self.text):
            raise IndexError(f"offset {offset} outside document of {len(self.text)} chars")
        index = bisect_right(self.page_starts, offset) - 1
        return CharLocation(page=self.pages[index].number, offset=offset - self.page_starts[index])

    def global_offset(self, page_number: int, offset: int) -> int:
        """Inverse of :meth:`locate`."""
        for start, page in zip(self.page_starts, self.pages):
            if page.number == page_number:
                return start + offset
        raise IndexError(f"no page {page_number}")

    def page(self, number: int) -> Page:
        for page in self.pages:
            if page.number == number:
                return page
        raise IndexError(f"no page {number}")

    def summary(self) -> dict:
        """The `pipeline ingest --json` shape."""
        return {
            "path": self.path,
            "doc_id": self.doc_id,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "encoding": self.encoding,
            "text": self.text,
            "pages": [
                {
                    "number": p.number,
                    "engine": p.engine,
                    "ocr_confidence": p.ocr_confidence,
                    "text_layer_rejected": p.text_layer_rejected,
                    "text": p.text,
                }
                for p in self.pages
            ],
        }
