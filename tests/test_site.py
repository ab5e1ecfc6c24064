"""The frozen site: every page there, right content, links that resolve, atomic, deterministic."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from miniconf.site.app import create_app, site_of, site_urls
from miniconf.site.build import FreezeError, freeze_site
from miniconf.site.linkcheck import check_links
from miniconf.structure.loader import load_conference
from miniconf.structure.pipeline_outputs import load_pipeline_outputs
from tests.conftest import load_ok

REPO = Path(__file__).resolve().parent.parent


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name])


def parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_every_page_of_the_demo_renders(demo_conference):
    client = create_app(demo_conference).test_client()
    for url in site_urls(site_of(create_app(demo_conference))):
        response = client.get(url)
        assert response.status_code == 200, url


def test_frozen_demo_has_a_page_per_paper_speaker_workshop_session(frozen_demo, demo_conference):
    for paper in demo_conference.papers:
        assert (frozen_demo / "papers" / f"{paper.id}.html").is_file()
    for speaker in demo_conference.speakers:
        assert (frozen_demo / "speakers" / f"{speaker.id}.html").is_file()
    for workshop in demo_conference.workshops:
        assert (frozen_demo / "workshops" / f"{workshop.id}.html").is_file()
    for session in demo_conference.sessions:
        assert (frozen_demo / "sessions" / f"{session.id}.html").is_file()
    for name in ("index", "papers", "speakers", "workshops", "schedule", "help", "404"):
        assert (frozen_demo / f"{name}.html").is_file()
    for free in demo_conference.pages:
        assert (frozen_demo / "pages" / f"{free.slug}.html").is_file()


def test_paper_page_shows_the_paper(frozen_demo, demo_conference):
    paper = next(p for p in demo_conference.papers if p.links.code and p.keywords)
    html = (frozen_demo / "papers" / f"{paper.id}.html").read_text(encoding="utf-8")
    assert f"<h1>{paper.title}</h1>" in html.replace("&#39;", "'").replace("&amp;", "&")
    for author in paper.authors:
        assert author.name in html
    for keyword in paper.keywords:
        assert keyword in html
    assert demo_conference.track_name(paper.track).replace("&", "&amp;") in html
    assert f'href="{paper.links.pdf}"' in html and f'href="{paper.links.code}"' in html
    for session in demo_conference.sessions_of_paper(paper.id):
        assert f'href="../sessions/{session.id}.html"' in html
    edit = f"/edit/main/sitedata/papers/{paper.id}.yml"
    assert re.search(r'href="https://github\.com/[^"]+' + re.escape(edit) + '"', html)
    # The abstract's Markdown is rendered, not shown as source.
    marked = next(p for p in demo_conference.papers if "*" in p.abstract)
    marked_html = (frozen_demo / "papers" / f"{marked.id}.html").read_text(encoding="utf-8")
    assert "<em>" in marked_html


def test_papers_json_lists_every_paper(frozen_demo, demo_conference):
    records = json.loads((frozen_demo / "papers.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == [p.id for p in demo_conference.papers]
    first = records[0]
    assert {"id", "title", "authors", "keywords", "track", "sessions", "url"} <= set(first)
    assert (frozen_demo / first["url"]).is_file()
    sessions = {s.id for s in demo_conference.sessions_of_paper(first["id"])}
    assert set(first["sessions"]) == sessions and sessions


def test_no_broken_internal_link_or_asset(frozen_demo, demo_conference):
    checked, broken = check_links(frozen_demo, demo_conference.config.base_url)
    assert checked > 1000 and [str(link) for link in broken] == []


def test_links_work_under_a_sub_path(frozen_demo):
    """No page links to a root-absolute path, so the site works under /any/prefix/."""
    for page in frozen_demo.rglob("*.html"):
        if page.name == "404.html":
            continue
        for link in parse(page.read_text(encoding="utf-8")).links:
            assert not link.startswith("/"), f"{page.name}: {link}"


def test_404_page_links_under_base_url_path(frozen_demo, demo_conference):
    base = urlsplit(demo_conference.config.base_url).path
    links = parse((frozen_demo / "404.html").read_text(encoding="utf-8")).links
    internal = [link for link in links if not link.startswith(("http:", "https:", "mailto:", "#"))]
    assert internal and all(link.startswith(base) for link in internal)


def test_scripts_and_styles_come_from_the_build(frozen_demo):
    """No CDN: every script and stylesheet a page loads is a file of the build."""
    for page in frozen_demo.rglob("*.html"):
        if page.name == "404.html":
            continue  # links under base_url's path (see above)
        html = page.read_text(encoding="utf-8")
        sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
        sources += re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
        for source in sources:
            assert not source.startswith(("http:", "https:", "//")), f"{page.name}: {source}"
            target = (page.parent / source.split("?")[0]).resolve()
            assert target.is_file() and frozen_demo.resolve() in target.parents, source
        assert "<script>" not in html, f"{page.name} has an inline script"


def digest_tree(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def test_two_freezes_are_byte_identical(demo_conference, tmp_path):
    freeze_site(demo_conference, tmp_path / "a")
    freeze_site(demo_conference, tmp_path / "b", jobs=1)
    assert digest_tree(tmp_path / "a") == digest_tree(tmp_path / "b")


def test_failed_freeze_leaves_previous_build(sitedata_copy, tmp_path):
    out = tmp_path / "build"
    run = [sys.executable, "-m", "miniconf", "freeze", str(sitedata_copy), "--out", str(out)]
    assert subprocess.run(run, capture_output=True).returncode == 0
    before = digest_tree(out)
    (sitedata_copy / "papers" / "h27-001.yml").write_text("id: h27-001\ntitel: broken\n")
    failed = subprocess.run(run, capture_output=True, text=True)
    assert failed.returncode == 1
    assert "h27-001.yml:2: titel: unknown field" in failed.stderr
    assert digest_tree(out) == before
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".build"))
    assert leftovers == [], "no staging folder left behind"


def test_render_failure_mid_build_leaves_previous_build(demo_conference, tmp_path, monkeypatch):
    out = tmp_path / "build"
    freeze_site(demo_conference, out)
    before = digest_tree(out)
    broken = demo_conference.papers[-1].id
    monkeypatch.setattr(
        "miniconf.site.build.site_urls",
        lambda site: [*site_urls(site), f"/papers/{broken}-missing.html"],
    )
    with pytest.raises(FreezeError, match="answered 404"):
        freeze_site(demo_conference, out)
    assert digest_tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_freeze_refuses_to_replace_a_folder_it_did_not_write(demo_conference, tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("years of work")
    with pytest.raises(FreezeError, match="no MiniConf freeze wrote"):
        freeze_site(demo_conference, precious)
    assert (precious / "chapter1.tex").read_text() == "years of work"


def test_run_serves_the_site_on_loopback(sitedata_copy):
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "miniconf",
            "run",
            str(sitedata_copy),
            "--port",
            str(port),
            "--no-reload",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/papers.html") as response:
                    body = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        conference, _ = load_conference(sitedata_copy)
        assert conference.papers[0].title.split()[0] in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_refreeze_reuses_unchanged_paper_pages_and_renders_changed_ones(sitedata_copy, tmp_path):
    conference = load_ok(sitedata_copy)
    out = tmp_path / "build"
    freeze_site(conference, out)
    outputs = load_pipeline_outputs(conference)
    edited = conference.papers[0]
    citing = next(p.id for p in conference.papers if edited.id in outputs.similar.get(p.id, ()))
    unrelated = next(
        p.id
        for p in conference.papers
        if p.id != edited.id and edited.id not in outputs.similar.get(p.id, ())
    )

    def inode(paper_id: str) -> int:
        return (out / "papers" / f"{paper_id}.html").stat().st_ino

    before = {paper_id: inode(paper_id) for paper_id in (edited.id, citing, unrelated)}
    paper_file = sitedata_copy / "papers" / f"{edited.id}.yml"
    paper_file.write_text(
        paper_file.read_text(encoding="utf-8").replace("- name: ", "- name: Renamed ", 1),
        encoding="utf-8",
    )
    conference = load_ok(sitedata_copy)
    assert load_pipeline_outputs(conference) is not None, "authors are not embedded"
    freeze_site(conference, out)
    assert inode(unrelated) == before[unrelated], "an unchanged page was rendered again"
    assert inode(edited.id) != before[edited.id] and inode(citing) != before[citing]
    assert "Renamed " in (out / "papers" / f"{edited.id}.html").read_text(encoding="utf-8")
    assert "Renamed " in (out / "papers" / f"{citing}.html").read_text(encoding="utf-8")

    # A change outside papers/ (here the conference's name) re-renders every page.
    config = sitedata_copy / "config.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("name: ", "name: Renamed ", 1), encoding="utf-8"
    )
    conference, _ = load_conference(sitedata_copy)
    freeze_site(conference, out, outputs=outputs)
    assert "Renamed" in (out / "papers" / f"{unrelated}.html").read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_a_freeze_confined_to_one_cpu_counts_one_and_writes_the_same_site(
    sitedata_copy, frozen_demo, tmp_path
):
    """Under taskset or a container's CPU set, workers follow the CPUs the process may
    use, not the host's: one CPU counts one (the freeze then renders in its own process)."""
    first_cpu = min(os.sched_getaffinity(0))
    out = tmp_path / "one-cpu"
    script = (
        "import sys; from miniconf.processes import usable_cpus; print(usable_cpus()); "
        "from miniconf.cli import main; sys.argv = ['miniconf', 'freeze', sys.argv[1], "
        "'--out', sys.argv[2]]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(sitedata_copy), str(out)],
        preexec_fn=lambda: os.sched_setaffinity(0, {first_cpu}),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[0] == "1"
    for page in ("index.html", "papers.html", "papers.json", "schedule.ics"):
        assert (out / page).read_bytes() == (frozen_demo / page).read_bytes(), page
