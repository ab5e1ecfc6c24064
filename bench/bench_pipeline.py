"""The offline pipeline's figures (issues 3 and 20), printed by ``make bench``.

- The ranking recipe: agreement@5 of each recipe step on ACL 2020 and ACL 2023 (track)
  and ICLR 2020 (keywords), read by real_sites.py, against random pairs; the recipe's
  extra ranking time at 1,000 and 10,000 papers.
- Models: agreement@5 of the default model and of any other sentence-transformers
  folders named in ``MINICONF_BENCH_MODELS`` (paths, separated by ``:``), and their CPU
  cost: a plain encode of ICLR texts in fresh processes, interleaved.
- The map: PCA against t-SNE (and UMAP, when umap-learn is installed) by size, by
  trustworthiness and by how often a paper's nearest on the map share its label.
- A cold ``miniconf pipeline`` (fresh process, empty cache) on the imported ICLR 2020
  sitedata (687 papers) against a plain ``SentenceTransformer.encode`` of the same
  texts in a fresh process, with a warm run (cache full, outputs deleted) and an
  up-to-date one, interleaved, medians of 3; with the cold run's breakdown by step.
- faiss top-5 of 100,000 synthetic clustered 384-d vectors (``--index auto``, IVF at
  that size), with its recall against exact search.

Embeddings of the recipe and model figures are kept in bench/out/pipeline-cache between
runs. No GPU figure: this machine has none (``--device auto`` would use one).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from miniconf.pipeline.embed import DEFAULT_MODEL, Embedder  # noqa: E402
from miniconf.pipeline.evaluate import agreement, random_lists  # noqa: E402
from miniconf.pipeline.neighbours import choose_index, nearest_neighbours  # noqa: E402
from miniconf.pipeline.recipe import centered, similar_papers, texts_to_embed  # noqa: E402
from miniconf.pipeline.run import PipelineReport, PipelineSettings, recipe_vectors  # noqa: E402
from miniconf.pipeline.settings import Recipe  # noqa: E402

#: The embedding cache of the recipe figures, kept between runs (bench/out is ignored).
CACHE = Path(__file__).resolve().parent / "out" / "pipeline-cache"


def run_child(args: list[str]) -> tuple[float, float, str]:
    """(CPU seconds, wall seconds, stdout) of a fresh Python process running ``args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{args[:2]} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


#: A plain encode, as anyone would write it: the baseline a pipeline run is held to.
#: Prints the CPU and wall seconds of importing and loading, and of encoding.
PLAIN_ENCODE = """
import json, sys, time
clock = lambda: (time.process_time(), time.perf_counter())
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1])
loaded = clock()
texts = json.loads(open(sys.argv[2], encoding="utf-8").read())
model.encode(texts, batch_size=32)
done = clock()
print(json.dumps({"load": loaded, "encode": [done[0] - loaded[0], done[1] - loaded[1]]}))
"""


def plain_encode(model_folder: str, texts_file: Path) -> dict[str, tuple[float, float]]:
    """(CPU, wall) seconds of a plain encode in a fresh process: "total", "load" (start-up,
    imports and reading the model) and "encode"."""
    cpu, wall, out = run_child(["-c", PLAIN_ENCODE, model_folder, str(texts_file)])
    phases = json.loads(out.strip().splitlines()[-1])
    return {"total": (cpu, wall), "load": tuple(phases["load"]), "encode": tuple(phases["encode"])}


def pipeline_command(sitedata: Path) -> tuple[float, float, dict[str, float]]:
    """(CPU, wall) seconds of ``miniconf pipeline SITEDATA`` in a fresh process, and the
    CPU seconds of its steps as its summary prints them."""
    cpu, wall, out = run_child(["-m", "miniconf", "pipeline", str(sitedata), "--quiet"])
    steps = {
        name: float(seconds)
        for name, seconds in re.findall(r"([a-z][a-z ]*?) [\d.]+ s \(([\d.]+) CPU-s\)", out)
    }
    return cpu, wall, steps


