"""The bad-input corpus (tests/corpus) through validate and freeze.

Every error case must end in a clear ``file:line`` error and write nothing; the payload
site must freeze into pages where every payload is inert text.
"""

from __future__ import annotations

import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEMO
from corpus import ERROR_CASES, LINE_PAYLOADS, ErrorCase, payload_sitedata

from miniconf.cli import cli
from miniconf.structure.problems import Problem, Severity


def _tree(folder: Path) -> set[str]:
    """Every path under ``folder`` except the validation cache (which may be written)."""
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if ".miniconf-cache" not in path.parts
    }


def _apply(case: ErrorCase, root: Path) -> int:
    """Write the case's files into ``root``; returns the line the error must name."""
    line = case.line
    for name, content in case.files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        if case.append and target.exists():
            before = target.read_bytes()
            if name == case.path:
                line += before.count(b"\n")
            data = before + data
        target.write_bytes(data)
    for name, destination in case.symlinks.items():
        (root / name).symlink_to(destination)
    return line


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.name for case in ERROR_CASES])
def test_bad_input_is_a_clear_error_and_writes_nothing(case: ErrorCase, tmp_path: Path):
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    line = _apply(case, root)
    before = _tree(tmp_path)

    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["freeze", str(root), "--out", str(tmp_path / "build")])
    seconds = time.perf_counter() - started

    assert result.exit_code == 1, result.output
    where = f"{root.as_posix()}/{case.path}:{line}: "
    errors = [text for text in result.stderr.splitlines() if text.startswith(where)]
    assert errors, f"expected an error at {where}; got:\n{result.stderr}"
    assert any(re.search(case.message, text) for text in errors), "\n".join(errors)
    assert "Traceback" not in result.output
    assert _tree(tmp_path) == before, "a failed freeze must write nothing"
    assert seconds < 10, f"refusing bad input took {seconds:.1f} s"


def test_python_tags_never_run(tmp_path: Path):
    """The ``!!python/object/apply`` case must not have run its command."""
    case = next(c for c in ERROR_CASES if c.name == "python object tag")
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    _apply(case, root)
    CliRunner().invoke(cli, ["validate", str(root)], catch_exceptions=False)
    assert not (Path.cwd() / "pwned").exists()


def test_github_annotations_point_at_the_line(tmp_path: Path):
    root = tmp_path / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    case = next(c for c in ERROR_CASES if c.name == "javascript: link")
    _apply(case, root)
    result = CliRunner().invoke(cli, ["validate", str(root), "--format", "github"])
    assert result.exit_code == 1
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1, result.stdout
    file = f"{root.as_posix()}/papers/evil.yml".replace(":", "%3A")
    assert annotations[0].startswith(f"::error file={file},line=7,title=links.pdf::")
    assert "URL scheme 'javascript:' is not allowed" in annotations[0]


def test_github_annotation_escapes_what_would_end_a_property():
    problem = Problem("papers/a,b:c.yml", 3, "title", "50% done\nsecond line")
    assert problem.github_annotation() == (
        "::error file=papers/a%2Cb%3Ac.yml,line=3,title=title::"
        "papers/a,b:c.yml:3: title: 50%25 done%0Asecond line"
    )
    warning = Problem("sessions.yml", 0, "", "no session", Severity.WARNING)
    assert warning.github_annotation().startswith("::warning file=sessions.yml,line=1,title=")


# --------------------------------------------------------------------------- payload site


@pytest.fixture(scope="module")
def payload_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The demo with payloads in every text field, frozen through the CLI."""
    base = tmp_path_factory.mktemp("payloads")
    root = base / "sitedata"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".miniconf-cache"))
    pages = payload_sitedata(root)
    before = _tree(base)
    result = CliRunner().invoke(cli, ["freeze", str(root), "--out", str(base / "build")])
    assert result.exit_code == 0, result.output
    written = _tree(base) - before
    outside = sorted(path for path in written if not path.startswith("build"))
    assert outside == [], "freeze wrote outside its output folder"
    return base / "build", pages


class _ActiveContent(HTMLParser):
    """Finds anything in a page that could run script or load from the payloads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False
        self.csp: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.in_script = True
            if not re.match(r"^(\.\./)*static/", values.get("src") or ""):
                self.found.append(f"<script> without a static src: {values}")
        if tag in ("iframe", "object", "embed", "base", "form", "style", "svg", "math"):
            self.found.append(f"<{tag}> element")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        if tag == "meta" and (values.get("http-equiv") or "") == "Content-Security-Policy":
            self.csp = values.get("content")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"event handler attribute {name}={value!r} on <{tag}>")
            if name == "style":
                self.found.append(f"inline style on <{tag}>")
            if name in ("href", "src", "action", "data", "formaction") and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.found.append(f"{name}={value!r} on <{tag}>")
                if "pwned-marker" in value:
                    self.found.append(f"{name}={value!r} loads a payload URL")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.found.append(f"inline script: {data[:80]!r}")


def test_payload_site_builds_every_page(payload_build):
    build, pages = payload_build
    for url in pages.values():
        assert (build / url).is_file(), url
    names = [path.relative_to(build).as_posix() for path in build.rglob("*")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-/]+", name) for name in names)


def test_payloads_are_inert_on_every_page(payload_build):
    build, _ = payload_build
    pages = sorted(build.rglob("*.html"))
    assert len(pages) > 50
    for file in pages:
        parser = _ActiveContent()
        parser.feed(file.read_text(encoding="utf-8"))
        assert parser.found == [], f"{file.relative_to(build)}: {parser.found}"
        assert parser.csp, f"{file.relative_to(build)} has no CSP meta tag"
        directives = dict(part.strip().split(" ", 1) for part in parser.csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"


def test_payloads_show_as_text(payload_build):
    """Escaped, not dropped: an author sees exactly what they wrote (and fixes it)."""
    build, pages = payload_build
    html = (build / pages["paper"]).read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    for payload in LINE_PAYLOADS:
        if "<" in payload:
            assert payload not in html  # never as markup
    abstract = html.split('id="abstract-heading"', 1)[1]
    assert "click me" in abstract  # the link text stays, the javascript: href goes


def test_freeze_sends_csp_header_on_every_page(payload_build, tmp_path: Path):
    """The running server (miniconf run) sends the policy as a header too."""
    from miniconf.site.app import create_app
    from miniconf.structure.loader import load_conference

    build, pages = payload_build
    conference, problems = load_conference(build.parent / "sitedata")
    assert conference is not None, problems
    client = create_app(conference).test_client()
    for url in pages.values():
        response = client.get("/" + url)
        assert response.status_code == 200, url
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_case_count_is_reported():
    """The corpus is large enough to mean something (the closing note reports its size)."""
    assert len(ERROR_CASES) >= 40
    assert len({case.name for case in ERROR_CASES}) == len(ERROR_CASES)
