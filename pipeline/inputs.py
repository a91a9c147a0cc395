"""What a command line names: files and folders, walked into the documents a batch reads.

``find_inputs(paths)`` walks folders recursively (folders of folders are how reports arrive:
one per department or year) and keeps what it skipped, so a command can say what it found;
``unique_ids(paths)`` gives every document an id that no other document of the batch shares,
so two ``x.txt`` in different folders never overwrite each other's record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})


@dataclass
class Inputs:
    """The documents of a batch, in order, and what the walk passed over."""

    documents: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files of an unsupported type inside folders
    empty_folders: list[Path] = field(default_factory=list)  # named folders without one document

    def summary(self) -> str:
        """One line: how many documents were found, and what was skipped."""
        line = f"found {len(self.documents)} document(s)"
        if self.skipped:
            kinds = sorted({p.suffix.lower() or "(no extension)" for p in self.skipped})
            line += f", skipped {len(self.skipped)} other file(s) ({', '.join(kinds)})"
        return line


def find_inputs(paths: Iterable[Path]) -> Inputs:
    """Files as given (a named file is always read, so a wrong one gets its own error); folders
    walked recursively, sorted, keeping the supported types. Hidden files and folders (``.git``,
    ``.DS_Store``) are passed over silently."""
    inputs = Inputs()
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:  # a file named twice (or inside two named folders) is read once
            seen.add(key)
            inputs.documents.append(path)

    for path in paths:
        if not path.is_dir():
            add(path)
            continue
        found = 0
        for child in sorted(_walk(path)):
            relative = child.relative_to(path).parts
            if any(part.startswith(".") for part in relative) or not child.is_file():
                continue
            if child.suffix.lower() in SUPPORTED_SUFFIXES:
                add(child)
                found += 1
            else:
                inputs.skipped.append(child)
        if not found:
            inputs.empty_folders.append(path)
    return inputs


def _walk(root: Path) -> Iterator[Path]:
    """Every file below ``root``. Linked folders are followed once: a folder reached again
    (a link to a parent, two links to one place) is not walked again, so a link loop ends
    (``Path.rglob`` of Python 3.11 follows a loop until the path is too long)."""
    seen: set[tuple[int, int]] = set()
    for folder, subfolders, files in os.walk(root, followlinks=True):
        status = os.stat(folder)
        if (status.st_dev, status.st_ino) in seen:
            subfolders[:] = []
            continue
        seen.add((status.st_dev, status.st_ino))
        # Real folders before links, so a file is found under its own folder rather than a link.
        subfolders.sort(key=lambda name: (os.path.islink(os.path.join(folder, name)), name))
        yield from (Path(folder) / name for name in files)


def unique_ids(paths: list[Path]) -> dict[Path, str]:
    """A record id per path: the file's stem, as the contract says, unless another document of the
    batch has the same stem; then the stem is prefixed with as many parent folders as tell the two
    apart (``a/x.txt`` → ``a_x``), and with the suffix where only that differs (``x.pdf`` → ``x_pdf``)."""
    by_stem: dict[str, list[Path]] = {}
    for path in paths:
        by_stem.setdefault(path.stem, []).append(path)
    ids: dict[Path, str] = {}
    for stem, group in by_stem.items():
        if len(group) == 1:
            ids[group[0]] = stem
            continue
        ids.update(_distinct(stem, group))
    return ids


def _distinct(stem: str, group: list[Path]) -> dict[Path, str]:
    resolved = {p: p.resolve() for p in group}
    deepest = max(len(r.parent.parts) for r in resolved.values())
    for depth in range(1, deepest + 1):
        names = {p: "_".join([*r.parent.parts[-depth:], stem]).lstrip("/_") for p, r in resolved.items()}
        if len(set(names.values())) == len(group):
            return names
    # Same folder (or the same file named twice): the suffix, then the position, tell them apart.
    names = {p: f"{stem}_{p.suffix.lstrip('.').lower()}" if p.suffix else stem for p in group}
    if len(set(names.values())) == len(group):
        return names
    return {p: f"{stem}_{i}" for i, p in enumerate(group, 1)}
