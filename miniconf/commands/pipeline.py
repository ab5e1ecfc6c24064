"""``miniconf pipeline``: embed the papers, find similar papers, lay out the map.

Writes ``<sitedata>/pipeline/`` (see structure/pipeline_outputs.py), which organizers
commit; ``miniconf freeze`` then needs no torch. ``--if-stale`` makes it a no-op when
those outputs are current, which is how ``make freeze`` calls it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..pipeline import DEFAULT_MODEL, DEVICES, INDEX_KINDS, MAP_METHODS, EmbeddingError
from ..structure.loader import load_conference
from ..structure.pipeline_outputs import (
    PipelineOutputs,
    conference_inputs,
    load_pipeline_outputs,
    outputs_folder,
)
from .common import cache_dir_for, report_problems, sitedata_argument


@click.command("pipeline")
@sitedata_argument
@click.option("--model", default=None,
              help="A sentence-transformers model name or local folder. Default: the model "
                   f"the current outputs were made with, else {DEFAULT_MODEL} (packaged, "
                   "offline).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="auto: a GPU when there is one, else the CPU.")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=32, show_default=True,
              help="Texts per batch; halved automatically when the GPU runs out of memory.")
@click.option("--k", "k", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Similar papers per paper.")
@click.option("--index", type=click.Choice(INDEX_KINDS), default="auto", show_default=True,
              help="flat: exact; ivf/hnsw: approximate; auto: exact below 20,000 papers.")
@click.option("--map", "map_method", type=click.Choice(MAP_METHODS),
              default="auto", show_default=True,
              help="Map projection; auto: UMAP from 100 papers, PCA below.")
@click.option("--fp16", is_flag=True, help="Half precision on a GPU (faster); ignored on the CPU.")
@click.option("--if-stale", is_flag=True,
              help="Do nothing (and load no model) when the outputs match the papers.")
@click.option("--force", is_flag=True,
              help="Recompute the outputs even when they are current, and lay the map out "
                   "afresh (otherwise a few changed papers are placed on the kept map).")
@click.option("--pending", is_flag=True,
              help="Only say (as Markdown, no model, no torch) which papers' similar papers "
                   "the next run will update; for a pull request's summary.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def command(sitedata: Path, model: str | None, device: str, batch_size: int, k: int,
            index: str, map_method: str, fp16: bool, if_stale: bool, force: bool,
            pending: bool, quiet: bool) -> None:
    """Embed SITEDATA's papers; write similar papers, the map and vectors to SITEDATA/pipeline/."""
    conference, problems = load_conference(sitedata, cache_dir_for(sitedata))
    errors = report_problems(problems)
    if conference is None:
        click.secho(f"{errors} error(s); the pipeline did not run.", fg="red", err=True)
        sys.exit(1)
    existing = load_pipeline_outputs(conference)
    if pending:
        click.echo(pending_summary(existing, len(conference.papers)))
        return
    if if_stale and existing.current and not force:
        click.echo(f"Pipeline outputs are up to date ({len(conference.papers)} papers, "
                   f"model {existing.model}).")
        return
    from ..pipeline.run import PipelineSettings, run_pipeline  # numpy, only when needed

    settings = PipelineSettings(
        model=model or existing.model or DEFAULT_MODEL,
        device=device,
        batch_size=batch_size,
        k=k,
        index=index,
        map_method=map_method,
        fp16=fp16,
    )
    if not conference.papers:
        click.secho("warning: sitedata has no papers; writing empty outputs.", fg="yellow",
                    err=True)
    try:
        report = run_pipeline(
            conference_inputs(conference),
            outputs_folder(conference.root),
            cache_dir_for(sitedata),
            settings,
            force=force,
            progress=not quiet,
        )
    except EmbeddingError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(report.summary())


def pending_summary(outputs: PipelineOutputs, papers: int) -> str:
    """Markdown for a pull request's summary: what the deploy's pipeline run will update."""
    if outputs.current:
        return (f"Similar papers and the map are up to date for all {papers} papers "
                f"(model {outputs.model}).")
    if not outputs.published:
        return f"No similar papers or map will be published: {outputs.message}."
    found = outputs.differences
    lines = ["The deploy runs `miniconf pipeline --if-stale`, which will update similar papers "
             "and the map for these papers; until then they show what is listed here.", ""]
    for label, ids in (("changed (title or abstract; keep their previous similar papers)",
                        found.changed),
                       ("new (no similar papers yet)", found.added),
                       ("removed (left out of every list and the map)", found.removed)):
        if ids:
            lines.append(f"- {len(ids)} {label}: " + ", ".join(f"`{i}`" for i in ids))
    return "\n".join(lines)
