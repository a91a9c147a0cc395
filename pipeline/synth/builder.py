"""The builder of one report: its random generator and noise, the lines it prints, the marked
terms and arithmetic checks, the inconsistencies planted, and the assembly of the final text."""

from __future__ import annotations

import random
from typing import Any, Sequence

from pipeline.synth.flatten import _flatten, _run_together
from pipeline.synth.lines import _Line
from pipeline.synth.marks import _MARK_END, _MARK_START, _MAX_MARKS, _strip_marks
from pipeline.synth.noise import _FULLWIDTH, _GENRE_LEVELS, _LEVELS, _LineNoise
from pipeline.synth.values import FEN_PER_WAN, _exact, _group, _score_text
from pipeline.synth.vocabulary import GENRE_LAYOUTS, GENRE_NOISE_KINDS

class _Builder(_LineNoise):
    def __init__(self, rng: random.Random, layout: str, level: int, plants: set[str], kinds: Sequence[str] | None = None):
        self.rng = rng
        self.layout = layout
        self.level = level
        self.noise: dict[str, Any] = {}
        for kind, (p, param) in _LEVELS[level].items():
            if rng.random() < p and kinds is None:
                self.noise[kind] = param
        if layout in GENRE_LAYOUTS and kinds is None:  # drawn after the classic kinds: their draws stay as they were
            for kind, (p, param) in _GENRE_LEVELS[level].items():
                if rng.random() < p:
                    self.noise[kind] = param
        if kinds is not None:  # exactly these kinds, at this level's strength (level 4's if it has none)
            for kind in kinds:
                table = _GENRE_LEVELS if kind in GENRE_NOISE_KINDS else _LEVELS
                self.noise[kind] = (table[level].get(kind) or table[4][kind])[1]
        self.flattening: str | None = None  # how a form's rows were flattened into text (form_* layouts)
        self.applied: set[str] = set()
        self.plants = plants
        self.planted: list[str] = []
        self.lines: list[_Line] = []
        self.notes: list[str] = []
        self.marks = 0
        self.checks: list[tuple[str, str, bool, dict[str, list[int]], str]] = []
        self.named: dict[str, int] = {}
        self.force_space = level >= 3 and "space_in_number" in self.noise
        self.sep_budget = int(self.noise.get("misplaced_separator") or 0)
        self.sep_examples: list[str] = []
        self.run_together: list[str] = []  # figures a flattening printed without a gap
        self.implied_flags: set[str] = set()  # flags the printed values imply without a plant
        self.switch_budget = int(self.noise.get("unit_switch") or 0)
        self.thousands = rng.random() < 0.5  # well-formed 1,234.56 grouping: style, not noise
        self.trad: dict[str, str] = {}

    # --- marks and checks -------------------------------------------------------------------
    def mark(self, text: str) -> tuple[str, int]:
        k = self.marks
        if k >= _MAX_MARKS:
            raise RuntimeError("too many marked spans")
        self.marks += 1
        return chr(_MARK_START + k) + text + chr(_MARK_END + k), k

    def check(self, kind: str, op: str, planted: bool, terms: dict[str, list[int]], note: str = "") -> None:
        self.checks.append((kind, op, planted, terms, note))

    def plant(self, kind: str) -> bool:
        """Whether to plant ``kind`` here (each kind at most once per report)."""
        if kind in self.plants and kind not in self.planted:
            self.planted.append(kind)
            return True
        return False

    # --- numbers ----------------------------------------------------------------------------
    def numeral(self, s: str, *, sep_ok: bool = False) -> str:
        """Number-level noise on a numeral ('12,486.73'): misplaced separator, space after the
        decimal point, full-width digits. The value a human reads never changes."""
        rng, noise = self.rng, self.noise
        digits = s.lstrip("-").split(".")[0].replace(",", "")
        if sep_ok and self.sep_budget > 0 and len(digits) >= 5 and "." in s and rng.random() < 0.6:
            s = _group(s.replace(",", ""), 4)
            self.sep_budget -= 1
            self.sep_examples.append(s)
            self.applied.add("misplaced_separator")
        if "digit_groups" in noise and "," not in s and rng.random() < noise["digit_groups"]:
            # OCR of one cell or box: a digit group split off by a space ('3 848.29'), no separator.
            sign, body = ("-", s[1:]) if s.startswith("-") else ("", s)
            whole, dot, frac = body.partition(".")
            if len(whole) >= 4:
                s = sign + whole[:-3] + " " + whole[-3:] + dot + frac
                self.applied.add("digit_groups")
        if "." in s and "space_in_number" in noise and (self.force_space or rng.random() < noise["space_in_number"]):
            i = s.index(".")
            s = s[: i + 1] + " " + s[i + 1 :]
            self.force_space = False
            self.applied.add("space_in_number")
        if "fullwidth_digits" in noise and rng.random() < noise["fullwidth_digits"]:
            s = s.translate(_FULLWIDTH)
            self.applied.add("fullwidth_digits")
        return s

    def money(self, fen: int, unit: str = "万元", *, prose: bool = True, switch: bool = True) -> str:
        """An amount as printed: in ``unit`` (the unit in force), or, under unit_switch noise, in
        元 / 亿元 with its unit word. Table cells (prose=False) print no unit word."""
        rng = self.rng
        u = unit
        if prose and switch and self.switch_budget > 0 and unit == "万元" and rng.random() < 0.35:
            options = ["元"]
            if fen >= 1000 * FEN_PER_WAN and (_exact(fen, "亿元", 2, 6) is not None):
                options += ["亿元", "亿元"]
            u = rng.choice(options)
            self.switch_budget -= 1
            self.applied.add("unit_switch")
        numeral = _exact(fen, u, 2, 6 if u != "元" else 2)
        if numeral is None:  # cannot happen for the units chosen above
            u, numeral = unit, _exact(fen, unit)
        if u == "万元" and len(numeral.split(".")[1]) > 2:
            self.applied.add("long_decimals")
        whole = numeral.split(".")[0].lstrip("-")
        if (self.thousands or u == "元") and len(whole) >= 4 and u != "亿元":
            numeral = _group(numeral, 3)
        numeral = self.numeral(numeral, sep_ok=u != "亿元")
        if not prose:
            return numeral
        space = ""
        if "space_before_unit" in self.noise and rng.random() < self.noise["space_before_unit"]:
            space = " "
            self.applied.add("space_before_unit")
        return numeral + space + u

    def rate(self, text: str, percent: bool = True) -> str:
        return self.numeral(text) + ("%" if percent else "")

    def score(self, hundredths: int) -> str:
        return self.numeral(_score_text(hundredths))

    # --- lines ------------------------------------------------------------------------------
    def add(self, kind: str, text: str = "") -> None:
        self.lines.append(_Line(kind, text))

    def row(self, cells: list[str], tag: str = "other", name_col: int | None = None) -> None:
        self.lines.append(_Line("row", cells=list(cells), tag=tag, name_col=name_col))

    def blank(self) -> None:
        self.lines.append(_Line("blank"))
    # --- assembly ---------------------------------------------------------------------------
    def assemble(self) -> tuple[str, dict[int, tuple[int, int]]]:
        if self.flattening is not None:
            rendered = _flatten(self.lines, self.flattening, self.rng)
            if self.flattening == "runon":
                self.run_together = _run_together(self.lines)
        else:
            rendered = [ln.render() for ln in self.lines]
        return self._finish("\n".join(rendered))

    def assemble_page(self) -> str:
        """The report as its page prints it: every table row whole, cells tab-separated (what a
        scan of the page shows; the text of a flattened form is one way of extracting it)."""
        rendered = [ln.render_page() for ln in self.lines]
        return self._finish("\n".join(r for r in rendered if r is not None))[0]

    def _finish(self, text: str) -> tuple[str, dict[int, tuple[int, int]]]:
        text = text.rstrip("\n") + "\n"
        if self.trad:
            converted = text.translate(str.maketrans(self.trad))
            if converted != text:
                self.applied.add("traditional")
            text = converted
        return _strip_marks(text)

    def t(self, value: str | None) -> str | None:
        """A gold string as printed (traditional characters applied)."""
        if value is None or not self.trad:
            return value
        return value.translate(str.maketrans(self.trad))