def median(values) -> float:
    return float(np.median(list(values)))


def bench_cold_pipeline(rounds: int = 3) -> None:
    """A cold ``miniconf pipeline`` against a plain encode of the same texts, both in
    fresh processes, interleaved (the order rotates each round, so load from other work
    on the machine falls on all alike); medians of ``rounds``."""
    import shutil

    import real_sites

    from miniconf.importers.miniconf import import_miniconf
    from miniconf.pipeline.embed import model_location
    from miniconf.structure.loader import load_conference
    from miniconf.structure.pipeline_outputs import conference_inputs, outputs_folder

    data = real_sites.shared_data()
    if data is None or not (data / "miniconf-iclr2020").is_dir():
        print("cold pipeline figures skipped: ../shared/data/miniconf-iclr2020 is missing")
        return
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        imported = work / "imported" / "sitedata"
        import_miniconf(data / "miniconf-iclr2020", imported)
        conference, _ = load_conference(imported)
        assert conference is not None
        paper_texts = [text for _, text in conference_inputs(conference)]
        texts = list(dict.fromkeys(texts_to_embed(paper_texts, Recipe())))
        texts_file = work / "texts.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        # Warm: the cache full, the outputs deleted before each run (all steps but the
        # model run). Up to date: the cache and outputs of a finished run.
        warm = work / "warm" / "sitedata"
        shutil.copytree(imported.parent, warm.parent)
        pipeline_command(warm)
        current = work / "current" / "sitedata"
        shutil.copytree(warm.parent, current.parent)

        def cold_run(number: int) -> tuple[float, float, dict[str, float]]:
            fresh = work / f"cold-{number}" / "sitedata"
            shutil.copytree(imported.parent, fresh.parent)  # no .miniconf-cache
            return pipeline_command(fresh)

        def warm_run() -> tuple[float, float, dict[str, float]]:
            shutil.rmtree(outputs_folder(warm))
            return pipeline_command(warm)

        kinds = ["plain", "cold", "warm", "current"]
        results: dict[str, list] = {kind: [] for kind in kinds}
        for number in range(rounds):
            for kind in kinds[number % 4 :] + kinds[: number % 4]:
                if kind == "plain":
                    results[kind].append(plain_encode(model_location(DEFAULT_MODEL), texts_file))
                elif kind == "cold":
                    results[kind].append(cold_run(number))
                elif kind == "warm":
                    results[kind].append(warm_run())
                else:
                    results[kind].append(pipeline_command(current))

    plain = {
        phase: (
            median(run[phase][0] for run in results["plain"]),
            median(run[phase][1] for run in results["plain"]),
        )
        for phase in ("total", "load", "encode")
    }
    totals = {
        kind: (median(run[0] for run in results[kind]), median(run[1] for run in results[kind]))
        for kind in kinds[1:]
    }
    steps = {
        name: median(run[2].get(name, 0.0) for run in results["cold"])
        for name in results["cold"][0][2]
    }
    print(
        f"cold and warm `miniconf pipeline` on the imported ICLR 2020 ({len(paper_texts)} "
        f"papers, {len(texts)} distinct texts: titles and abstracts apart), fresh processes, "
        f"interleaved, medians of {rounds}; CPU seconds of the process (wall):"
    )
    print(
        f"  plain SentenceTransformer.encode: {plain['total'][0]:.1f} CPU-s "
        f"({plain['total'][1]:.1f} s): start-up, imports and model "
        f"{plain['load'][0]:.1f}, encode {plain['encode'][0]:.1f} "
        f"({len(texts) / plain['encode'][1]:.1f} texts/s)"
    )
    labels = {
        "cold": "cold pipeline (no cache)",
        "warm": "warm (cache full, outputs deleted)",
        "current": "up to date (nothing changed)",
    }
    for kind, (cpu, wall) in totals.items():
        print(
            f"  {labels[kind]}: {cpu:.1f} CPU-s ({wall:.1f} s), "
            f"{cpu / plain['total'][0]:.2f} x the plain encode"
        )
    start_up = totals["cold"][0] - sum(steps.values())
    print(
        "  cold run by step (CPU-s): start-up (Python, miniconf, reading the sitedata) "
        f"{start_up:.1f}, " + ", ".join(f"{name} {cpu:.1f}" for name, cpu in steps.items())
    )
    own = sum(steps.get(name, 0.0) for name in ("neighbours", "map", "write", "labels"))
    gap = totals["cold"][0] - plain["total"][0]
    print(
        f"  cold - plain = {gap:+.1f} CPU-s; the neighbour, map, write and label steps' "
        f"own time {own:.1f} CPU-s (goal: the gap no larger)"
    )


