"""Spaces the recogniser dropped inside one OCR box, restored from where the glyphs stand.

RapidOCR's detector keeps words a single space apart in one box, and its recogniser reads about
half of those spaces as nothing: a one-space score row '15 15' comes back '1515', '项目决策 决策依据'
as one word, '126公里 15' as '126公里15'. Figures merge into wrong numbers and a flattened table
loses its cells. The space is still on the page, and this module puts it back.

Chinese characters share one advance (an em), digits another (about half of it), and most glyphs
sit in the middle of their advance; so without a space the ink centres of two neighbours stand the
mean of their advances apart, and a space adds a quarter to a third of an em. Per page, and per box
in the box's own ems (a box's em is its own Chinese pitch, else its digit pitch, else the height of
its ink or of the box: the detector pads a short box more, and titles are set larger):

* a Chinese character's and a digit's advance are the lower half's median of their pairs (most
  pairs are inside one word or number; the spaced ones only push the upper half);
* any other glyph's two sides are measured from its pairs with those two ('(' stands right in its
  advance, ')' left); a side seen only beside spaces borrows its mirror's (a bracket) or its other
  side and its mirror image's (a glyph drawn in the middle: '%', '□', '≥' and '≤'); Chinese
  punctuation and quotes never borrow;
* a boundary is a word gap when the centres stand ``MIN_EXCESS`` em further apart than the two
  sides say, the blank between the glyphs is ``MIN_BLANK`` em wide, and the recogniser's own
  character positions agree (``MIN_DECODED_EXCESS``). The blank alone misleads beside narrow
  glyphs ('目', '日', '1' show wide blanks unspaced), the centres alone beside a glyph whose ink a
  blank splits ('行') or that stands off its middle ('月').

The recogniser also invents spaces, nearly all after a comparison sign ('≥ 95%' for '≥95%', which
makes the sign a cell of its own); a space read there is removed when the sign and the figure stand
at their advances.

Thresholds were set on rendered report lines (``bench.wordgap_bench``'s vocabulary, seeds 1000,
2000, 3000) in Droid Sans Fallback, Noto Sans CJK and Noto Serif CJK at 150, 200 and 300 dpi: of
the spaces the recogniser dropped, 1,362 of 1,465 are put back; 2 of 13,913 boundaries it read
unspaced, rightly, are given one. On lines drawn from another seed (``make bench``): spaces kept
0.53 by RapidOCR alone, 0.97 restored; false spaces 4.2 per 1,000 boundaries with RapidOCR alone,
1.3 after.

No character is changed; a box whose characters the recogniser did not place one by one is left as
read.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

# A word gap moves the glyphs this share of an em further apart than their advances say...
MIN_EXCESS = 0.18
# ...the recogniser's own positions (coarse: a step of its decoder is a sixth of an em) agree that
# they stand at least a little further apart (a glyph split by a blank, '行', can mislead the ink)...
MIN_DECODED_EXCESS = 0.05
# ...and leaves a blank of at least this many ems between them; after a Chinese character and before
# a digit a little more ('月8' in a serif font stands 0.3 em apart unspaced).
MIN_BLANK = 0.24
MIN_BLANK_HAN_DIGIT = 0.28
# A space read after a comparison sign is the recogniser's own when the sign and the figure stand
# less than this far (ems) beyond their advances, by the ink and by the recogniser's positions.
_COMPARISON_SIGNS = frozenset("≥≤><")
MAX_SPURIOUS_EXCESS = 0.1
MAX_SPURIOUS_DECODED = 0.2
# Advances (ems) when a page has too few pairs to measure its own; a Chinese character's is the em.
DEFAULT_ADVANCE = {"han": 1.0, "digit": 0.54}
# Box heights per em when no box of the page has its own Chinese pairs (detector padding).
DEFAULT_HEIGHT_PER_EM = 1.1
# The height of a line of Chinese characters' ink per em when no box of the page shows its own.
DEFAULT_HAN_INK_PER_EM = 0.92
MIN_ADVANCE_SAMPLES = 8
# Pairs of one kind a box needs to measure its own advance.
MIN_BOX_PAIRS = 3


@dataclass(frozen=True)
class BoxReading:
    """One OCR box: its text, its corner points (tl, tr, br, bl in page pixels) and the centre of
    each non-space character of ``text`` along the box (page pixels), in reading order."""

    text: str
    quad: Sequence[Sequence[float]]
    char_centres: Sequence[tuple[float, float]]


def _kind(ch: str) -> str:
    """'digit', 'han', or the character itself: every other glyph has its own advance."""
    if ch.isascii() and ch.isdigit():
        return "digit"
    if "\u4e00" <= ch <= "\u9fff":
        return "han"
    return ch


def _rectified(page: np.ndarray, quad: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The box's image straightened to its own axes, its top-left corner and unit direction."""
    import cv2

    q = np.asarray(quad, dtype=np.float32)
    width = int(round(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2]))))
    height = int(round(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))))
    if width < 2 or height < 2:
        return np.zeros((0, 0), np.uint8), q[0], np.array([1.0, 0.0], np.float32)
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(q, target)
    image = cv2.warpPerspective(page, matrix, (width, height), borderValue=255)
    direction = (q[1] - q[0]) / max(float(np.linalg.norm(q[1] - q[0])), 1e-6)
    return image, q[0], direction


