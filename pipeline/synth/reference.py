"""Build the garbage detector's reference table from the generator (``make textquality-reference``).

``pipeline/textquality.py`` judges a passage by how many of its character bigrams normal report
text also contains. Its "normal report text" is this table, package data, built from the project's
own generator at noise 0 over every layout: clean text (no garbage paragraphs, no OCR swaps) in the
vocabulary of the reports the pipeline reads, and no evaluation report, so no scored document
vouches for itself. A tool beside the flow, like the generator: nothing at run time imports it.

    python -m pipeline.synth.reference     # rewrites pipeline/data/textquality_bigrams.tsv
"""

from __future__ import annotations

from pathlib import Path

from pipeline import synth, textquality

# The generator's vocabulary saturates near 3,000 bigrams by a thousand reports; 1,500 leave a margin.
REPORTS = 1500
SEED = 0


def build_table(n: int = REPORTS, seed: int = SEED) -> str:
    """The table's text: bigram counts of ``n`` clean generated reports cycling every layout."""
    texts = (report.text for report in synth.generate(n, layout="all", noise=0, seed=seed))
    provenance = [
        "Character-bigram counts of normal report text for pipeline/textquality.py (garbled_text).",
        f"Built from {n} clean reports of pipeline synth (layout all, noise 0, seed {seed}); no",
        "evaluation report is in it. Rebuild: make textquality-reference (python -m pipeline.synth.reference).",
    ]
    return textquality.render_table(textquality.bigram_counts(texts), provenance)


def write_table(path: Path | None = None) -> Path:
    """Rewrite the packaged table (or ``path``) with ``build_table()``."""
    target = Path(path) if path is not None else Path(str(textquality.reference_file()))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(build_table(), encoding="utf-8")
    return target


if __name__ == "__main__":
    written = write_table()
    rows = sum(1 for line in written.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    print(f"wrote {written} ({rows} bigrams)")
