"""SVG logos (published as they are, and run as documents of the site when opened
directly) and the build's ``_headers`` file, which gives every file the site's policy."""

from __future__ import annotations

import fnmatch
import functools
import http.server
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from miniconf.cli import cli
from miniconf.structure.svg import SvgProblem, check_svg

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
MARK = "window.__pwned=1"

HOSTILE = {
    "prefixed script": (
        '<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>' + MARK + "</s:script></s:svg>",
        r"element <script> is not allowed",
    ),
    "script": (f"{SVG_OPEN}<script>{MARK}</script></svg>", r"element <script>"),
    "XHTML script": (
        f'{SVG_OPEN}<h:script xmlns:h="http://www.w3.org/1999/xhtml">{MARK}</h:script></svg>',
        r"element <script \(namespace http://www.w3.org/1999/xhtml\)>",
    ),
    "foreignObject": (
        f"{SVG_OPEN}<foreignObject><p>x</p></foreignObject></svg>",
        r"element <foreignObject>",
    ),
    "event handler": (f'{SVG_OPEN}<rect onclick="{MARK}"/></svg>', r"attribute 'onclick'"),
    "prefixed event handler": (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:e="urn:x"><rect e:onload="x"/></svg>',
        r"attribute 'onload' on <rect>",
    ),
    "set rewrites an href": (
        f'{SVG_OPEN}<a href="#"><set attributeName="href" to="javascript:{MARK}"/></a></svg>',
        r"element <a>",
    ),
    "animate": (f'{SVG_OPEN}<rect><animate attributeName="x"/></rect></svg>', r"element <animate>"),
    "javascript: href": (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xl="http://www.w3.org/1999/xlink">'
        f'<use xl:href="javascript:{MARK}"/></svg>',
        r"<use> links to 'javascript:",
    ),
    "external use": (
        f'{SVG_OPEN}<use href="https://evil.example/x.svg#a"/></svg>',
        r"<use> links to 'https://evil.example/x.svg#a'",
    ),
    "image": (
        f'{SVG_OPEN}<image href="https://evil.example/track.png"/></svg>',
        r"element <image>",
    ),
    "style import": (
        f"{SVG_OPEN}<style>@import url(https://evil.example/x.css);</style></svg>",
        r"the <style> element loads something",
    ),
    "style fetch": (
        f'{SVG_OPEN}<rect style="fill:url(https://evil.example/t)"/></svg>',
        r"attribute 'style' on <rect> loads something",
    ),
    "fill fetch": (
        f'{SVG_OPEN}<rect fill="url(//evil.example/t)"/></svg>',
        r"attribute 'fill' on <rect> loads something",
    ),
    "entities": (
        '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]>' + f"{SVG_OPEN}&a;</svg>",
        r"a DOCTYPE is not allowed",
    ),
    "xml-stylesheet": (
        f'<?xml-stylesheet type="text/xsl" href="evil.xsl"?>{SVG_OPEN}</svg>',
        r"processing instruction <\?xml-stylesheet",
    ),
    "HTML, not SVG": (
        "<html><body><script>x</script></body></html>",
        r"the document is <html>, not an SVG",
    ),
    "SVG without its namespace": (
        "<svg><script>x</script></svg>",
        r"the document is <svg>, not an SVG <svg> in the SVG namespace",
    ),
    "not XML": (f"{SVG_OPEN}<rect></svg>", r"not well-formed XML"),
}