def _ink_runs(image: np.ndarray) -> tuple[int, int, list[tuple[int, int]], int]:
    """First and last inked column (end exclusive), the runs of blank columns between ink, and
    the height of the ink (rows). Rows that are mostly ink (a ruling the box touched) are left out
    first, so a table border does not fill every column."""
    import cv2

    _, ink = cv2.threshold(image, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = ink[ink.mean(axis=1) < 0.6]
    inked = np.flatnonzero(ink.sum(axis=0) > 0) if ink.size else np.zeros(0, np.int64)
    if inked.size < 2:
        return 0, 0, [], 0
    rows = np.flatnonzero(ink.sum(axis=1) > 0)
    breaks = np.flatnonzero(np.diff(inked) > 1)
    blanks = [(int(inked[i]) + 1, int(inked[i + 1])) for i in breaks]
    return int(inked[0]), int(inked[-1]) + 1, blanks, int(rows[-1] - rows[0] + 1)


@dataclass(frozen=True)
class _Boundary:
    box: int
    after: int  # index in the box's text of the character before the boundary
    pair: str  # the two characters
    read_spaced: bool  # the recogniser put a space between them
    blank: float  # widest blank between the two characters (0: glyphs touch)
    pitch: float  # distance between the two glyphs' ink centres
    decoded: float  # distance between the two characters' positions as the recogniser decoded them
    # blank, pitch and decoded: pixels as measured, ems once the box's size is known (:func:`_in_ems`).

    @property
    def kinds(self) -> tuple[str, str]:
        return _kind(self.pair[0]), _kind(self.pair[1])


@dataclass(frozen=True)
class _BoxSize:
    height: float  # the box's (pixels)
    han_ink: float | None  # the height of its ink, when it holds a Chinese character


def _box_boundaries(page: np.ndarray, b: int, reading: BoxReading) -> tuple[list[_Boundary], _BoxSize | None]:
    """Every boundary between two neighbouring non-space characters, and the box's size. Each
    glyph's ink runs from the blank that ends the previous boundary to the blank that starts the
    next (the widest blank between the two characters' positions; where glyphs touch, the
    midpoint of the positions)."""
    chars = [i for i, ch in enumerate(reading.text) if not ch.isspace()]
    if len(chars) < 2 or len(chars) != len(reading.char_centres):
        return [], None
    image, origin, direction = _rectified(page, reading.quad)
    if image.size == 0:
        return [], None
    first, last, blanks, ink_height = _ink_runs(image)
    if last <= first:
        return [], None
    along = [float(np.dot(np.asarray(c, np.float32) - origin, direction)) for c in reading.char_centres]
    starts, ends = [float(first)], []
    widest: list[float] = []
    for k in range(len(along) - 1):
        inside = [g for g in blanks if along[k] <= (g[0] + g[1]) / 2 < along[k + 1]]
        if inside:
            g = max(inside, key=lambda g: g[1] - g[0])
            ends.append(float(g[0]))
            starts.append(float(g[1]))
            widest.append(float(g[1] - g[0]))
        else:
            middle = (along[k] + along[k + 1]) / 2
            ends.append(middle)
            starts.append(middle)
            widest.append(0.0)
    ends.append(float(last))
    centres = [(s + e) / 2 for s, e in zip(starts, ends)]
    found = []
    for k in range(len(chars) - 1):
        left, right = reading.text[chars[k]], reading.text[chars[k + 1]]
        found.append(
            _Boundary(
                b, chars[k], left + right, chars[k + 1] != chars[k] + 1,
                widest[k], centres[k + 1] - centres[k], along[k + 1] - along[k],
            )
        )
    has_han = any(_kind(ch) == "han" for ch in reading.text)
    return found, _BoxSize(float(image.shape[0]), float(ink_height) if has_han else None)


def _in_ems(boundaries: list[_Boundary], sizes: Sequence[_BoxSize | None]) -> list[_Boundary]:
    """The boundaries with pitch and blank in ems of their own box's type size.

    A box's em is its own Chinese advance when it has enough Chinese pairs; otherwise its digit
    advance over the page's digits-per-em; otherwise, for a box holding a Chinese character, the
    height of its ink over the page's ink-per-em (a character fills most of its em), and for any
    other box its height over the page's heights-per-em. The box height is the poorest ruler: the
    detector pads a short box more (a two-character box stood 38 px high beside 31 px lines set in
    the same type)."""
    by_box: dict[int, list[_Boundary]] = {}
    for x in boundaries:
        by_box.setdefault(x.box, []).append(x)

    def own(box: int, kind: str) -> float | None:
        # '1' is left out of the ruler: narrow, and in some fonts off the middle of its advance
        # (Droid Sans Fallback's stands a fifth of an em nearer its left neighbour).
        pitches = [x.pitch for x in by_box[box] if x.kinds == (kind, kind) and "1" not in x.pair and not x.read_spaced]
        return _lower_median(pitches) if len(pitches) >= MIN_BOX_PAIRS else None

    em: dict[int, float] = {}
    digit_share, height_share, ink_share = [], [], []
    for box in by_box:
        han, size = own(box, "han"), sizes[box]
        if han and size is not None:
            em[box] = han
            height_share.append(size.height / han)
            if size.han_ink:
                ink_share.append(size.han_ink / han)
            digit = own(box, "digit")
            if digit:
                digit_share.append(digit / han)
    digit_advance = statistics.median(digit_share) if digit_share else DEFAULT_ADVANCE["digit"]
    height_per_em = statistics.median(height_share) if height_share else DEFAULT_HEIGHT_PER_EM
    ink_per_em = statistics.median(ink_share) if ink_share else DEFAULT_HAN_INK_PER_EM
    for box in by_box:
        size = sizes[box]
        if box in em or size is None:
            continue
        digit = own(box, "digit")
        if digit:
            em[box] = digit / digit_advance
        elif size.han_ink:
            em[box] = size.han_ink / ink_per_em
        else:
            em[box] = size.height / height_per_em
    return [
        replace(x, blank=x.blank / em[x.box], pitch=x.pitch / em[x.box], decoded=x.decoded / em[x.box])
        for x in boundaries
        if x.box in em
    ]


def _lower_median(values: Sequence[float]) -> float:
    """Median of the lower half: most pairs are inside one word or number, the spaced ones only
    push the upper half (a flattened table can space a third of its pairs)."""
    ordered = sorted(values)
    return statistics.median(ordered[: len(ordered) // 2 + 1])


_BRACKETS = dict(zip("()（）[]【】《》〈〉「」『』{}", ")(）（][】【》《〉〈」「』『}{"))
# Glyphs drawn in the middle of their advance whose mirror image is another character.
_MIRROR_IMAGES = dict(zip("≥≤<>", "≤≥><"))
# Glyphs drawn to one side of their advance: Chinese punctuation sits in a corner of its square,
# quotes lean on their word.
_OFF_CENTRE = frozenset("，。、；：？！,;:?!“”‘’\"'")


@dataclass(frozen=True)
class _Advances:
    """How far a glyph's ink centre stands from the left and the right edge of its advance, in
    ems, by kind ('han', 'digit' or the character), as measured on one page."""

    em: float
    left: dict[str, float]
    right: dict[str, float]

    def expected(self, kinds: tuple[str, str]) -> float | None:
        """Distance between the ink centres of two unspaced neighbours; None if not measured."""
        right, left = self.right.get(kinds[0]), self.left.get(kinds[1])
        return None if right is None or left is None else right + left


def _advances(boundaries: Sequence[_Boundary]) -> _Advances:
    """The page's advances. A Chinese character's and a digit's come from pairs of their own kind
    (glyphs centred in their advance: half each side). Any other glyph's sides come from its pairs
    with those two (a ')' sits left in its advance, a '(' right): its left side from the pitches
    after a Chinese character or digit, less that neighbour's half, its right side likewise."""
    half: dict[str, float] = {}
    for kind, default in DEFAULT_ADVANCE.items():
        pitches = [x.pitch for x in boundaries if x.kinds == (kind, kind) and not x.read_spaced]
        half[kind] = (_lower_median(pitches) if len(pitches) >= MIN_ADVANCE_SAMPLES else default) / 2
    left, right = dict(half), dict(half)
    after: dict[str, list[float]] = {}
    before: dict[str, list[float]] = {}
    for x in boundaries:
        if x.read_spaced:
            continue
        if x.kinds[0] in half and x.kinds[1] not in half:
            after.setdefault(x.kinds[1], []).append(x.pitch - half[x.kinds[0]])
        if x.kinds[1] in half and x.kinds[0] not in half:
            before.setdefault(x.kinds[0], []).append(x.pitch - half[x.kinds[1]])
    # One pair is enough to measure a side: a glyph seen once still has a place on the page.
    own_left = {kind: _lower_median(v) for kind, v in after.items()}
    own_right = {kind: _lower_median(v) for kind, v in before.items()}
    # A side measured only next to spaces measures the space too ('(15分) 8': a score label is
    # mostly followed by its value). Glyphs whose shape says how their sides compare lend each
    # other the smaller measure: a bracket's right side is its mirror's left side; a glyph drawn
    # in the middle of its advance ('%', '≥', '□', Latin letters) has two equal sides, and so has
    # its mirror image ('≤' for '≥').
    measured_left, measured_right = dict(own_left), dict(own_right)
    for kind in {k for x in boundaries for k in x.kinds} - set(half) - _OFF_CENTRE:
        if kind in _BRACKETS:
            lent_left, lent_right = [measured_right.get(_BRACKETS[kind])], [measured_left.get(_BRACKETS[kind])]
        else:
            alike = [kind, _MIRROR_IMAGES.get(kind, kind)]
            lent_left = [side.get(k) for k in alike for side in (measured_left, measured_right)]
            lent_right = lent_left
        for side, measured, lent in ((own_left, measured_left, lent_left), (own_right, measured_right, lent_right)):
            known = [v for v in (measured.get(kind), *lent) if v is not None]
            if known:
                side[kind] = min(known)
    left.update(own_left)
    right.update(own_right)
    return _Advances(2 * half["han"], left, right)


def _excess(boundary: _Boundary, advances: _Advances) -> tuple[float, float] | None:
    """How much further apart (ems) than their advances say the two glyphs stand, by their ink
    and by the recogniser's positions; None when a side is not measured."""
    expected = advances.expected(boundary.kinds)
    if expected is None:
        return None
    return (boundary.pitch - expected) / advances.em, (boundary.decoded - expected) / advances.em


def _is_word_gap(boundary: _Boundary, advances: _Advances) -> bool:
    excess = _excess(boundary, advances)
    if excess is None:
        return False
    min_blank = MIN_BLANK_HAN_DIGIT if boundary.kinds == ("han", "digit") else MIN_BLANK
    return excess[0] >= MIN_EXCESS and excess[1] >= MIN_DECODED_EXCESS and boundary.blank >= min_blank


def _is_spurious_space(boundary: _Boundary, advances: _Advances) -> bool:
    """A space the recogniser put after a comparison sign where the sign and its figure stand
    unspaced: RapidOCR reads '≥95%' as '≥ 95%' (26 of the 28 spaces it invented on the calibration
    lines were after '≥' or '≤'), and the sign then becomes a cell of its own."""
    excess = _excess(boundary, advances) if boundary.pair[0] in _COMPARISON_SIGNS else None
    return excess is not None and excess[0] < MAX_SPURIOUS_EXCESS and excess[1] < MAX_SPURIOUS_DECODED


def restore_spaces(page: np.ndarray, readings: Sequence[BoxReading]) -> list[str]:
    """Each box's text with the spaces its ink shows and the recogniser dropped (``page``: the
    grey page image the boxes were read from). Boxes without one centre per non-space character
    come back unchanged."""
    measured = [_box_boundaries(page, b, reading) for b, reading in enumerate(readings)]
    boundaries = _in_ems([x for found, _ in measured for x in found], [size for _, size in measured])
    advances = _advances(boundaries)
    gaps: dict[int, set[int]] = {}
    spurious: dict[int, set[int]] = {}
    for boundary in boundaries:
        if not boundary.read_spaced and _is_word_gap(boundary, advances):
            gaps.setdefault(boundary.box, set()).add(boundary.after)
        elif boundary.read_spaced and _is_spurious_space(boundary, advances):
            spurious.setdefault(boundary.box, set()).add(boundary.after)
    return [_respaced(reading.text, gaps.get(b, set()), spurious.get(b, set())) for b, reading in enumerate(readings)]


def _respaced(text: str, space_after: set[int], no_space_after: set[int]) -> str:
    """``text`` with a space after each character in ``space_after`` and the spaces after each
    one in ``no_space_after`` removed (indices into ``text``)."""
    out = []
    drop = False
    for i, ch in enumerate(text):
        if ch.isspace() and drop:
            continue
        drop = i in no_space_after
        out.append(ch + (" " if i in space_after else ""))
    return "".join(out)
