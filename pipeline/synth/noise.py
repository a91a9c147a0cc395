"""Noise: the levels 0 (clean) … 4 (worse than the worst seed) as probabilities of each kind, and
the line noise applied to a built report (split headers, shifted values, wrapped rows and prose,
OCR characters and garbage, HTML leftovers, page numbers, traditional characters). Every kind
keeps the gold true: a careful human still reads the gold from the text. Number-level noise
(spaces, separators, full-width digits, unit switches) is applied as numbers are printed, in
``builder._Builder.numeral`` / ``money``."""

from __future__ import annotations

import random
import re
from typing import Any

from pipeline.synth.lines import _Line
from pipeline.synth.marks import _MARK_CHARS, _visible_width, _wrap

# OCR confusions (right -> wrong), used only in descriptive prose that carries no gold value.
_OCR_SWAPS = dict(zip("已未人土日天候拨辨茶崇大王目免午贝", "己末入士曰夭侯拔辩荼祟太玉日兔干见"))
_GARBAGE_COMMON = "的一是了不在有个人这上中大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
_GARBAGE_RARE = "亻氵讠刂阝艹冂彳忄扌犭纟钅饣囗丶丿乛亠冖宀廴匚卩厶冫灬爫礻衤覀乚亍丌仝夂冱凵卬卮吂咼囧巛丄丅亖乂丩丬丮丯乑乕乗乜乢乣乤乥乧乨乪乫乬乭乮乯乴乵乶乷乸乹乺乻乼乽乿亁亃亄亇亊亐亗亙亜亝亣亪亯亰亱亴亷亸"
_GARBAGE_SYMBOLS = "┃丨|■□◆※〓…﹏ˉ·ー_~^"

# simplified -> traditional. _TRAD_KNOWN: the characters budget labels use (mirror sites convert
# these); _TRAD_EXTRA: further common ones a fully traditional page would also convert. '优' (a
# grade) and the money unit characters 万/亿/元 are never converted.
_TRAD_KNOWN = dict(zip(
    "项经费预评价资现实际执绩门体调数报问题标总计划级务机关专结转余购车运维护设备农业发营办处会单厅产质时满济态环续响决类额据与",
    "項經費預評價資現實際執績門體調數報問題標總計劃級務機關專結轉餘購車運維護設備農業發營辦處會單廳產質時滿濟態環續響決類額據與",
))
_TRAD_EXTRA = dict(zip("个为开这县区应国进达员对于将长东乡镇卫药医疗学财园动协监检规测养险灾护", "個為開這縣區應國進達員對於將長東鄉鎮衛藥醫療學財園動協監檢規測養險災護"))