BENIGN = {
    "shapes and gradients": (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="120" height="40" viewBox="0 0 120 40">\n'
        '<title>Helios</title><defs><linearGradient id="g"><stop offset="0" '
        'stop-color="#0a3d62"/><stop offset="1" stop-color="#3c6382"/></linearGradient>'
        '<clipPath id="c"><circle cx="20" cy="20" r="18"/></clipPath></defs>\n'
        '<rect width="120" height="40" rx="6" fill="url(#g)"/>'
        '<use xlink:href="#c" x="2"/>'
        '<text x="44" y="26" font-family="sans-serif" font-size="16" fill="#fff">'
        "Helios</text></svg>"
    ),
    "as Inkscape saves it": (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:cc="http://creativecommons.org/ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'sodipodi:docname="logo.svg" inkscape:version="1.3" width="10" height="10">'
        '<sodipodi:namedview id="nv" pagecolor="#ffffff" inkscape:zoom="2"/>'
        "<metadata><rdf:RDF><cc:Work><dc:format>image/svg+xml</dc:format></cc:Work>"
        "</rdf:RDF></metadata>"
        "<style>.a { fill: #f00 } .b { filter: url(#blur) }</style>"
        '<filter id="blur"><feGaussianBlur stdDeviation="1"/></filter>'
        '<g inkscape:label="Layer 1" inkscape:groupmode="layer">'
        '<path class="a" style="fill:#ff0000;stroke:none" d="M0 0h10v10z" '
        'xml:space="preserve"/></g></svg>'
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_svg_is_refused(name: str):
    svg, message = HOSTILE[name]
    with pytest.raises(SvgProblem, match=message):
        check_svg(svg.encode())


@pytest.mark.parametrize("name", BENIGN)
def test_plain_logos_pass(name: str):
    check_svg(BENIGN[name].encode())


def test_a_prefixed_script_logo_is_a_config_error(sitedata_copy: Path, tmp_path: Path):
    """The case that got through: ``<s:script>`` in an SVG logo."""
    (sitedata_copy / "logo.svg").write_text(HOSTILE["prefixed script"][0])
    with (sitedata_copy / "config.yml").open("a") as stream:
        stream.write("logo: logo.svg\n")
    line = (sitedata_copy / "config.yml").read_text().count("\n")
    result = CliRunner().invoke(
        cli, ["freeze", str(sitedata_copy), "--out", str(tmp_path / "build")]
    )
    assert result.exit_code == 1
    assert (
        f"{sitedata_copy}/config.yml:{line}: logo: 'logo.svg' line 1: element <script> "
        "is not allowed in a logo; use a plain SVG"
    ) in result.stderr
    assert not (tmp_path / "build").exists()


# --------------------------------------------------------------------------- _headers


class _HeadersFileHandler(http.server.SimpleHTTPRequestHandler):
    """A static host that sends what the build's ``_headers`` says (as Netlify and
    Cloudflare Pages do: every matching rule's headers; ``*`` matches anything)."""

    def end_headers(self) -> None:
        for name, value in _matching_headers(Path(self.directory), self.path.split("?")[0]):
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


def _matching_headers(build: Path, path: str) -> list[tuple[str, str]]:
    found, pattern = [], None
    for line in (build / "_headers").read_text().splitlines():
        if line.startswith("/"):
            pattern = line
        elif line.startswith("  ") and pattern and fnmatch.fnmatchcase(path, pattern):
            name, _, value = line.strip().partition(": ")
            found.append((name, value))
    return found


@pytest.fixture
def build_with_svg_logo(sitedata_copy: Path, tmp_path: Path) -> Path:
    (sitedata_copy / "logo.svg").write_text(BENIGN["shapes and gradients"])
    with (sitedata_copy / "config.yml").open("a") as stream:
        stream.write("logo: logo.svg\n")
    out = tmp_path / "build"
    result = CliRunner().invoke(cli, ["freeze", str(sitedata_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_headers_file_gives_every_file_the_policy(build_with_svg_logo: Path):
    headers = dict(_matching_headers(build_with_svg_logo, "/papers.json"))
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    logo = [
        value
        for name, value in _matching_headers(build_with_svg_logo, "/assets/logo.svg")
        if name == "Content-Security-Policy"
    ]
    assert len(logo) == 2 and "sandbox" in logo[1]


def _serve(folder: Path, handler: type) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.mark.browser
def test_a_scripted_svg_in_the_build_runs_nothing_from_a_host_reading_headers(
    build_with_svg_logo: Path, browser
):
    """Defence in depth: were a scripted SVG ever published (validation refuses one),
    a host that reads ``_headers`` would not run it; a host without headers would."""
    (build_with_svg_logo / "assets" / "logo.svg").write_text(
        f"{SVG_OPEN}<script>{MARK}</script><rect width='10' height='10'/></svg>"
    )
    outcomes = {}
    for name, handler in (
        ("plain host", http.server.SimpleHTTPRequestHandler),
        ("host reading _headers", _HeadersFileHandler),
    ):
        server, base = _serve(build_with_svg_logo, handler)
        context = browser.new_context()
        try:
            tab = context.new_page()
            tab.goto(base + "assets/logo.svg")
            outcomes[name] = tab.evaluate("window.__pwned === 1")
        finally:
            context.close()
            server.shutdown()
            server.server_close()
    assert outcomes == {"plain host": True, "host reading _headers": False}
