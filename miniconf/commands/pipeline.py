"""``miniconf pipeline``: embed the papers, find similar papers, lay out the map.

Writes ``<sitedata>/pipeline/`` (see structure/pipeline_outputs.py), which organizers
commit; ``miniconf freeze`` then needs no torch. ``--if-stale`` makes it a no-op when
those outputs are current, which is how ``make freeze`` calls it. ``--pending`` says,
without a model, which papers the next run will update (for a pull request's summary).
``miniconf pipeline evaluate`` scores similar papers against a label the papers carry.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..pipeline import DEFAULT_MODEL, DEVICES, INDEX_KINDS, MAP_METHODS, EmbeddingError
from ..pipeline.settings import Recipe
from ..structure.conference import Conference
from ..structure.loader import load_conference
from ..structure.pipeline_outputs import (
    IMPORTED_MODEL,
    PipelineOutputs,
    conference_inputs,
    load_pipeline_outputs,
    outputs_folder,
)
from .common import cache_dir_for, report_problems, sitedata_argument


class PipelineGroup(click.Group):
    """``miniconf pipeline [SITEDATA] [OPTIONS]`` runs the pipeline (the ``run``
    subcommand); ``miniconf pipeline evaluate SITEDATA`` scores it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("pipeline", cls=PipelineGroup)
def command() -> None:
    """Embed papers; write similar papers, the map and vectors to SITEDATA/pipeline/.

    `miniconf pipeline [SITEDATA] [OPTIONS]` runs it (see `miniconf pipeline run --help`);
    `miniconf pipeline evaluate SITEDATA --label track` scores similar papers."""


def recipe_options(function: Callable) -> Callable:
    """The ranking recipe's options (settings.Recipe); unset ones keep the recipe the
    current outputs were made with, else the default."""
    defaults = Recipe()
    options = [
        click.option(
            "--plain",
            is_flag=True,
            help="Plain cosine of one embedding of title + abstract (no recipe steps).",
        ),
        click.option(
            "--title-weight",
            type=click.FloatRange(0, 10),
            default=None,
            help=f"Title vector added to the abstract's; 0: one embedding of both "
            f"[{defaults.title_weight}].",
        ),
        click.option(
            "--center/--no-center",
            default=None,
            help=f"Subtract the corpus mean before cosine [{defaults.center}].",
        ),
        click.option(
            "--tfidf-weight",
            type=click.FloatRange(0, 10),
            default=None,
            help=f"TF-IDF cosine fused with the embedding's [{defaults.tfidf_weight}].",
        ),
        click.option(
            "--snn-weight",
            type=click.FloatRange(0, 10),
            default=None,
            help=f"Shared-nearest-neighbour re-ranking [{defaults.snn_weight}].",
        ),
        click.option(
            "--snn-k",
            type=click.IntRange(2, 100),
            default=None,
            help=f"Neighbours the re-ranking compares [{defaults.snn_k}].",
        ),
    ]
    for option in reversed(options):
        function = option(function)

    @functools.wraps(function)
    def wrapper(
        *args, plain: bool, title_weight, center, tfidf_weight, snn_weight, snn_k, **kwargs
    ):
        kwargs["recipe_choices"] = {
            name: value
            for name, value in (
                ("title_weight", title_weight),
                ("center", center),
                ("tfidf_weight", tfidf_weight),
                ("snn_weight", snn_weight),
                ("snn_k", snn_k),
            )
            if value is not None
        }
        kwargs["plain"] = plain
        return function(*args, **kwargs)

    return wrapper


def chosen_recipe(plain: bool, choices: dict, existing: PipelineOutputs) -> Recipe:
    base = Recipe.plain() if plain else (Recipe.from_dict(existing.recipe) or Recipe())
    return Recipe(**{**base.as_dict(), **choices})


def _load(sitedata: Path) -> Conference:
    conference, problems = load_conference(sitedata, cache_dir_for(sitedata))
    errors = report_problems(problems)
    if conference is None:
        click.secho(f"{errors} error(s); the pipeline did not run.", fg="red", err=True)
        sys.exit(1)
    return conference