# kind -> (probability that a report at this level gets it, parameter). Parameters: a per-item
# rate, a count, or a wrap width range (in CJK characters).
_LEVELS: dict[int, dict[str, tuple[float, Any]]] = {
    0: {},
    1: {
        "space_in_number": (0.5, 0.10),
        "space_before_unit": (0.4, 0.3),
        "unit_switch": (0.4, 1),
        "page_number": (0.5, None),
    },
    2: {
        "space_in_number": (1.0, 0.15),
        "space_before_unit": (0.5, 0.4),
        "unit_switch": (0.6, 1),
        "fullwidth_digits": (0.5, 0.15),
        "long_decimals": (0.2, None),
        "hard_wrap": (0.6, (30, 38)),
        "ocr_chars": (0.6, 0.03),
        "header_split": (0.5, 7),
        "misplaced_separator": (0.3, 1),
        "tabs_to_spaces": (0.3, 0.1),
        "value_shift": (0.3, 1),
        "page_number": (0.8, None),
        "title_split": (0.4, None),
    },
    3: {
        "space_in_number": (1.0, 0.25),
        "space_before_unit": (0.6, 0.5),
        "misplaced_separator": (0.8, 1),
        "unit_switch": (0.8, 2),
        "fullwidth_digits": (0.7, 0.25),
        "long_decimals": (0.3, None),
        "hard_wrap": (0.8, (26, 34)),
        "ocr_chars": (0.8, 0.05),
        "garbage_paragraph": (0.6, 1),
        "traditional": (0.5, "known"),
        "tabs_to_spaces": (0.5, 0.25),
        "value_shift": (0.5, 1),
        "header_split": (0.7, 6),
        "row_wrap": (0.5, 1),
        "page_number": (1.0, None),
        "title_split": (0.5, None),
    },
    4: {
        "space_in_number": (1.0, 0.4),
        "space_before_unit": (0.8, 0.6),
        "misplaced_separator": (1.0, 3),
        "unit_switch": (1.0, 3),
        "fullwidth_digits": (1.0, 0.4),
        "long_decimals": (0.5, None),
        "hard_wrap": (1.0, (18, 26)),
        "ocr_chars": (1.0, 0.10),
        "garbage_paragraph": (1.0, 2),
        "traditional": (0.8, "extended"),
        "html_leftovers": (0.6, None),
        "tabs_to_spaces": (0.8, 0.45),
        "value_shift": (1.0, 2),
        "interleave": (1.0, None),
        "header_split": (1.0, 4),
        "row_wrap": (0.8, 2),
        "page_number": (1.0, None),
        "title_split": (0.7, None),
    },
}
_GENRE_LEVELS: dict[int, dict[str, tuple[float, Any]]] = {
    0: {},
    1: {},
    2: {"digit_groups": (0.4, 0.3)},
    3: {"digit_groups": (0.6, 0.4)},
    4: {"digit_groups": (1.0, 0.5)},
}
_IMPLIED_FLAGS = {"misplaced_separator": "separator_repaired", "garbage_paragraph": "garbled_text"}
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class _LineNoise:
    """The line-noise steps of ``_Builder`` (a mixin: they work on its lines, random generator,
    chosen noise and the set of kinds applied)."""

    rng: random.Random
    noise: dict[str, Any]
    level: int
    lines: list[_Line]
    applied: set[str]
    named: dict[str, int]
    trad: dict[str, str]

    # --- text noise after rendering ---------------------------------------------------------
    def apply_line_noise(self) -> None:
        rng, noise = self.rng, self.noise
        if "garbage_paragraph" in noise:  # first, while blocks are still intact
            self._garbage(int(noise["garbage_paragraph"]))
        if "header_split" in noise:
            self._header_split(int(noise["header_split"]))
        if "value_shift" in noise:
            self._value_shift(int(noise["value_shift"]))
        if "row_wrap" in noise:
            self._row_wrap(int(noise["row_wrap"]))
        if "interleave" in noise:
            self._interleave()
        if "tabs_to_spaces" in noise:
            self._tabs_to_spaces(float(noise["tabs_to_spaces"]))
        if "ocr_chars" in noise:
            self._ocr_chars(float(noise["ocr_chars"]))
        if "html_leftovers" in noise:
            self._html()
        if "title_split" in noise:
            self._title_split()
        if "page_number" in noise:
            self._page_numbers()
        if "hard_wrap" in noise:
            lo, hi = noise["hard_wrap"]
            self._hard_wrap(rng.randint(lo, hi), blank_between=self.level >= 4 and rng.random() < 0.5)
        if "traditional" in noise:
            table = dict(_TRAD_KNOWN)
            if noise["traditional"] == "extended":
                table.update(_TRAD_EXTRA)
            keys = sorted(table)
            chosen = rng.sample(keys, k=max(6, int(len(keys) * (0.5 if self.level < 4 else 0.85))))
            self.trad = {k: table[k] for k in sorted(chosen)}

    def _rows(self, *tags: str) -> list[int]:
        return [i for i, ln in enumerate(self.lines) if ln.kind == "row" and (not tags or ln.tag in tags)]

    def _header_split(self, min_len: int) -> None:
        """Header cells of at least ``min_len`` characters wrap inside their column: the first half
        on the header line, the rest on the line below (the line's other cells empty)."""
        for i in reversed(self._rows("header")):
            cells = self.lines[i].cells or []
            if not any(len(c) >= min_len for c in cells):
                continue
            top, bottom = [], []
            for c in cells:
                if len(c) >= min_len and not _MARK_CHARS.search(c):
                    cut = len(c) // 2
                    top.append(c[:cut])
                    bottom.append(c[cut:])
                else:
                    top.append(c)
                    bottom.append("")
            self.lines[i : i + 1] = [_Line("row", cells=top, tag="header_top"), _Line("row", cells=bottom, tag="header_bottom")]
            self.applied.add("header_split")

    def _value_shift(self, count: int) -> None:
        rows = self._rows("money", "project")
        for i in sorted(self.rng.sample(rows, k=min(count, len(rows))), reverse=True):
            ln = self.lines[i]
            cells = ln.cells or []
            label_col = ln.name_col if ln.name_col is not None else next((j for j, c in enumerate(cells) if c.strip()), 0)
            label = ["" for _ in cells]
            values = list(cells)
            for j in range(label_col + 1):
                label[j], values[j] = cells[j], ""
            pair = [_Line("row", cells=label, tag="shifted"), _Line("row", cells=values, tag="shifted")]
            if ln.tag == "project" and self.rng.random() < 0.5:
                pair.reverse()  # the values on the line above the name, as in seed 000
            self.lines[i : i + 1] = pair
            self.applied.add("value_shift")

    def _row_wrap(self, count: int) -> None:
        rows = [i for i in self._rows("project", "indicator") if self.lines[i].name_col is not None]
        for i in sorted(self.rng.sample(rows, k=min(count, len(rows))), reverse=True):
            ln = self.lines[i]
            col = ln.name_col
            name = ln.cells[col]
            plain = _MARK_CHARS.sub("", name)
            if len(plain) < 8 or _MARK_CHARS.search(name):
                continue
            code = re.match(r"[0-9A-Z]{12,}-?", name)  # a financial-system code stays on the first line
            lo = max(len(name) - 5, (code.end() if code else 0) + 2)
            if lo > len(name) - 2:
                continue
            cut = self.rng.randint(lo, len(name) - 2)
            first, rest = name[:cut], name[cut:]
            ln.cells[col] = first
            cont = ["" for _ in ln.cells]
            cont[col] = rest
            self.lines.insert(i + 1, _Line("row", cells=cont, tag="wrapped"))
            self.applied.add("row_wrap")

    def _interleave(self) -> None:
        for i in reversed(self._rows("pair", "info")):
            cells = self.lines[i].cells or []
            # label, value, label, value (a leading empty block cell allowed)
            lead = 1 if cells and not cells[0].strip() else 0
            body = cells[lead:]
            if len(body) < 4 or len(body) % 2:
                continue
            labels = [""] * lead + [c if k % 2 == 0 else "" for k, c in enumerate(body)]
            values = [""] * lead + [c if k % 2 == 1 else "" for k, c in enumerate(body)]
            self.lines[i : i + 1] = [_Line("row", cells=labels, tag="interleaved"), _Line("row", cells=values, tag="interleaved")]
            self.applied.add("interleave")

    def _tabs_to_spaces(self, rate: float) -> None:
        for i in self._rows("money", "project", "indicator", "pair", "score"):
            if self.rng.random() < rate:
                ln = self.lines[i]
                sep = self.rng.choice([" ", "  ", "   "])
                self.lines[i] = _Line("tableprose", sep.join(c for c in ln.cells or [] if c.strip()))
                self.applied.add("tabs_to_spaces")

    def _ocr_chars(self, rate: float) -> None:
        def swap(text: str) -> str:
            out = []
            for ch in text:
                if ch in _OCR_SWAPS and self.rng.random() < rate * 6:
                    out.append(_OCR_SWAPS[ch])
                    self.applied.add("ocr_chars")
                elif "\u4e00" <= ch <= "\u9fff" and self.rng.random() < rate / 3:
                    out.append(self.rng.choice(_GARBAGE_COMMON))
                    self.applied.add("ocr_chars")
                else:
                    out.append(ch)
            return "".join(out)

        for ln in self.lines:
            if ln.kind == "filler":
                ln.text = swap(ln.text)
            elif ln.kind == "row" and ln.tag == "goal":
                ln.cells = [swap(c) if len(c) > 12 and not _MARK_CHARS.search(c) else c for c in ln.cells or []]

    def _html(self) -> None:
        for ln in self.lines:
            if ln.kind == "filler" and self.rng.random() < 0.7:
                ln.text = self.rng.choice(["&nbsp;&nbsp;", "<p>", "&emsp;"]) + ln.text + self.rng.choice(["<br/>", "</p>", ""])
                self.applied.add("html_leftovers")
            elif ln.kind == "blank" and self.rng.random() < 0.2:
                ln.text = "&nbsp;"
                self.applied.add("html_leftovers")

    def garbage_text(self) -> str:
        rng = self.rng
        out = []
        for _ in range(rng.randint(60, 140)):
            r = rng.random()
            if r < 0.45:
                out.append(rng.choice(_GARBAGE_COMMON))
            elif r < 0.8:
                out.append(rng.choice(_GARBAGE_RARE))
            elif r < 0.9:
                out.append(rng.choice(_GARBAGE_SYMBOLS))
            elif r < 0.96:
                out.append(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"))
            else:
                out.append(" ")
        return "".join(out).strip()

    def _garbage(self, count: int) -> None:
        # Between blocks: before a heading, a blank line or a table's first row, never inside prose.
        slots = [
            i for i in range(2, len(self.lines))
            if self.lines[i].kind in ("heading", "blank")
            or (self.lines[i].kind == "row" and self.lines[i - 1].kind != "row")
        ]
        for k, i in enumerate(sorted(self.rng.sample(slots, k=min(count, len(slots))), reverse=True)):
            text, mid = self.mark(self.garbage_text())
            self.named[f"garbage{k}"] = mid
            self.lines.insert(i, _Line("garbage", text))
            self.applied.add("garbage_paragraph")

    def _title_split(self) -> None:
        for ln in self.lines[:4]:
            if ln.kind == "title" and len(_MARK_CHARS.sub("", ln.text)) >= 14:
                m = re.search(r"(绩效自评|绩效评价|自评)", ln.text)
                if not m or m.start() < 4:
                    return
                cut = m.start()
                idx = self.lines.index(ln)
                self.lines[idx : idx + 1] = [_Line("title", ln.text[:cut]), _Line("title", ln.text[cut:])]
                self.applied.add("title_split")
                return

    def _page_numbers(self) -> None:
        n = len(self.lines)
        page = 1
        i = 30
        while i < n:
            # between two non-row lines only
            j = i
            while j < len(self.lines) - 1 and (self.lines[j].kind == "row" or self.lines[j - 1].kind == "row"):
                j += 1
            if j >= len(self.lines) - 1:
                break
            style = self.rng.choice(["- {} -", "— {} —", "第 {} 页"])
            self.lines.insert(j, _Line("pageno", " " * self.rng.randint(8, 30) + style.format(page)))
            self.applied.add("page_number")
            page += 1
            i = j + self.rng.randint(28, 40)

    def _hard_wrap(self, width: int, blank_between: bool) -> None:
        out: list[_Line] = []
        for ln in self.lines:
            if ln.kind not in ("prose", "filler") or _visible_width(ln.text) <= width * 2:
                out.append(ln)
                continue
            pieces = _wrap(ln.text, width * 2)
            for k, piece in enumerate(pieces):
                if k and blank_between:
                    out.append(_Line("blank"))
                out.append(_Line(ln.kind, piece))
            self.applied.add("hard_wrap")
        self.lines = out