def bench_models(encode_papers: int = 200, rounds: int = 3) -> None:
    """Which models are worth it: agreement@5 with the default recipe and plain cosine on
    the shared conferences, and the CPU cost of a plain encode of ``encode_papers`` ICLR
    papers' texts in fresh processes, interleaved, medians of ``rounds``."""
    import real_sites

    from miniconf.pipeline.embed import model_location

    conferences = real_sites.conferences()
    if not conferences:
        print("model figures skipped: ../shared/data is missing")
        return
    extra = [path for path in os.environ.get("MINICONF_BENCH_MODELS", "").split(":") if path]
    models = [DEFAULT_MODEL, *extra]
    print(
        "models: agreement@5, default recipe / plain cosine (extra models: "
        "MINICONF_BENCH_MODELS=path:path)"
    )
    for model in models:
        embedder = Embedder(model, device="auto", batch_size=32)
        cells = []
        for conference in conferences:
            texts = [text for _, text in conference.items]
            scores = []
            for recipe in (Recipe(), Recipe.plain()):
                settings = PipelineSettings(model=model, recipe=recipe)
                vectors = recipe_vectors(texts, CACHE, settings, PipelineReport(), embedder)
                scores.append(
                    agreement(similar_papers(vectors, texts, 5, recipe), conference.labels).mean
                )
            cells.append(f"{conference.name} {scores[0]:.3f} / {scores[1]:.3f}")
        print(f"  {Path(model).name}: " + ", ".join(cells))

    iclr = next((c for c in conferences if c.name.startswith("ICLR")), None)
    if iclr is None:
        return
    paper_texts = [text for _, text in iclr.items[:encode_papers]]
    texts = list(dict.fromkeys(texts_to_embed(paper_texts, Recipe())))
    runs: dict[str, list] = {model: [] for model in models}
    with tempfile.TemporaryDirectory() as scratch:
        texts_file = Path(scratch) / "texts.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        for number in range(rounds):
            for model in models[number % len(models) :] + models[: number % len(models)]:
                runs[model].append(plain_encode(model_location(model), texts_file))
    print(
        f"  CPU cost: a plain encode of {len(texts)} ICLR texts ({encode_papers} papers' "
        f"titles and abstracts), fresh processes, interleaved, medians of {rounds}:"
    )
    for model in models:
        encode_cpu = median(run["encode"][0] for run in runs[model])
        encode_wall = median(run["encode"][1] for run in runs[model])
        load_cpu = median(run["load"][0] for run in runs[model])
        print(
            f"    {Path(model).name}: {len(texts) / encode_wall:.1f} texts/s, "
            f"{1000 * encode_cpu / len(texts):.0f} CPU-s per 1,000 texts; start-up and "
            f"model load {load_cpu:.1f} CPU-s"
        )


