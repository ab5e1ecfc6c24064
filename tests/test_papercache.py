"""Loading papers in parallel and from the cache gives what loading them one by one gives."""

from __future__ import annotations

import hmac
import os
import pickle
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO, REPO

from miniconf.structure import papercache, papers
from miniconf.structure.loader import load_conference
from miniconf.structure.papercache import CACHE_NAME, SHARDS, PaperCache

sys.path.insert(0, str(REPO / "bench"))
from synth import write_sitedata  # noqa: E402


def write_every_shard(cache: Path, content: bytes) -> None:
    """Put ``content`` in place of each of the cache's files."""
    (cache / CACHE_NAME).mkdir(parents=True, exist_ok=True)
    for shard in SHARDS:
        (cache / CACHE_NAME / f"{shard}.pickle").write_bytes(content)


def cache_bytes(cache: Path) -> dict[str, bytes]:
    return {file.name: file.read_bytes() for file in sorted((cache / CACHE_NAME).iterdir())}


def outcome(root: Path, cache: Path | None = None) -> tuple:
    """Everything a load gives: each paper (fields, file) and every problem as printed."""
    conference, problems = load_conference(root, cache)
    papers = None
    if conference is not None:
        papers = [
            (paper.model_dump(), conference.paper_files[paper.id]) for paper in conference.papers
        ]
    return papers, [str(problem) for problem in problems]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough papers for the parallel path, a few of them broken in different ways."""
    root = tmp_path_factory.mktemp("synth") / "sitedata"
    write_sitedata(root, papers=papers.PARALLEL_THRESHOLD + 200)
    folder = root / "papers"
    names = sorted(file.name for file in folder.iterdir())
    (folder / names[3]).write_text("- a list\n", encoding="utf-8")
    with (folder / names[40]).open("a", encoding="utf-8") as stream:
        stream.write("title: twice\n")
    text = (folder / names[77]).read_text(encoding="utf-8")
    (folder / names[77]).write_text(text.replace("title:", "titel:", 1), encoding="utf-8")
    (folder / names[300]).write_bytes((folder / names[300]).read_bytes() + b"tldr: caf\xe9\n")
    (folder / "gone.yml").symlink_to(root / "nowhere.yml")
    (folder / f"{names[5].removesuffix('.yml')}.yaml").symlink_to(names[5])  # the same paper
    return root


def test_parallel_cached_and_one_by_one_loads_agree(synthetic, tmp_path, monkeypatch):
    expected = outcome(synthetic)  # in parallel, without a cache
    assert expected[0] is None and len(expected[1]) >= 6
    cache = tmp_path / "cache"
    assert outcome(synthetic, cache) == expected  # cold
    assert outcome(synthetic, cache) == expected  # warm: every good paper from the cache
    monkeypatch.setattr(papers, "PARALLEL_THRESHOLD", 10**9)
    assert outcome(synthetic) == expected
    assert outcome(synthetic, tmp_path / "other") == expected


def test_parallel_load_of_good_papers(tmp_path, monkeypatch):
    root = tmp_path / "sitedata"
    write_sitedata(root, papers=papers.PARALLEL_THRESHOLD + 100)
    expected = outcome(root, tmp_path / "cache")
    assert expected[0] is not None and len(expected[0]) == papers.PARALLEL_THRESHOLD + 100
    assert outcome(root, tmp_path / "cache") == expected
    monkeypatch.setattr(papers, "PARALLEL_THRESHOLD", 10**9)
    assert outcome(root) == expected


def test_a_failing_loading_worker_stops_the_load_with_its_traceback(tmp_path, monkeypatch):
    root = tmp_path / "sitedata"
    write_sitedata(root, papers=papers.PARALLEL_THRESHOLD + 100)
    parent = os.getpid()
    load_files = papers._load_paper_files

    def fail_in_a_worker(*args):
        if os.getpid() != parent:
            raise ValueError("broken worker")
        time.sleep(0.3)  # so that the worker surely takes a task
        return load_files(*args)

    monkeypatch.setattr(papers, "_load_paper_files", fail_in_a_worker)
    monkeypatch.setattr(papers, "usable_cpus", lambda: 2)
    with pytest.raises(ValueError, match="broken worker"):
        load_conference(root)


def test_only_changed_files_are_read_again(tmp_path, monkeypatch):
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    extra = root / "papers" / "extra-1.yml"  # in no session: only a warning
    extra.write_text("id: extra-1\ntitle: Extra\nauthors:\n- name: A. Author\n", "utf-8")
    cache = tmp_path / "cache"
    load_conference(root, cache)

    read = []
    load_files = papers._load_paper_files
    monkeypatch.setattr(
        papers,
        "_load_paper_files",
        lambda folder, prefix, files, out: (
            read.extend(name for name, _ in files) or load_files(folder, prefix, files, out)
        ),
    )
    paper = root / "papers" / "h27-002.yml"
    lines = paper.read_text(encoding="utf-8").splitlines()
    lines = ["title: Revised" if line.startswith("title:") else line for line in lines]
    paper.write_text("\n".join(lines) + "\n", encoding="utf-8")
    extra.unlink()
    conference, _ = load_conference(root, cache)
    assert read == ["h27-002.yml"]
    assert conference.paper_by_id["h27-002"].title == "Revised"
    assert "extra-1" not in conference.paper_by_id

    read.clear()
    again, _ = load_conference(root, cache)
    assert read == [] and again.papers == conference.papers
    kept = PaperCache(cache)
    assert sorted(record.file_name for record in kept.records.values()) == sorted(
        file.name for file in (root / "papers").iterdir()
    )  # the deleted file is gone


def test_a_damaged_or_foreign_cache_is_ignored(tmp_path):
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    expected = outcome(root)
    cache = tmp_path / "cache"
    cache.mkdir()
    for content in (
        b"not a pickle",
        pickle.dumps(("other version", [])),
        pickle.dumps((PaperCache(None).version, [b"truncated"])),
    ):
        write_every_shard(cache, content)
        assert outcome(root, cache) == expected
    assert outcome(root, cache) == expected  # the cache written by the last run


def test_a_cache_of_plain_tuples_is_not_read_as_papers(tmp_path, monkeypatch):
    """Records were plain (name, key, paper, lines) tuples before they were PaperRecords:
    such a cache, even signed with this machine's key, is rebuilt, never shown."""
    monkeypatch.setenv(papercache.KEY_VARIABLE, "33" * 32)
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    expected = outcome(root)
    cache = tmp_path / "cache"
    load_conference(root, cache)
    stale = PaperCache(cache)
    old_records = [
        (
            record.file_name,
            record.content_key,
            record.paper.model_copy(update={"title": "Stale title"}),
            record.lines,
        )
        for record in stale.records.values()
    ]
    assert stale.key is not None and old_records
    body = pickle.dumps((stale.version, old_records))
    write_every_shard(cache, papercache.MAGIC + hmac.digest(stale.key, body, "sha256") + body)
    assert outcome(root, cache) == expected
    assert all(
        isinstance(record, papercache.PaperRecord) for record in PaperCache(cache).records.values()
    )


