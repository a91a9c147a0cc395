"""What a batch will read: the named files, folders and glob patterns, walked, hashed and
de-duplicated by content, each with its document id.

Folders are walked recursively by ``inputs.find_inputs`` (symbolic links to folders are not
followed, so a link loop cannot make the walk endless); a pattern (``reports/**/*.pdf``) that is
not an existing path is expanded. Two files with the same bytes are one document: the first is
processed, the others are listed as duplicates of it.
"""

from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pipeline.inputs import Inputs, find_inputs, unique_ids

_GLOB_CHARS = frozenset("*?[")


@dataclass
class Planned:
    path: Path
    doc_id: str
    sha256: str


@dataclass
class Plan:
    documents: list[Planned] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)  # path, same_as
    unreadable: list[dict[str, str]] = field(default_factory=list)  # path, error, kind: cannot even be hashed
    inputs: Inputs = field(default_factory=Inputs)
    unmatched: list[str] = field(default_factory=list)  # patterns that matched nothing


def expand(arguments: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Paths as named, glob patterns expanded (recursively with ``**``); patterns without a match."""
    paths: list[Path] = []
    unmatched: list[str] = []
    for argument in map(str, arguments):
        if Path(argument).exists() or not _GLOB_CHARS & set(argument):
            paths.append(Path(argument))
            continue
        found = _shortest_per_file(glob.glob(argument, recursive=True))
        paths += found
        if not found:
            unmatched.append(argument)
    return paths, unmatched


def _shortest_per_file(matches: list[str]) -> list[Path]:
    """One path per file: ``**`` follows folder links, so a link loop matches the same file
    under ever longer paths (until the system's limit); its shortest path is the one kept."""
    best: dict[Path, Path] = {}
    for match in map(Path, matches):
        key = match.resolve()
        if key not in best or (len(match.parts), str(match)) < (len(best[key].parts), str(best[key])):
            best[key] = match
    return sorted(best.values())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan(arguments: Iterable[str | Path]) -> Plan:
    """Walk, hash and de-duplicate the inputs; every document gets an id unique in the batch."""
    paths, unmatched = expand(arguments)
    result = Plan(inputs=find_inputs(paths), unmatched=unmatched)
    first_of: dict[str, Path] = {}
    kept: list[tuple[Path, str]] = []
    for path in result.inputs.documents:
        try:
            sha = file_sha256(path)
        except OSError as error:
            kind = "file_missing" if isinstance(error, FileNotFoundError) else "unreadable"
            result.unreadable.append({"path": str(path), "error": error.strerror or str(error), "kind": kind})
            continue
        if sha in first_of:
            result.duplicates.append({"path": str(path), "same_as": str(first_of[sha])})
            continue
        first_of[sha] = path
        kept.append((path, sha))
    ids = unique_ids([p for p, _ in kept])
    result.documents = [Planned(path=p, doc_id=ids[p], sha256=s) for p, s in kept]
    return result
