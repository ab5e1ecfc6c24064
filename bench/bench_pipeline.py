"""The offline pipeline's figures (issues 3 and 20), printed by ``make bench``.

The ranking recipe (issue 20): agreement@5 of each recipe step on ACL 2020 and ACL 2023
(track) and ICLR 2020 (keywords), read by real_sites.py, against random pairs; the
recipe's extra ranking time at 1,000 and 10,000 papers; PCA against UMAP layouts by
trustworthiness. Embeddings are kept in bench/out/pipeline-cache between runs.

On the 687 real ICLR 2020 papers (../shared/data/miniconf-iclr2020), in one run:
- embedding throughput of ``run_pipeline`` against plain ``SentenceTransformer.encode``
  on the same texts with the same loaded model (the ratio is what matters: other work
  on the machine moves both);
- a warm re-run (nothing changed) and a re-run from the cache (outputs deleted);
- quality: how often a top-5 recommendation shares a keyword with its paper,
  against random pairs.
And on 100,000 synthetic clustered 384-d vectors: faiss top-5 for every vector
(``--index auto``, which is IVF at that size), with its recall against exact search.

No GPU figure: this machine has none (``--device auto`` would use one; see the README).
"""

from __future__ import annotations

import csv
import json
import os
import random
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
from miniconf.pipeline.run import (  # noqa: E402
    PipelineReport,
    PipelineSettings,
    recipe_vectors,
    run_pipeline,
)
from miniconf.pipeline.settings import Recipe  # noqa: E402

#: The embedding cache of the recipe figures, kept between runs (bench/out is ignored).
CACHE = Path(__file__).resolve().parent / "out" / "pipeline-cache"


def iclr_folder() -> Path | None:
    candidates = [os.environ.get("MINICONF_SHARED"), REPO.parent / "shared", REPO / "shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data" / "miniconf-iclr2020").is_dir():
            return Path(candidate) / "data" / "miniconf-iclr2020"
    return None


def read_iclr(folder: Path) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """(id, title + abstract) as the pipeline embeds them, and each paper's keywords."""
    items, keywords = [], {}
    with (folder / "papers.csv").open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            title, abstract = row["title"].strip(), row["abstract"].strip()
            items.append((row["UID"], f"{title}\n\n{abstract}" if abstract else title))
            words = row["keywords"].split("|")
            keywords[row["UID"]] = {word.strip().lower() for word in words if word.strip()}
    return items, keywords


def keyword_overlap(pairs, keywords: dict[str, set[str]]) -> float:
    pairs = list(pairs)
    return sum(bool(keywords[a] & keywords[b]) for a, b in pairs) / max(1, len(pairs))


