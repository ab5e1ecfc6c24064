"""The link check that the pull-request workflow runs on every build."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import DEMO

from miniconf.cli import cli
from miniconf.site.linkcheck import check_links


def test_demo_build_has_no_broken_links(frozen_demo: Path):
    checked, broken = check_links(frozen_demo, "https://helios-conf.example.org/")
    assert broken == []
    assert checked > 500  # pages, stylesheets, scripts and #fragments were all followed


def _copy(build: Path, tmp_path: Path) -> Path:
    target = tmp_path / "build"
    shutil.copytree(build, target)
    return target


def test_missing_page_is_reported_where_it_is_linked(frozen_demo: Path, tmp_path: Path):
    build = _copy(frozen_demo, tmp_path)
    (build / "papers" / "h27-001.html").unlink()
    _, broken = check_links(build)
    pages = {link.page for link in broken}
    assert "papers.html" in pages
    assert all(link.url.endswith("h27-001.html") for link in broken)
    assert all(link.line > 1 for link in broken)


def test_missing_asset_and_fragment_are_reported(frozen_demo: Path, tmp_path: Path):
    build = _copy(frozen_demo, tmp_path)
    shutil.rmtree(build / "static" / "css")
    page = build / "help.html"
    page.write_text(page.read_text().replace("</main>", '<a href="#nowhere">x</a></main>'))
    _, broken = check_links(build)
    reasons = {(link.page, link.reason) for link in broken}
    assert ("help.html", "no element with id 'nowhere'") in reasons
    assert ("index.html", "no such file in the build") in reasons
    stylesheet = [link for link in broken if link.page == "index.html"]
    assert stylesheet and "css/miniconf.css" in stylesheet[0].url


def test_links_that_leave_the_site_are_broken(tmp_path: Path):
    (tmp_path / "index.html").write_text(
        '<a href="../outside.html">up</a>\n<a href="/elsewhere/x.html">abs</a>\n'
        '<a href="https://example.org/missing">external, not fetched</a>\n'
        '<a href="mailto:a@example.org">mail</a><img src="data:image/png;base64,AA==">\n'
    )
    checked, broken = check_links(tmp_path)
    assert [(link.line, link.url) for link in broken] == [
        (1, "../outside.html"),
        (2, "/elsewhere/x.html"),
    ]
    assert checked == 2


def test_linkcheck_command(frozen_demo: Path, tmp_path: Path):
    ok = CliRunner().invoke(cli, ["linkcheck", str(frozen_demo), "--sitedata", str(DEMO)])
    assert ok.exit_code == 0 and "none broken" in ok.stdout
    build = _copy(frozen_demo, tmp_path)
    (build / "schedule.html").unlink()
    bad = CliRunner().invoke(cli, ["linkcheck", str(build), "--format", "github"])
    assert bad.exit_code == 1
    assert "::error title=Broken link::index.html:" in bad.stdout


def test_absolute_links_under_base_url(tmp_path: Path):
    """The 404 page links absolutely under base_url (a GitHub Pages project site)."""
    (tmp_path / "index.html").write_text('<p id="top">home</p>')
    (tmp_path / "404.html").write_text('<a href="/conf/index.html#top">home</a>')
    assert check_links(tmp_path, "https://org.github.io/conf/") == (1, [])
    _, broken = check_links(tmp_path)  # without the base path the link leaves the site
    assert [link.url for link in broken] == ["/conf/index.html#top"]
