"""The bad-input corpus: what an author's pull request might contain, and what must happen.

Two kinds of case:

- ERROR_CASES: input that must be refused with a clear ``file:line`` error (and no
  site written). Each adds or replaces files in a copy of the demo sitedata and names
  the file, the line and a pattern of the message an author must see.
- payload_sitedata(): one sitedata with script and event-handler payloads in every text
  field that reaches a page. It must validate and freeze; the pages must show the text
  escaped or sanitized, and no payload may run in a browser.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: What a payload does when it runs: the browser test checks it stays undefined.
MARK = "window.__pwned=1"
#: Payloads that try to make the browser fetch this path (the test server records it).
MARKER_PATH = "/pwned-marker"

#: Payloads for one-line fields (titles, names): 500 characters at most together.
LINE_PAYLOADS = [
    f"<script>{MARK}</script>",
    f'<img src=x onerror="{MARK}">',
    f'"><svg onload={MARK}>',
    f"' onmouseover='{MARK}' x='",
    "</title><script>alert(1)</script>",
    "{{ 7*7 }}{% if true %}jinja{% endif %}",
    f'<a href="javascript:{MARK}">x</a>',
]

#: Payloads for Markdown fields (abstracts, bios, answers, pages).
MARKDOWN_PAYLOADS = [
    *LINE_PAYLOADS,
    f"[click me](javascript:{MARK})",
    f"[click](JaVaScRiPt:{MARK})",
    f"<javascript:{MARK}>",
    f"![image](javascript:{MARK})",
    "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)",
    f"[entity](jav&#x61;script:{MARK})",
    f"[spaced]( javascript:{MARK} )",
    f'<iframe src="javascript:{MARK}"></iframe>',
    "<style>body { display: none }</style>",
    f'<meta http-equiv="refresh" content="0;url={MARKER_PATH}-refresh">',
    f'<img src="{MARKER_PATH}.png">',
    f"![tracker]({MARKER_PATH}-md.png)",
    f'<form action="{MARKER_PATH}-form"><button>go</button></form>',
    f'<object data="{MARKER_PATH}-object"></object>',
    '<base href="https://evil.example/">',
    f'<div style="background:url({MARKER_PATH}-css)">styled</div>',
    f"```html\n<script>{MARK}</script>\n```",
    f"<details open ontoggle={MARK}>",
    f'<math><mtext><table><mglyph><style><img src=x onerror="{MARK}">',
]

LINE_TEXT = " ".join(LINE_PAYLOADS)
MARKDOWN_TEXT = "\n\n".join(MARKDOWN_PAYLOADS)


@dataclass(frozen=True)
class ErrorCase:
    """Files to write into a copy of the demo, and the error an author must see."""

    name: str
    files: dict[str, bytes | str]
    path: str  # relative to sitedata
    line: int  # for ``append``: the line within the appended text
    message: str  # a regular expression
    append: bool = False  # append to the file instead of replacing it
    symlinks: dict[str, str] = field(default_factory=dict)


def _paper(**fields: str) -> str:
    """A paper file (papers/evil.yml) with one field replaced: line numbers stay known."""
    lines = {
        "id": "id: evil",
        "title": "title: A perfectly ordinary title",
        "authors": "authors:\n  - name: A. Author",
        "abstract": "abstract: Nothing to see.",
        "links": "links:\n  code: https://example.org/code",
    }
    lines.update(fields)
    return "\n".join(lines.values()) + "\n"


BILLION_LAUGHS = "\n".join(
    ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 12)]
)

ERROR_CASES = [
    # ---- URLs
    ErrorCase(
        "javascript: link",
        {"papers/evil.yml": _paper(links="links:\n  pdf: javascript:alert(document.cookie)")},
        "papers/evil.yml",
        7,
        r"links\.pdf: URL scheme 'javascript:' is not allowed",
    ),
    ErrorCase(
        "mixed-case javascript: with spaces",
        {"papers/evil.yml": _paper(links='links:\n  code: "  JaVaScRiPt:alert(1)"')},
        "papers/evil.yml",
        7,
        r"(?i)URL scheme 'javascript:' is not allowed",
    ),
    ErrorCase(
        "javascript: split by a tab",
        {"papers/evil.yml": _paper(links='links:\n  video: "java\\tscript:alert(1)"')},
        "papers/evil.yml",
        7,
        r"links\.video: must be a URL without spaces",
    ),
    ErrorCase(
        "data: URL",
        {"papers/evil.yml": _paper(links="links:\n  slides: data:text/html;base64,PHNjcmlwdD4=")},
        "papers/evil.yml",
        7,
        r"URL scheme 'data:' is not allowed",
    ),
    ErrorCase(
        "vbscript: photo",
        {"committee.yml": "- name: Eve\n  photo: vbscript:msgbox(1)\n"},
        "committee.yml",
        2,
        r"\[0\]\.photo: URL scheme 'vbscript:' is not allowed",
    ),
    ErrorCase(
        "protocol-relative homepage",
        {"speakers.yml": ("- id: eve\n  name: Eve\n  homepage: //evil.example/x\n")},
        "speakers.yml",
        3,
        r"homepage: protocol-relative URLs are not allowed",
    ),
    ErrorCase(
        "javascript: stream",
        {
            "sessions.yml": (
                "- id: s1\n  title: S\n  type: social\n  start: 2027-05-11T10:00\n"
                "  end: 2027-05-11T11:00\n  stream_url: javascript:alert(1)\n"
            )
        },
        "sessions.yml",
        6,
        r"stream_url: URL scheme 'javascript:'",
    ),
    # A whole config.yml: the demo's own has a chat: section already.
    ErrorCase(
        "javascript: chat server in config",
        {
            "config.yml": (
                "name: Evil\nstart_date: 2027-05-11\nend_date: 2027-05-11\n"
                "chat:\n  provider: matrix\n  server: javascript:alert(1)\n"
            )
        },
        "config.yml",
        6,
        r"chat\.server: URL scheme 'javascript:'",
    ),
    ErrorCase(
        "typo in a config key",
        {"config.yml": "nav2: x\n"},
        "config.yml",
        1,
        r"unknown field 'nav2'; did you mean 'nav'",
        append=True,
    ),
    ErrorCase(
        "https: without a host",
        {"workshops.yml": ("- id: w\n  title: W\n  url: https:alert(1)\n")},
        "workshops.yml",
        3,
        r"url: must name a host",
    ),
    # ---- ids that would become file names
    ErrorCase(
        "id with ../",
        {"papers/evil.yml": _paper(id='id: "../../etc/passwd"')},
        "papers/evil.yml",
        1,
        r"id: id may use only ASCII .* character 1 is FULL STOP",
    ),
    ErrorCase(
        "id with /",
        {"speakers.yml": "- id: a/b\n  name: Eve\n"},
        "speakers.yml",
        1,
        r"\[0\]\.id: .*character 2 is SOLIDUS \(U\+002F\)",
    ),
    ErrorCase(
        "id with NUL",
        {"papers/evil.yml": _paper(id='id: "evil\\0"')},
        "papers/evil.yml",
        1,
        r"character 5 is a control character \(U\+0000\)",
    ),
    ErrorCase(
        "id with a Cyrillic look-alike",
        {"papers/evil.yml": _paper(id="id: еvil")},
        "papers/evil.yml",
        1,
        r"CYRILLIC SMALL LETTER IE \(U\+0435\)",
    ),
    ErrorCase(
        "id with fullwidth letters",
        {"workshops.yml": "- id: ｗｓ\n  title: W\n"},
        "workshops.yml",
        1,
        r"FULLWIDTH LATIN SMALL LETTER W",
    ),
    ErrorCase(
        "id with a zero-width space",
        {"speakers.yml": "- id: eve\u200b\n  name: Eve\n"},
        "speakers.yml",
        1,
        r"ZERO WIDTH SPACE \(U\+200B\)",
    ),
    ErrorCase(
        "id that does not match the file name",
        {"papers/evil.yml": _paper(id="id: h27-001")},
        "papers/evil.yml",
        1,
        r"'h27-001' does not match the file name 'evil.yml'",
    ),
    ErrorCase(
        "page file name with a dot",
        {"pages/..evil.md": "---\ntitle: x\n---\nbody\n"},
        "pages/..evil.md",
        1,
        r"page file names may use only letters",
    ),
    ErrorCase(
        "logo outside sitedata",
        {"config.yml": "logo: ../secret.txt\n"},
        "config.yml",
        1,
        r"logo: String should match pattern",
        append=True,
    ),
    ErrorCase(
        "logo as an absolute path",
        {"config.yml": "logo: /etc/passwd\n"},
        "config.yml",
        1,
        r"logo: String should match pattern",
        append=True,
    ),
    ErrorCase(
        "logo symlinked out of sitedata",
        {"config.yml": "logo: logo.png\n"},
        "config.yml",
        1,
        r"logo: 'logo.png' is not a file inside sitedata",
        append=True,
        symlinks={"logo.png": "/etc/passwd"},
    ),
    ErrorCase(
        "SVG logo with a script",
        {
            "config.yml": "logo: logo.svg\n",
            "logo.svg": (
                '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'
            ),
        },
        "config.yml",
        1,
        r"logo: 'logo.svg' line 1: attribute 'onload' on <svg> is not allowed",
        append=True,
    ),
    # ---- what a browser or an XML reader reads differently (issue 17)
    ErrorCase(
        "U+FFFE in a title",
        {"papers/evil.yml": _paper(title='title: "A\\uFFFE title"')},
        "papers/evil.yml",
        2,
        r"title: contains U\+FFFE, a character XML cannot hold",
    ),
    ErrorCase(
        "U+FFFF in an abstract",
        {"papers/evil.yml": _paper(abstract='abstract: "text \\uFFFF more"')},
        "papers/evil.yml",
        5,
        r"abstract: contains U\+FFFF, a character XML cannot hold",
    ),
    ErrorCase(
        "U+FFFE in a URL",
        {"papers/evil.yml": _paper(links='links:\n  code: "https://a.example/\\uFFFE"')},
        "papers/evil.yml",
        7,
        r"links\.code: must be a URL without spaces",
    ),
    ErrorCase(
        "backslash-slash link",
        {"papers/evil.yml": _paper(links='links:\n  code: "/\\\\evil.example/x"')},
        "papers/evil.yml",
        7,
        r"links\.code: protocol-relative URLs are not allowed",
    ),
    ErrorCase(
        "double-backslash link",
        {"committee.yml": ('- name: Eve\n  photo: "\\\\\\\\evil.example\\\\x.png"\n')},
        "committee.yml",
        2,
        r"\[0\]\.photo: protocol-relative URLs are not allowed",
    ),
    ErrorCase(
        "sponsor link to another host",
        {"sponsors.yml": ("- name: Evil\n  url: //evil.example\n")},
        "sponsors.yml",
        2,
        r"\[0\]\.url: protocol-relative",
    ),
    ErrorCase(
        "year 1 with an offset",
        {
            "sessions.yml": (
                "- id: s1\n  title: S\n  type: social\n  start: 0001-01-01T00:30:00+05:00\n"
                "  end: 2027-05-11T11:00\n"
            )
        },
        "sessions.yml",
        4,
        r"\[0\]\.start: year 1 is outside 1970-2999",
    ),
    ErrorCase(
        "year 9999 with an offset",
        {
            "sessions.yml": (
                "- id: s1\n  title: S\n  type: social\n  start: 2027-05-11T10:00\n"
                "  end: 9999-12-31T23:30:00-05:00\n"
            )
        },
        "sessions.yml",
        5,
        r"\[0\]\.end: year 9999 is outside 1970-2999",
    ),
    ErrorCase(
        "conference in year 1",
        {"config.yml": ("name: Evil\nstart_date: 0001-01-01\nend_date: 2027-05-11\n")},
        "config.yml",
        2,
        r"start_date: year 1 is outside 1970-2999",
    ),
    ErrorCase(
        "!!set keywords",
        {"papers/evil.yml": _paper(abstract="keywords: !!set {b, a}")},
        "papers/evil.yml",
        5,
        r"invalid YAML: !!set is not supported; write a list",
    ),
    ErrorCase(
        "!!omap authors",
        {"papers/evil.yml": _paper(authors="authors: !!omap\n  - name: A")},
        "papers/evil.yml",
        3,
        r"invalid YAML: !!omap is not supported",
    ),
    # ---- duplicates
    ErrorCase(
        "duplicate speaker id",
        {"speakers.yml": ("- id: eve\n  name: Eve\n- id: EVE\n  name: Eve again\n")},
        "speakers.yml",
        3,
        r"duplicate speaker id 'EVE' \(also at .*speakers.yml:1\)",
    ),
    ErrorCase(
        "duplicate session id",
        {
            "sessions.yml": (
                "- id: s1\n  title: S\n  type: social\n"
                "  start: 2027-05-11T10:00\n  end: 2027-05-11T11:00\n"
                "- id: s1\n  title: T\n  type: social\n"
                "  start: 2027-05-11T12:00\n  end: 2027-05-11T13:00\n"
            )
        },
        "sessions.yml",
        6,
        r"duplicate session id 's1'",
    ),
    ErrorCase(
        "duplicate key",
        {"papers/evil.yml": _paper(abstract="abstract: a\ntitle: again")},
        "papers/evil.yml",
        6,
        r"key 'title' given twice \(first on line 2\)",
    ),
    # ---- YAML itself
    ErrorCase(
        "billion laughs",
        {"papers/evil.yml": _paper(abstract=BILLION_LAUGHS)},
        "papers/evil.yml",
        15,
        r"more than 100 YAML aliases",
    ),
    ErrorCase(
        "recursive alias",
        {"papers/evil.yml": _paper(abstract="keywords: &k [*k]")},
        "papers/evil.yml",
        5,
        r"invalid YAML: found unconstructable recursive node",
    ),
    ErrorCase(
        "deeply nested flow",
        {"papers/evil.yml": _paper(abstract="abstract: " + "[" * 60_000 + "]" * 60_000)},
        "papers/evil.yml",
        5,
        r"nested more than 100 levels deep",
    ),
    ErrorCase(
        "deeply nested block",
        {"papers/evil.yml": _paper(abstract="abstract:\n" + "- " * 60_000 + "x")},
        "papers/evil.yml",
        6,
        r"nested more than 100 levels deep",
    ),
    ErrorCase(
        "python object tag",
        {
            "papers/evil.yml": _paper(
                abstract='abstract: !!python/object/apply:os.system ["touch pwned"]'
            )
        },
        "papers/evil.yml",
        5,
        r"invalid YAML: could not determine a constructor",
    ),
    ErrorCase(
        "tab indentation",
        {"papers/evil.yml": _paper(authors="authors:\n\t- name: A")},
        "papers/evil.yml",
        4,
        r"invalid YAML",
    ),
    ErrorCase(
        "invalid UTF-8",
        {"papers/evil.yml": _paper().encode() + b"tldr: caf\xe9\n"},
        "papers/evil.yml",
        8,
        r"not valid UTF-8",
    ),
    ErrorCase(
        "a list instead of a paper",
        {"papers/evil.yml": "- id: evil\n"},
        "papers/evil.yml",
        1,
        r"a paper file must be a mapping",
    ),
    ErrorCase(
        "non-text key",
        {"papers/evil.yml": _paper(abstract="? [a, b]\n: c")},
        "papers/evil.yml",
        5,
        r"mapping keys must be plain text",
    ),
    # ---- sizes and characters
    ErrorCase(
        "10 MB abstract",
        {"papers/evil.yml": _paper(abstract="abstract: " + "A" * 10_000_000)},
        "papers/evil.yml",
        1,
        r"file is 10,000,1\d\d bytes; the limit is 2,000,000",
    ),
    ErrorCase(
        "abstract over the field limit",
        {"papers/evil.yml": _paper(abstract="abstract: " + "word " * 5_000)},
        "papers/evil.yml",
        5,
        r"abstract: is 24,999 characters long; the limit is 20,000",
    ),
    ErrorCase(
        "title over the field limit",
        {"papers/evil.yml": _paper(title="title: " + "T" * 501)},
        "papers/evil.yml",
        2,
        r"title: is 501 characters long; the limit is 500",
    ),
    ErrorCase(
        "keyword over the field limit",
        {"papers/evil.yml": _paper(abstract="keywords: [" + "k" * 81 + "]")},
        "papers/evil.yml",
        5,
        r"keywords\[0\]: is 81 characters long; the limit is 80",
    ),
    ErrorCase(
        "201 authors",
        {"papers/evil.yml": _paper(authors="authors:\n" + "  - name: A\n" * 200 + "  - name: B")},
        "papers/evil.yml",
        3,
        r"authors: List should have at most 200 items",
    ),
    ErrorCase(
        "escape character in a name",
        {"papers/evil.yml": _paper(authors='authors:\n  - name: "A\\e[31mred"')},
        "papers/evil.yml",
        4,
        r"authors\[0\]\.name: contains the control character U\+001B",
    ),
    ErrorCase(
        "blank title",
        {"papers/evil.yml": _paper(title='title: " \\t "')},
        "papers/evil.yml",
        2,
        r"title: must not be empty",
    ),
    ErrorCase(
        "unknown field",
        {"papers/evil.yml": _paper(abstract="abstarct: x")},
        "papers/evil.yml",
        5,
        r"unknown field 'abstarct'; did you mean 'abstract'",
    ),
    ErrorCase(
        "script tag in front matter key",
        {"pages/evil.md": ("---\ntitle: x\nonload: alert(1)\n---\nbody\n")},
        "pages/evil.md",
        3,
        r"onload: unknown field; pages take only 'title'",
    ),
    ErrorCase(
        "FAQ answer over the field limit",
        {"faq.yml": ("- question: Q\n  answer: " + "a" * 20_001 + "\n")},
        "faq.yml",
        2,
        r"\[0\]\.answer: is 20,001 characters long; the limit is 20,000",
    ),
]


# --------------------------------------------------------------------------- payload site


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def payload_sitedata(root: Path) -> dict[str, str]:
    """Put payloads into every text field of the demo copy at ``root``.

    Returns the pages (relative URLs) that show payloads, for the tests to visit.
    """
    config = _load(root / "config.yml")
    config["name"] = f"Evil Conf {LINE_TEXT}"[:500]
    config["tagline"] = LINE_TEXT
    config["intro"] = MARKDOWN_TEXT
    config["tracks"][0]["name"] = LINE_TEXT
    config["tracks"][0]["description"] = LINE_TEXT
    config["nav"] = [{"title": LINE_TEXT, "url": "pages/evil.html"}]
    _dump(root / "config.yml", config)

    paper_file = root / "papers" / "h27-001.yml"
    paper = _load(paper_file)
    paper["title"] = LINE_TEXT
    paper["authors"] = [{"name": payload, "affiliation": LINE_TEXT} for payload in LINE_PAYLOADS]
    paper["abstract"] = MARKDOWN_TEXT
    paper["tldr"] = " ".join(MARKDOWN_PAYLOADS[:12])
    paper["keywords"] = [payload[:80] for payload in LINE_PAYLOADS]
    _dump(paper_file, paper)

    speakers = _load(root / "speakers.yml")
    speaker = speakers[0]
    speaker.update(
        name=LINE_TEXT,
        affiliation=LINE_TEXT,
        talk_title=LINE_TEXT,
        abstract=MARKDOWN_TEXT,
        bio=MARKDOWN_TEXT,
    )
    _dump(root / "speakers.yml", speakers)

    workshops = _load(root / "workshops.yml")
    workshop = workshops[0]
    workshop.update(title=LINE_TEXT, organizers=LINE_PAYLOADS, abstract=MARKDOWN_TEXT)
    _dump(root / "workshops.yml", workshops)

    sessions = _load(root / "sessions.yml")
    for session in sessions[:4]:
        session.update(title=LINE_TEXT, description=MARKDOWN_TEXT, chairs=LINE_PAYLOADS)
        session["room"] = f"Room {session['id']} {LINE_PAYLOADS[1]}"
    _dump(root / "sessions.yml", sessions)

    faq = _load(root / "faq.yml")
    faq[0].update(question=LINE_TEXT, answer=MARKDOWN_TEXT, section=LINE_TEXT)
    _dump(root / "faq.yml", faq)

    committee = _load(root / "committee.yml")
    committee[0].update(name=LINE_TEXT, role=LINE_TEXT, affiliation=LINE_TEXT)
    _dump(root / "committee.yml", committee)

    sponsors = _load(root / "sponsors.yml")
    sponsors[0].update(name=LINE_TEXT, level=LINE_TEXT)
    _dump(root / "sponsors.yml", sponsors)

    title = json.dumps(LINE_TEXT)  # a JSON string is a valid YAML double-quoted string
    (root / "pages" / "evil.md").write_text(
        f"---\ntitle: {title}\n---\n{MARKDOWN_TEXT}\n", encoding="utf-8"
    )
    # Harmless oddities that must simply load: a BOM, tabs inside text, CRLF line ends.
    faq_text = (root / "faq.yml").read_text(encoding="utf-8")
    (root / "faq.yml").write_bytes(b"\xef\xbb\xbf" + faq_text.replace("\n", "\r\n").encode())
    with (root / "committee.yml").open("a", encoding="utf-8") as stream:
        stream.write('- name: "Tab\\tSeparated\\tName"\n  role: "\u202eRTL override"\n')

    return {
        "home": "index.html",
        "papers": "papers.html",
        "paper": "papers/h27-001.html",
        "speakers": "speakers.html",
        "speaker": f"speakers/{speaker['id']}.html",
        "workshops": "workshops.html",
        "workshop": f"workshops/{workshop['id']}.html",
        "schedule": "schedule.html",
        "session": f"sessions/{sessions[0]['id']}.html",
        "help": "help.html",
        "page": "pages/evil.html",
        "not found": "404.html",
    }


# --------------------------------------------------------------------------- posters


def pdf_file(width: float, height: float, content: bytes, deflated: bool = False) -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    flate = b" /Filter /FlateDecode" if deflated else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
        "/Contents 4 0 R >>".encode(),
        b"<< /Length %d%s >>\nstream\n" % (len(content), flate) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def inflation_bomb(inflated: int, level: int = 1) -> bytes:
    """A content stream of ``inflated`` zero bytes, deflated (about 1,000 to 1 at level 1)."""
    compressor = zlib.compressobj(level)
    chunk = b"\0" * (1 << 24)
    parts = [compressor.compress(chunk) for _ in range(inflated >> 24)]
    return pdf_file(600, 800, b"".join(parts) + compressor.flush(), deflated=True)