def bench_iclr(folder: Path) -> None:
    items, keywords = read_iclr(folder)
    texts = [text for _, text in sorted(items)]
    embedder = Embedder(DEFAULT_MODEL, device="auto", batch_size=32)
    started = time.perf_counter()
    model = embedder.model
    print(f"model {DEFAULT_MODEL} loaded in {time.perf_counter() - started:.1f} s "
          f"on {embedder.resolved_device}; {len(items)} ICLR 2020 papers")
    model.encode(texts[:8], batch_size=8)  # first call warms up kernels for both runs

    # Throughput, ours against plain encode, in alternating slices (ABBA): other work on
    # this shared machine comes and goes, and alternating makes it weigh on both alike.
    seconds = {"plain": 0.0, "ours": 0.0}
    truncated = 0
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        quarter = -(-len(items) // 4)
        for number, start in enumerate(range(0, len(items), quarter)):
            part = sorted(items)[start : start + quarter]
            for side in ("plain", "ours") if number % 2 == 0 else ("ours", "plain"):
                started = time.perf_counter()
                if side == "plain":
                    # The same texts the pipeline embeds: titles and abstracts apart.
                    model.encode(texts_to_embed([text for _, text in part], Recipe()),
                                 batch_size=32,
                                 normalize_embeddings=True, show_progress_bar=False)
                    seconds["plain"] += time.perf_counter() - started
                else:
                    report = run_pipeline(part, Path(tmp) / f"out{number}", cache,
                                          PipelineSettings(map_method="pca"),
                                          embedder=embedder, progress=False)
                    seconds["ours"] += report.timings["embed"]
                    truncated += report.truncated
        ours, plain = len(items) / seconds["ours"], len(items) / seconds["plain"]
        print(f"embedding: miniconf pipeline {ours:.1f} papers/s, plain encode "
              f"{plain:.1f} papers/s, ratio {ours / plain:.2f} (goal >= 1.0; same model, "
              "same texts, alternating slices of one run; ours includes cache lookups "
              f"and writes); {truncated} of {len(items)} texts truncated at "
              f"{embedder.max_tokens} tokens")

        out = Path(tmp) / "out"
        settings = PipelineSettings(model=DEFAULT_MODEL)
        report = run_pipeline(items, out, cache, settings, embedder=embedder, progress=False)
        print(f"all {len(items)} papers (embeddings from the cache): {report.seconds:.1f} s; "
              f"neighbours {report.timings['neighbours']:.2f} s, map {report.map_method} "
              f"{report.timings['map']:.1f} s (incl. UMAP's JIT compile)")

        fresh = Embedder(DEFAULT_MODEL)
        warm = run_pipeline(items, out, cache, settings, embedder=fresh, progress=False)
        print(f"warm re-run, nothing changed: {warm.seconds:.3f} s (goal <= 1 s), "
              f"up to date: {warm.up_to_date}, models loaded: {fresh.loads}")
        for name in ("similar.json", "map.json"):
            (out / name).unlink()
        cached = run_pipeline(items, out, cache, settings, embedder=fresh, progress=False)
        print(f"re-run from the cache (outputs deleted): {cached.seconds:.1f} s, "
              f"{cached.cached} cached, {cached.embedded} embedded, models loaded: "
              f"{fresh.loads} (embed {cached.timings['embed']:.2f} s, neighbours "
              f"{cached.timings['neighbours']:.2f} s, map {cached.timings['map']:.1f} s)")

        similar = json.loads((out / "similar.json").read_text())["similar"]
        recommended = [(paper, other) for paper, others in similar.items() for other in others]
        ids = sorted(keywords)
        rng = random.Random(0)
        random_pairs = [tuple(rng.sample(ids, 2)) for _ in range(100_000)]
        print(f"quality: top-5 recommendations sharing a keyword with the paper "
              f"{keyword_overlap(recommended, keywords):.1%}; random pairs "
              f"{keyword_overlap(random_pairs, keywords):.1%}")


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
    print(f"faiss top-5 of {count:,} synthetic {dims}-d vectors ({choose_index('auto', count)}): "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU (goal <= 10 s); recall vs exact {recall:.1%} "
          "(500 sampled papers)")


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
    print(f"agreement@5 ({DEFAULT_MODEL}; mean share of a paper's 5 similar papers in its "
          "track, or sharing a keyword; 95 % bootstrap interval over papers)")
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
            print(f"    {name:<20} {agreement(similar, conference.labels)}  "
                  f"ranking {seconds:.2f} s")
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
        print(f"ranking {count:,} papers: plain {timings['plain'][0]:.2f} s, recipe "
              f"{timings['recipe'][0]:.2f} s wall ({timings['recipe'][1]:.2f} s CPU): "
              f"+{extra[0]:.2f} s wall, +{extra[1]:.2f} s CPU (medians of 3)")


def bench_map_quality() -> None:
    """Which projection lays papers out better, by size: trustworthiness (sklearn; 1.0
    when every paper's 10 nearest on the map are among its nearest in the recipe's
    vectors) of PCA and UMAP on random subsets of real conferences' papers."""
    import real_sites
    from sklearn.manifold import trustworthiness

    from miniconf.pipeline.projection import pca, umap_layout

    embedder = Embedder(DEFAULT_MODEL, device="auto", batch_size=32)
    print("map quality: trustworthiness@10 of the layout (higher is better; time in s)")
    for conference in real_sites.conferences():
        texts = [text for _, text in conference.items]
        vectors = recipe_vectors(texts, CACHE, PipelineSettings(), PipelineReport(), embedder)
        rng = np.random.default_rng(0)
        cells = []
        for size in (50, 100, 200, 400, len(texts)):
            subset = vectors[np.sort(rng.choice(len(texts), size=min(size, len(texts)),
                                                replace=False))]
            neighbours = min(10, len(subset) // 4)
            results = []
            for name, layout in (("pca", lambda v: pca(v, 2)), ("umap", umap_layout)):
                started = time.perf_counter()
                points = layout(subset)
                seconds = time.perf_counter() - started
                score = trustworthiness(subset, points, n_neighbors=neighbours, metric="cosine")
                results.append(f"{name} {score:.3f} ({seconds:.1f})")
            cells.append(f"{len(subset)}: " + ", ".join(results))
        print(f"  {conference.name}: " + "; ".join(cells))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    bench_recipe()
    bench_map_quality()
    bench_recipe_cost()
    folder = iclr_folder()
    if folder is None:
        print("ICLR figures skipped: ../shared/data/miniconf-iclr2020 is missing")
    else:
        bench_iclr(folder)
    bench_faiss()
    print("GPU throughput (fp16/fp32): not measured, no GPU on this machine")


if __name__ == "__main__":
    main()
