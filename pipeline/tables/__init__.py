"""One table reader: the normalised text and its layout lines -> typed tables.

Rules and checks read money grids, indicator grids, project grids and score tables through this
module only, so they agree on what a table says. A table is recovered however it was flattened:

- tab-separated rows, and rows whose tabs became spaces (``pipeline.layout`` gives both cells;
  a spaced row's pieces are re-placed where their kinds fit the columns' roles);
- rows whose cells are separated by single spaces under a space-separated header, and a whole
  form flattened onto one line (its header words, then its rows token by token);
- pipes ('| 产出指标 | 数量指标 | … |', empty cells of merged levels kept as empty cells);
- one cell per line ('产出指标 |' / '数量指标 |' …): label-value pairs, then each run of header
  words is a header row whose width cuts the cells after it into rows;
- a form whose empty cells were not printed at all, one cell per line ('cell |' or bare lines)
  or on one line or with rows run on over lines: the header wrapped word by word ('年度指' over
  '标值') is re-joined where the joins make the best header, and the rows after it are read by
  the kinds of their cells under the header's column roles (``_flat_rows``): level names, a
  name (also printed after or wrapped around its values), a sign under 指标性质, a short word
  under 度量单位, figures under 分值 / 得分, a sentence under remarks;
- lines of a grid printed in narrow columns (a PDF's text layer), short words under a row
  being the rest of its wrapped cells;
- figures run together in one cell ('194.9194.9100%'), split over the empty columns after it
  when one reading is certain, and a whole money row or total row run together
  ('39.990.0039.99…84.05%108.41', '10098.41') read when exactly one reading agrees with itself;
- rows broken by a wrapped cell, by a short line without cells (a wrapped unit '（万元）', a name
  fragment), a name printed on the line below its values or begun on the line above them,
  target and actual cells wrapped side by side, or figures printed on the line below (or above)
  their label;
- headers over two or three lines (the pieces of a column are joined; a merged group header
  above several columns names each of them), with formula annotations (①, ③=①+②, (B/A),
  (E/C×100%)) stripped before the header words are matched;
- merged level cells (一级 / 二级指标) that apply to the rows below them;
- tables continuing after a page break, with or without their header;
- several one-project forms on one page divided only by a repeated title (``Table.form``).

Column roles come from the header text through ``lexicon.COLUMN_ROLE_PATTERNS``, never from a
column's position in one template. Each table knows its money unit ('单位：元' above it, or a
'(元)' in its header), else the document's.
"""

from __future__ import annotations

from pipeline.tables.model import (  # noqa: F401  (the reader's names, wherever they live)
    Column,
    Row,
    Table,
    TableCell,
    _FORMULA,
    _FORM_TITLE_END,
    _NUMERIC,
    _PAGE_LINE,
    _PLACEHOLDER,
    _SIGNS,
    _TITLE_YEAR,
    _TOTAL_LABELS,
    _UNIT_NOTE,
    _is_form_title,
    _level_of,
    _row_label,
    column_role,
    header_core,
    is_numeric,
    is_placeholder,
    row_scope,
)
from pipeline.tables.cells import (  # noqa: F401  (the reader's names, wherever they live)
    _AMOUNT_ROLES,
    _GLUED_PATTERNS,
    _Piece,
    _RUN_AFTER_PERCENT,
    _TOKEN,
    _cells_run_on,
    _cut_at_headers,
    _glued_consistent,
    _glued_figures,
    _glued_parts,
    _glued_readings,
    _header_like,
    _header_run,
    _is_header_word,
    _layout_cells,
    _long_text,
    _name_rest,
    _parse_space_rows,
    _pieces,
    _pipe_cells,
    _raw_rows,
    _single_rows,
    _space_rows,
    _tokens,
    _value_like,
)
from pipeline.tables.glued import (  # noqa: F401  (the reader's names, wherever they live)
    _ANNOTATION,
    _LONGEST_RUN,
    _NUMBERING_LINE,
    _NUMBERING_TAIL,
    _RATE_FORMULA,
    _annotation_of,
    _column_kinds,
    _fixed_precision_row,
    _formulas_hold,
    _glued_money_header,
    _rates_from_formulas,
    fixed_precision_splits,
    glued_header_spans,
)
from pipeline.tables.headers import (  # noqa: F401  (the reader's names, wherever they live)
    _ROLELESS,
    _align_wrapped,
    _by_line,
    _flat_rows,
    _header_fragment_word,
    _header_quality,
    _header_runs,
    _join_gain,
    _join_wrapped_cells,
    _loose_line,
    _next_has_cells,
    _plain_run,
    _unglue_row_labels,
    _wrapped_header,
)
from pipeline.tables.reader import (  # noqa: F401  (the reader's names, wherever they live)
    _FIGURE_COLUMNS,
    _MONEY_LIKE,
    _TEXT_LIKE,
    _add_row,
    _decompose,
    _finish_header,
    _fit,
    _fragment_of,
    _header_fragment,
    _joinable,
    _label_pair,
    _loose,
    _merge,
    _name_head,
    _nameless_figures,
    _only_furniture,
    _realign,
    _repeats,
    _split_run,
    _split_run_together,
    _table_unit,
    _text_cells,
    _value_cells,
    _words_only,
    _wrapped_values,
    read_tables,
)
from pipeline.tables.items import (  # noqa: F401  (the reader's names, wherever they live)
    Form,
    IndicatorCells,
    _FIGURE,
    _GLUED_HEADER,
    _GLUED_ROW,
    _MAX_FIELD_ROW_CELLS,
    _NUMBERING,
    _POINTS,
    _carry_levels,
    _form_name,
    _join_split_target,
    _row_levels,
    clean_name,
    form_money,
    forms,
    glued_indicator_rows,
    indicator_rows,
    labelled_value,
    labelled_values,
    level_cells,
)
