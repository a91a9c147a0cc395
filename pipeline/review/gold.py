"""Approved records become gold: ``<doc_id>.json`` in the format of ``../shared/gold/README.md``
(the plain record; ``_notes`` say who corrected what), with the source document copied beside it so
``pipeline eval --gold DIR`` finds it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pipeline.review.store import ItemView


def gold_record(view: ItemView) -> dict:
    """The plain record with ``_notes`` naming the corrections and the approving reviewer."""
    notes = [f"{path}: corrected by {c['reviewer']} (machine value {json.dumps(view.machine_value(path), ensure_ascii=False)})"
             for path, c in sorted(view.corrections.items())]
    notes.append(f"approved by {view.reviewer} in the review queue")
    return {**view.plain, "_notes": notes}


def save_gold(view: ItemView, out_dir: Path) -> Path:
    if view.status != "approved":
        raise ValueError(f"item {view.id} is {view.status}: only approved records become gold")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{view.doc_id}.json"
    target.write_text(json.dumps(gold_record(view), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    source = Path(view.path)
    beside = out_dir / f"{view.doc_id}{source.suffix}"
    if source.is_file() and not beside.exists():
        shutil.copyfile(source, beside)
    return target