def bench_faiss(count: int = 100_000, dims: int = 384) -> None:
    rng = np.random.default_rng(0)
    # Clustered like papers (2,000 topics of 50); uniform noise has no neighbours to find.
    centres = rng.normal(size=(count // 50, dims))
    vectors = np.repeat(centres, 50, axis=0) + 0.8 * rng.normal(size=(count, dims))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    wall, cpu = time.perf_counter(), time.process_time()
    found = nearest_neighbours(vectors, 5, "auto")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sample = rng.choice(count, 500, replace=False)
    scores = vectors[sample] @ vectors.T
    scores[np.arange(len(sample)), sample] = -np.inf
    exact = np.argsort(-scores, axis=1)[:, :5]
    recall = np.mean([len(set(found[i]) & set(exact[j])) / 5 for j, i in enumerate(sample)])
    print(
        f"faiss top-5 of {count:,} synthetic {dims}-d vectors ({choose_index('auto', count)}): "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU (goal <= 10 s); recall vs exact {recall:.1%} "
        "(500 sampled papers)"
    )


#: Recipes compared: the plain one, each step alone, and the default (all steps).
def recipes() -> list[tuple[str, Recipe]]:
    plain = Recipe.plain()
    return [
        ("plain cosine", plain),
        ("+ title vector", replace(plain, title_weight=Recipe().title_weight)),
        ("+ centering", replace(plain, center=True)),
        ("+ TF-IDF fusion", replace(plain, tfidf_weight=Recipe().tfidf_weight)),
        ("+ shared neighbours", replace(plain, snn_weight=Recipe().snn_weight)),
        ("default recipe", Recipe()),
    ]


def bench_recipe() -> None:
    """agreement@5 on the real conferences for each recipe, with random pairs' floor."""
    import real_sites

    conferences = real_sites.conferences()
    if not conferences:
        print("recipe figures skipped: ../shared/data is missing")
        return
    embedder = Embedder(DEFAULT_MODEL, device="auto", batch_size=32)
    cache = CACHE  # kept between runs: the figures need the model only the first time
    print(
        f"agreement@5 ({DEFAULT_MODEL}; mean share of a paper's 5 similar papers in its "
        "track, or sharing a keyword; 95 % bootstrap interval over papers)"
    )
    for conference in conferences:
        texts = [text for _, text in conference.items]
        print(f"  {conference.name} ({len(texts)} papers, label {conference.label}):")
        for name, recipe in recipes():
            report = PipelineReport()
            settings = PipelineSettings(recipe=recipe)
            vectors = recipe_vectors(texts, cache, settings, report, embedder)
            started = time.perf_counter()
            similar = similar_papers(vectors, texts, 5, recipe)
            seconds = time.perf_counter() - started
            print(
                f"    {name:<20} {agreement(similar, conference.labels)}  ranking {seconds:.2f} s"
            )
        floor = agreement(random_lists(len(texts), 5), conference.labels)
        print(f"    {'random pairs':<20} {floor}")


def bench_recipe_cost() -> None:
    """The recipe's extra time over plain cosine top-5, at 1,000 and 10,000 papers:
    synthetic clustered 384-d vectors and synthetic abstracts (bench/synth.py's)."""
    import random as random_module

    from synth import TRACKS, paper

    for count in (1_000, 10_000):
        rng = np.random.default_rng(0)
        centres = rng.normal(size=(count // 50, 384))
        vectors = np.repeat(centres, 50, axis=0) + 0.8 * rng.normal(size=(count, 384))
        vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
        words, tracks = random_module.Random(0), list(TRACKS)
        records = [paper(words, index, tracks[index % len(tracks)]) for index in range(count)]
        texts = [f"{record['title']}\n\n{record['abstract']}" for record in records]
        timings = {}
        for name, recipe in (("plain", Recipe.plain()), ("recipe", Recipe())):
            runs = []
            for _run in range(3):
                wall, cpu = time.perf_counter(), time.process_time()
                similar_papers(centered(vectors) if recipe.center else vectors, texts, 5, recipe)
                runs.append((time.perf_counter() - wall, time.process_time() - cpu))
            timings[name] = sorted(runs)[1]  # the median of three
        extra = [timings["recipe"][i] - timings["plain"][i] for i in (0, 1)]
        print(
            f"ranking {count:,} papers: plain {timings['plain'][0]:.2f} s, recipe "
            f"{timings['recipe'][0]:.2f} s wall ({timings['recipe'][1]:.2f} s CPU): "
            f"+{extra[0]:.2f} s wall, +{extra[1]:.2f} s CPU (medians of 3)"
        )


def share_of_map_neighbours_sharing_a_label(
    points: np.ndarray, labels: list[frozenset[str]]
) -> float:
    """Over the labelled papers: the mean share of their 5 nearest on the map that share
    a label with them (what a reader looking around a paper on the map finds)."""
    distances = ((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :5]
    return agreement(nearest.tolist(), labels).mean


def map_layouts() -> list[tuple[str, object]]:
    """The projections compared: the map's two, and UMAP when umap-learn is installed
    (it was the map before t-SNE; pip install umap-learn to compare again)."""
    from miniconf.pipeline.projection import pca_layout, tsne_layout

    layouts: list[tuple[str, object]] = [("pca", pca_layout), ("tsne", tsne_layout)]
    try:
        import umap
    except ImportError:
        return layouts

    def umap_layout(vectors: np.ndarray) -> np.ndarray:
        return umap.UMAP(
            n_neighbors=min(15, len(vectors) - 1), metric="cosine", random_state=42
        ).fit_transform(vectors)

    umap_layout(np.random.default_rng(0).normal(size=(50, 8)))  # numba compiles it first
    return [*layouts, ("umap", umap_layout)]


def bench_map_quality(subsets: int = 3) -> None:
    """Which projection lays papers out better, by size, on random subsets of the real
    conferences' papers (the mean of ``subsets`` below 400 papers): trustworthiness@10
    (sklearn; 1.0 when every paper's 10 nearest on the map are among its nearest by the
    recipe's vectors) and the share of a paper's 5 nearest on the map that share its
    label; with the layout's CPU seconds."""
    import real_sites
    from sklearn.manifold import trustworthiness

    conferences = real_sites.conferences()
    if not conferences:
        print("map figures skipped: ../shared/data is missing")
        return
    layouts = map_layouts()
    embedder = Embedder(DEFAULT_MODEL, device="auto", batch_size=32)
    print(
        "map quality: trustworthiness@10 / share of the 5 nearest on the map sharing the "
        "label (higher is better), CPU seconds of the layout"
    )
    for conference in conferences:
        texts = [text for _, text in conference.items]
        vectors = recipe_vectors(texts, CACHE, PipelineSettings(), PipelineReport(), embedder)
        print(f"  {conference.name}:")
        for size in (20, 40, 100, 400, len(texts)):
            size = min(size, len(texts))
            draws = subsets if size < 400 else 1
            scores = {name: [] for name, _ in layouts}
            for draw in range(draws):
                rows = np.sort(
                    np.random.default_rng(draw).choice(len(texts), size=size, replace=False)
                )
                subset, labels = vectors[rows], [conference.labels[row] for row in rows]
                for name, layout in layouts:
                    cpu = time.process_time()
                    points = layout(subset)
                    cpu = time.process_time() - cpu
                    scores[name].append(
                        (
                            trustworthiness(
                                subset, points, n_neighbors=min(10, size // 3), metric="cosine"
                            ),
                            share_of_map_neighbours_sharing_a_label(points, labels),
                            cpu,
                        )
                    )
            cells = [
                f"{name} "
                + "/".join(f"{np.mean([s[i] for s in runs]):.3f}" for i in (0, 1))
                + f" ({np.mean([s[2] for s in runs]):.1f} s)"
                for name, runs in scores.items()
            ]
            print(f"    {size:>5} papers ({draws} draw(s)): " + ", ".join(cells))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    bench_recipe()
    bench_models()
    bench_map_quality()
    bench_recipe_cost()
    bench_cold_pipeline()
    bench_faiss()
    print("GPU throughput (fp16/fp32): not measured, no GPU on this machine")


if __name__ == "__main__":
    main()
