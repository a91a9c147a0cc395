"""Command line: `pipeline ingest | extract | check | eval | schema | demo`.

Batch commands never stop at a broken document: each bad input is reported on stderr with its
path and reason, the rest are processed, and the exit status says what happened
(0 all good, 1 a record has an error finding, 2 some input could not be read).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterable, Iterator, Optional

import typer
from rich.console import Console
from rich.table import Table

from pipeline.errors import PipelineError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn budget-performance self-evaluation reports into verified, structured records.",
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
SUPPORTED_SUFFIXES = {".txt", ".md", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; directories expanded to their supported files, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            yield path


def report_bad_input(error: PipelineError) -> None:
    err.print(f"[bold red]error[/] {error.path}: {error.reason} [dim]({error.code})[/]", markup=True)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or directories to read."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per document on stdout."),
    full: bool = typer.Option(False, "--full", help="Print whole page texts, not a preview."),
) -> None:
    """Show what was read: per page the engine (text / text layer / OCR) and the text."""
    from pipeline.ingest import load

    status = EXIT_OK
    for path in expand_paths(paths):
        try:
            document = load(path)
        except PipelineError as error:
            report_bad_input(error)
            status = EXIT_BAD_INPUT
            continue
        if as_json:
            sys.stdout.write(json.dumps(document.summary(), ensure_ascii=False) + "\n")
            continue
        out.rule(f"{document.path}  [dim]{document.sha256[:12]}[/]")
        out.print(f"type {document.media_type}, encoding {document.encoding or '-'}, {len(document.pages)} page(s)")
        for page in document.pages:
            confidence = f", OCR confidence {page.ocr_confidence:.3f}" if page.ocr_confidence is not None else ""
            rejected = f" (text layer rejected: {page.text_layer_rejected})" if page.text_layer_rejected else ""
            out.print(f"[bold]page {page.number}[/] engine={page.engine}{confidence}{rejected}")
            text = page.text if full else _preview(page.text)
            out.print(text, markup=False)
    raise typer.Exit(status)


def _preview(text: str, lines: int = 12) -> str:
    head = text.splitlines()[:lines]
    more = len(text.splitlines()) - len(head)
    return "\n".join(head) + (f"\n… {more} more line(s); --full shows all" if more > 0 else "")


@app.command()
def schema(
    out_path: Path = typer.Option(Path("schemas/record.schema.json"), "--out", help="Where to write."),
    check: bool = typer.Option(False, "--check", help="Fail if the file differs from the models."),
) -> None:
    """Generate schemas/record.schema.json from pipeline/record.py."""
    from pipeline.record import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    if check:
        current = out_path.read_text(encoding="utf-8") if out_path.exists() else ""
        if current != text:
            err.print(f"{out_path} is out of date: run `pipeline schema`")
            raise typer.Exit(1)
        out.print(f"{out_path} is up to date")
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    out.print(f"wrote {out_path}")


@app.command()
def demo(
    shared: Path = typer.Option(Path("../shared"), help="The team's shared folder (seeds, gold)."),
    samples: Path = typer.Option(Path("samples"), help="The project's bundled sample reports."),
) -> None:
    """Run the main job on the offline default over the bundled samples and the shared seeds."""
    from pipeline.demo import run_demo

    raise typer.Exit(run_demo(out, [samples, shared / "seeds"]))


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
