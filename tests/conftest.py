"""Shared fixtures: where the team's shared seeds and gold live.

`../shared` sits beside the checkout in CI and on developer machines; its files are used in
place, never copied into the project.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("PIPELINE_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
SEEDS_DIR = SHARED_DIR / "seeds"
GOLD_DIR = SHARED_DIR / "gold"


def seed_paths() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.txt"))


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    paths = seed_paths()
    if not paths:
        pytest.fail(f"no seeds found under {SEEDS_DIR}: ../shared must sit beside the checkout")
    return paths


@pytest.fixture(scope="session")
def gold_records() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD_DIR.glob("*.json"))}


def seed_text(stem_prefix: str) -> str:
    """Text of the seed whose file name starts with ``stem_prefix`` (e.g. '000')."""
    (path,) = [p for p in seed_paths() if p.name.startswith(stem_prefix)]
    return path.read_text(encoding="utf-8")