@command.command("run")
@sitedata_argument
@click.option(
    "--model",
    default=None,
    help="A sentence-transformers model name or local folder. Default: the model "
    f"the current outputs were made with, else {DEFAULT_MODEL} (packaged, "
    "offline).",
)
@click.option(
    "--device",
    type=click.Choice(DEVICES),
    default="auto",
    show_default=True,
    help="auto: a GPU when there is one, else the CPU.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 4096),
    default=32,
    show_default=True,
    help="Texts per batch; halved automatically when the GPU runs out of memory.",
)
@click.option(
    "--k",
    "k",
    type=click.IntRange(1, 50),
    default=None,
    help="Similar papers per paper. Default: as the current outputs, else 5.",
)
@click.option(
    "--index",
    type=click.Choice(INDEX_KINDS),
    default="auto",
    show_default=True,
    help="flat: exact; ivf/hnsw: approximate; auto: exact below 20,000 papers.",
)
@click.option(
    "--map",
    "map_method",
    type=click.Choice(MAP_METHODS),
    default="auto",
    show_default=True,
    help="Map projection; auto: t-SNE from 40 papers, PCA below.",
)
@click.option("--fp16", is_flag=True, help="Half precision on a GPU (faster); ignored on the CPU.")
@click.option(
    "--if-stale",
    is_flag=True,
    help="Do nothing (and load no model) when the outputs match the papers.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Recompute the outputs even when they are current, and lay the map out "
    "afresh (otherwise a few changed papers are placed on the kept map).",
)
@click.option(
    "--pending",
    is_flag=True,
    help="Only say (as Markdown, no model, no torch) which papers' similar papers "
    "the next run will update; for a pull request's summary.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@recipe_options
def run_command(
    sitedata: Path,
    model: str | None,
    device: str,
    batch_size: int,
    k: int | None,
    index: str,
    map_method: str,
    fp16: bool,
    if_stale: bool,
    force: bool,
    pending: bool,
    quiet: bool,
    plain: bool,
    recipe_choices: dict,
) -> None:
    """Embed SITEDATA's papers; write similar papers, the map and vectors to SITEDATA/pipeline/.

    `miniconf pipeline evaluate --help`: score similar papers against a label."""
    conference = _load(sitedata)
    existing = load_pipeline_outputs(conference)
    if pending:
        click.echo(pending_summary(existing, len(conference.papers)))
        return
    recipe = chosen_recipe(plain, recipe_choices, existing)
    k = k or existing.k or DEFAULT_K
    made_so = existing.k == k and existing.recipe == recipe.as_dict()
    if if_stale and existing.current and made_so and model in (None, existing.model) and not force:
        click.echo(
            f"Pipeline outputs are up to date ({len(conference.papers)} papers, "
            f"model {existing.model})."
        )
        return
    from ..pipeline.run import PipelineSettings, run_pipeline  # numpy, only when needed

    settings = PipelineSettings(
        # Imported outputs name no model: a first run uses the default one.
        model=model
        or (existing.model if existing.model != IMPORTED_MODEL else None)
        or DEFAULT_MODEL,
        device=device,
        batch_size=batch_size,
        k=k,
        index=index,
        map_method=map_method,
        fp16=fp16,
        recipe=recipe,
    )
    if not conference.papers:
        click.secho(
            "warning: sitedata has no papers; writing empty outputs.", fg="yellow", err=True
        )
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


#: Similar papers per paper, unless the current outputs have another number.
DEFAULT_K = 5
#: Labels ``evaluate`` can score against: a paper's track, or its keywords.
LABELS = ("track", "keywords")


def paper_labels(conference: Conference, label: str) -> dict[str, frozenset[str]]:
    if label == "track":
        return {
            paper.id: frozenset({paper.track}) if paper.track else frozenset()
            for paper in conference.papers
        }
    return {
        paper.id: frozenset(word.strip().lower() for word in paper.keywords if word.strip())
        for paper in conference.papers
    }


@command.command("evaluate")
@sitedata_argument
@click.option(
    "--label",
    type=click.Choice(LABELS),
    default="track",
    show_default=True,
    help="track: same track; keywords: a keyword in common.",
)
@click.option(
    "--k",
    "k",
    type=click.IntRange(1, 50),
    default=5,
    show_default=True,
    help="Similar papers per paper.",
)
@click.option(
    "--model",
    default=DEFAULT_MODEL,
    show_default=True,
    help="A sentence-transformers model name or local folder.",
)
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@recipe_options
def evaluate_command(
    sitedata: Path, label: str, k: int, model: str, device: str, plain: bool, recipe_choices: dict
) -> None:
    """agreement@k of SITEDATA's similar papers with a label, for the recipe, plain cosine
    and random pairs (embeddings from the cache where it has them; nothing is written)."""
    conference = _load(sitedata)
    from ..pipeline.evaluate import agreement, random_lists
    from ..pipeline.recipe import similar_papers
    from ..pipeline.run import PipelineReport, PipelineSettings, recipe_vectors

    items = conference_inputs(conference)
    labels_of = paper_labels(conference, label)
    labels = [labels_of[paper_id] for paper_id, _ in items]
    if not any(labels):
        click.secho(f"error: no paper has a {label}", fg="red", err=True)
        sys.exit(1)
    texts = [text for _, text in items]
    recipe = chosen_recipe(plain, recipe_choices, load_pipeline_outputs(conference))
    click.echo(
        f"agreement@{k} with {label} ({len(items)} papers; mean share of similar "
        "papers sharing it, 95 % bootstrap interval):"
    )
    try:
        for name, tried in (("recipe", recipe), ("plain", Recipe.plain())):
            settings = PipelineSettings(model=model, device=device, k=k, recipe=tried)
            vectors = recipe_vectors(texts, cache_dir_for(sitedata), settings, PipelineReport())
            similar = similar_papers(vectors, texts, k, tried)
            click.echo(f"  {name:>7}: {agreement(similar, labels)}")
    except EmbeddingError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"  {'random':>7}: {agreement(random_lists(len(items), k), labels)}")
    click.echo(f"the recipe's settings: {recipe.as_dict()}")


def pending_summary(outputs: PipelineOutputs, papers: int) -> str:
    """Markdown for a pull request's summary: what the deploy's pipeline run will update."""
    if outputs.current:
        return (
            f"Similar papers and the map are up to date for all {papers} papers "
            f"(model {outputs.model})."
        )
    if not outputs.published:
        return f"No similar papers or map will be published: {outputs.message}."
    found = outputs.differences
    lines = [
        "The deploy runs `miniconf pipeline --if-stale`, which will update similar papers "
        "and the map for these papers; until then they show what is listed here.",
        "",
    ]
    for label, ids in (
        ("changed (title or abstract; keep their previous similar papers)", found.changed),
        ("new (no similar papers yet)", found.added),
        ("removed (left out of every list and the map)", found.removed),
    ):
        if ids:
            lines.append(f"- {len(ids)} {label}: " + ", ".join(f"`{i}`" for i in ids))
    return "\n".join(lines)