def test_the_cache_is_replaced_whole(tmp_path, monkeypatch):
    """Written to a temporary file and renamed: a failed write leaves the old cache."""
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    cache = tmp_path / "cache"
    load_conference(root, cache)
    before = cache_bytes(cache)
    with (root / "papers" / "h27-001.yml").open("a", encoding="utf-8") as paper:
        paper.write("# a comment changes the file, so the cache is written again\n")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pickle, "dumps", fail)
    load_conference(root, cache)
    assert cache_bytes(cache) == before
    assert [file.name for file in cache.iterdir()] == [CACHE_NAME]
    assert all(name.endswith(".pickle") and not name.startswith(".") for name in before)


def test_a_fresh_checkout_hits_the_cache(tmp_path, monkeypatch):
    """Keys are the files' contents: a new clone (new paths, new times), with the cache
    restored as CI restores it, reads no paper file's YAML again."""
    first = tmp_path / "clone-1" / "sitedata"
    shutil.copytree(DEMO, first, ignore=shutil.ignore_patterns(".miniconf-cache"))
    cache = tmp_path / "cache"
    expected = outcome(first, cache)
    second = tmp_path / "clone-2" / "sitedata"
    for file in sorted(first.rglob("*")):  # new files: new inodes and modification times
        target = second / file.relative_to(first)
        if file.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.read_bytes())
    read = []
    load_files = papers._load_paper_files
    monkeypatch.setattr(
        papers,
        "_load_paper_files",
        lambda folder, prefix, files, out: (
            read.extend(name for name, _ in files) or load_files(folder, prefix, files, out)
        ),
    )
    assert outcome(second, cache)[0] == expected[0]
    assert read == []


