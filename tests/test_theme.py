"""An organizer's theme (config.yml: theme_dir, extra_css, extra_js) and `miniconf new`."""

from __future__ import annotations

import io
import marshal
import pickle
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner
from conftest import load_ok

from miniconf.cli import cli
from miniconf.site.build import freeze_site
from miniconf.structure import papercache


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    code, output = run(
        "new",
        str(tmp_path / "conf"),
        "--name",
        'The "Example" Meeting: 2027',
        "--timezone",
        "Pacific/Auckland",
    )
    assert code == 0, output
    return tmp_path / "conf"


def add_theme(sitedata: Path, files: dict[str, str], extra: str = "") -> None:
    for name, text in files.items():
        path = sitedata / "theme" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    with (sitedata / "config.yml").open("a") as config:
        config.write(f"theme_dir: theme\n{extra}")


def test_new_writes_a_conference_that_validates_and_freezes(starter: Path, tmp_path: Path):
    for expected in (
        ".github/workflows/pr.yml",
        ".github/workflows/deploy.yml",
        ".gitignore",
        ".github/pull_request_template.md",
        "docs/update-your-paper.md",
        "README.md",
        "sitedata/config.yml",
        "sitedata/pages/about.md",
    ):
        assert (starter / expected).is_file(), expected
    assert len(list((starter / "sitedata" / "papers").glob("*.yml"))) >= 2
    from miniconf import __version__

    assert f"miniconf=={__version__}" in (starter / ".github/workflows/pr.yml").read_text()
    # The project folder works as SITEDATA as well as its sitedata/ folder.
    assert run("validate", str(starter))[0] == 0
    code, output = run("freeze", str(starter), "--out", str(tmp_path / "build"))
    assert code == 0, output
    home = (tmp_path / "build" / "index.html").read_text()
    assert "The &#34;Example&#34; Meeting: 2027" in home or "The &quot;Example&quot;" in home


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine")
    code, output = run("new", str(tmp_path))
    assert code == 1
    assert "not empty" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_new_refuses_an_unknown_time_zone(tmp_path: Path):
    code, output = run("new", str(tmp_path / "conf"), "--timezone", "Mars/Olympus")
    assert code != 0 and "unknown time zone" in output
    assert not (tmp_path / "conf").exists()


def test_theme_overrides_a_block_and_a_static_file(starter: Path, tmp_path: Path):
    sitedata = starter / "sitedata"
    add_theme(
        sitedata,
        {
            "templates/paper.html": '{% extends "miniconf/paper.html" %}\n'
            "{% block main %}{{ super() }}"
            '<p class="sponsor-note">Talks brought to you by {{ config.name }}'
            "</p>{% endblock %}\n",
            "static/img/favicon.svg": '<svg xmlns="http://www.w3.org/2000/svg"><title>ours</title></svg>',
            "static/css/extra.css": "body { background: #fdf6e3; }\n",
        },
        extra="extra_css: [css/extra.css]\n",
    )
    out = tmp_path / "build"
    code, output = run("freeze", str(sitedata), "--out", str(out))
    assert code == 0, output
    paper = (out / "papers" / "p-001.html").read_text()
    assert 'class="sponsor-note"' in paper
    assert "<h1>A Starter Paper on Placeholder Methods</h1>" in paper  # ours, via super()
    assert "title>ours</title" in (out / "static" / "img" / "favicon.svg").read_text()
    assert "#fdf6e3" in (out / "static" / "css" / "extra.css").read_text()
    for page in ("index.html", "papers/p-001.html", "schedule.html"):
        assert "css/extra.css?v=" in (out / page).read_text(), page
    assert run("linkcheck", str(out))[0] == 0


def test_broken_override_template_is_reported_at_its_line(starter: Path, tmp_path: Path):
    sitedata = starter / "sitedata"
    add_theme(
        sitedata,
        {
            "templates/paper.html": '{% extends "miniconf/paper.html" %}\n'
            "{% block main %}\n{% if paper %}\n"
            "{% endblock %}\n"
        },
    )
    code, output = run("validate", str(sitedata))
    assert code == 1
    assert "theme/templates/paper.html:4:" in output, output
    code, output = run("freeze", str(sitedata), "--out", str(tmp_path / "build"))
    assert code == 1 and "theme/templates/paper.html:4:" in output
    assert not (tmp_path / "build").exists()


def test_override_failing_while_rendering_names_file_and_line(starter: Path, tmp_path: Path):
    sitedata = starter / "sitedata"
    add_theme(
        sitedata,
        {
            "templates/paper.html": '{% extends "miniconf/paper.html" %}\n'
            "{% block main %}\n"
            "{{ paper.title.nothing_here() }}\n"
            "{% endblock %}\n"
        },
    )
    code, output = run("freeze", str(sitedata), "--out", str(tmp_path / "build"))
    assert code == 1
    assert "theme/templates/paper.html:3: template error" in output, output
    assert not (tmp_path / "build").exists()


def test_missing_theme_folder_and_extra_file_are_errors(starter: Path):
    sitedata = starter / "sitedata"
    with (sitedata / "config.yml").open("a") as config:
        config.write("theme_dir: theme\n")
    code, output = run("validate", str(sitedata))
    assert code == 1 and "theme_dir: folder 'theme' not found" in output
    (sitedata / "theme" / "static").mkdir(parents=True)
    with (sitedata / "config.yml").open("a") as config:
        config.write("extra_js: [js/missing.js]\n")
    code, output = run("validate", str(sitedata))
    assert code == 1 and "extra_js: no file" in output and "missing.js" in output


def test_compiled_templates_are_kept_signed_and_a_planted_one_never_runs(
    sitedata_copy: Path, tmp_path: Path, monkeypatch
):
    """A re-freeze loads compiled templates from .miniconf-cache/templates/; a file put
    there by anyone but this machine (a pull request's commit) is never run."""
    monkeypatch.setenv(papercache.KEY_VARIABLE, "44" * 32)
    conference = load_ok(sitedata_copy)
    freeze_site(conference, tmp_path / "first")
    folder = sitedata_copy.parent / ".miniconf-cache" / "templates"
    compiled = sorted(folder.iterdir())
    assert compiled and all(file.read_bytes().startswith(papercache.MAGIC) for file in compiled)
    marker = tmp_path / "pwned"
    code = compile(f"open({str(marker)!r}, 'w').close()", "planted", "exec")
    for file in compiled:
        # Jinja's own format for the same template (its source checksum kept, so Jinja
        # would load it), holding code that leaves a marker; with no signature, or with
        # the old file's signature.
        body = io.BytesIO(file.read_bytes()[len(papercache.MAGIC) + 32 :])
        assert body.read(len(jinja2.bccache.bc_magic)) == jinja2.bccache.bc_magic
        checksum = pickle.load(body)
        planted = jinja2.bccache.bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(code)
        signature = file.read_bytes()[: len(papercache.MAGIC) + 32]
        file.write_bytes(
            planted if file.name < compiled[len(compiled) // 2].name else signature + planted
        )
    freeze_site(load_ok(sitedata_copy), tmp_path / "second")
    assert not marker.exists()
    assert files_of(tmp_path / "second") == files_of(tmp_path / "first")


def files_of(build: Path) -> dict[str, bytes]:
    return {
        str(file.relative_to(build)): file.read_bytes()
        for file in sorted(build.rglob("*"))
        if file.is_file()
    }
