"""The files the package reads at run time besides its code: prompts and schemas.

The repository keeps them in top-level folders (``prompts/``, ``schemas/``), their one source. The
wheel carries them inside the package (``pyproject.toml`` maps the folders to ``pipeline/prompts``
and ``pipeline/schemas``), so an installed ``pipeline`` reads them with importlib.resources from
wherever it is installed. A checkout (tests, ``pip install -e``) has no such copy: there the top-level
folder beside the package is read. Neither found is an error, never a silent fallback.

Files that live inside ``pipeline/`` already (``templates/``, the text-quality table) need none of
this: they are package data wherever the package is.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

# The top-level folders shipped inside the package under the same name (pyproject.toml, force-include).
SHIPPED_FOLDERS = ("prompts", "schemas")


def data_dir(name: str) -> Traversable:
    """The folder ``name`` (one of ``SHIPPED_FOLDERS``): inside the installed package, or in the
    checkout the package is imported from."""
    if name not in SHIPPED_FOLDERS:
        raise ValueError(f"{name!r} is not a shipped folder; choose one of {', '.join(SHIPPED_FOLDERS)}")
    packaged = files("pipeline") / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"{name}/ is neither inside the installed package nor beside it in a checkout ({checkout})")


def read_text(folder: str, name: str) -> str:
    """The UTF-8 text of ``folder/name`` (see ``data_dir``)."""
    return (data_dir(folder) / name).read_text(encoding="utf-8")