# --------------------------------------------------------------------------- signed cache


class _RunsCode:
    """Unpickled, this would create a file: what a committed cache could do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_committed_cache_never_runs_code(tmp_path, monkeypatch):
    """A pull request can add .miniconf-cache/*.pickle beside sitedata: validate must not
    unpickle it (it is not signed with this machine's key), and rebuilds it."""
    monkeypatch.delenv(papercache.KEY_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    root = tmp_path / "checkout" / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    expected = outcome(root)
    cache = tmp_path / "checkout" / ".miniconf-cache"
    cache.mkdir()
    marker = tmp_path / "pwned"
    payload = pickle.dumps((PaperCache(None).version, [pickle.dumps([_RunsCode(marker)])]))
    for content in (payload, papercache.MAGIC + b"\0" * 32 + payload):
        write_every_shard(cache, content)
        assert outcome(root, cache) == expected
        assert not marker.exists()
        assert all(data.startswith(papercache.MAGIC) for data in cache_bytes(cache).values())
        assert len(PaperCache(cache).records) == len(expected[0])  # rebuilt, and signed


def test_a_cache_signed_with_another_key_is_rebuilt(tmp_path, monkeypatch):
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    cache = tmp_path / "cache"
    monkeypatch.setenv(papercache.KEY_VARIABLE, "11" * 32)
    load_conference(root, cache)
    signed_by_other = cache_bytes(cache)
    assert len(PaperCache(cache).records) > 0
    monkeypatch.setenv(papercache.KEY_VARIABLE, "22" * 32)
    assert PaperCache(cache).records == {}  # ignored
    load_conference(root, cache)
    assert cache_bytes(cache) != signed_by_other
    assert len(PaperCache(cache).records) > 0


def test_the_key_is_made_once_privately_outside_the_checkout(tmp_path, monkeypatch):
    monkeypatch.delenv(papercache.KEY_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache = tmp_path / "checkout" / ".miniconf-cache"
    key = papercache.cache_key(cache)
    file = tmp_path / "user-cache" / "miniconf" / "cache-key"
    assert key is not None and file.read_bytes() == key and len(key) == 32
    assert file.stat().st_mode & 0o077 == 0
    assert papercache.cache_key(cache) == key
    # A key file inside the checkout could have been committed: no cache then.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "checkout" / "keys"))
    assert papercache.cache_key(cache) is None
    assert PaperCache(cache).folder is None


def test_an_edit_rewrites_only_the_shards_of_the_files_it_changed(tmp_path):
    """An author's edit changes one paper: the cache files of its old and its new content
    are rewritten, not the records of every paper."""
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    cache = tmp_path / "cache"
    load_conference(root, cache)
    before = cache_bytes(cache)
    assert len(before) > 2  # records spread over shard files
    paper = root / "papers" / "h27-001.yml"
    paper.write_text(paper.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    conference, _ = load_conference(root, cache)
    after = cache_bytes(cache)
    assert 1 <= sum(after[name] != before[name] for name in before) <= 2
    again, _ = load_conference(root, cache)
    assert again.papers == conference.papers
