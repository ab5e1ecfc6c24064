"""The fast builder for plain YAML gives exactly what PyYAML's general constructor gives.

``parse_yaml`` builds most documents with a short walk over the composed nodes and
leaves everything else (aliases, merge keys, explicit tags, repeated keys, ...) to the
general constructor. Each test here parses the same text both ways and compares values,
types, lines and errors.
"""

from __future__ import annotations

import math
import random
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from conftest import DEMO, REPO
from corpus import ERROR_CASES, payload_sitedata

from miniconf.importers.miniconf import import_miniconf
from miniconf.structure import yamlsource
from miniconf.structure.yamlsource import LineDict, LineList, YamlProblem, parse_yaml, read_text

sys.path.insert(0, str(REPO / "bench"))
from synth import write_sitedata  # noqa: E402


def _not_plain(text):
    raise yamlsource._NotPlain


def _needs_constructor(node, loader, seen, depth=0):
    raise yamlsource._NeedsConstructor


def parse_general(text: str, monkeypatch: pytest.MonkeyPatch):
    """``parse_yaml`` with the fast layers switched off: libyaml and PyYAML's constructor."""
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_read_plain", _not_plain)
        patch.setattr(yamlsource, "_build_untagged", _needs_constructor)
        return outcome(text)


def parse_without_plain_reader(text: str, monkeypatch: pytest.MonkeyPatch):
    """``parse_yaml`` with libyaml and the untagged builder (the plain reader switched off)."""
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_read_plain", _not_plain)
        return outcome(text)


def outcome(text: str):
    try:
        return "value", parse_yaml(text)
    except YamlProblem as problem:
        return "problem", (problem.line, problem.message)
    except Exception as error:  # noqa: BLE001 - PyYAML's own, e.g. for a date 2027-02-30
        return "error", repr(error)


def same(a, b) -> bool:
    """Equal values of the same types, with the same lines (``==`` alone says 1 == True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, LineDict):
        return (
            (a.line, a.key_lines) == (b.line, b.key_lines)
            and list(a) == list(b)
            and all(same(a[key], b[key]) for key in a)
        )
    if isinstance(a, LineList):
        return (
            (a.line, a.item_lines) == (b.line, b.item_lines)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict | list | tuple):
        return a == b and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def assert_same_both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every layer gives what PyYAML's general constructor gives (value or error)."""
    general = parse_general(text, monkeypatch)
    for fast in (outcome(text), parse_without_plain_reader(text, monkeypatch)):
        assert fast[0] == general[0], (text, fast, general)
        if fast[0] == "value":
            assert same(fast[1], general[1]), (text, fast, general)
        else:
            assert fast == general


TRICKY = [
    # plain text, and text that YAML 1.1 reads as something else
    "a: b\nc: d e f\n",
    "n: 12\nneg: -3\nplus: +4\noct: 017\noct2: 0o17\nhex: 0x1F\nbin: 0b101\nsexa: 1:30\n",
    "f: 1.5\ne: 1e3\nexp: 6.02e+23\ninf: .inf\nninf: -.Inf\nnan: .NaN\nsep: 1_000\n",
    "t: true\nf: False\ny: yes\nn: No\non: on\noff: OFF\nY: y\nbig: YES\n",
    "a: null\nb: ~\nc:\nd: Null\ne: NULL\n",
    "d: 2027-05-11\nt: 2027-05-11T10:00:00\nz: 2027-05-11 10:00:00.5 +02:00\nbad: 2027-5-1\n",
    "eq: =\nlt: <\nbang: '!'\namp: '&'\n",
    "id: 007\nversion: 1.0\nyear: 2027\ntitle: 2027: A Space Odyssey\n",
    "q1: 'single ''quoted'''\nq2: \"double \\t \\u00e9 \\x41\"\nempty: ''\nspace: ' '\n",
    "block: |\n  line one\n  line two\n\nfolded: >-\n  one\n  two\n\n  three\n",
    "keep: |+\n  kept\n\nstrip: |-\n  x\n",
    "multi: this plain\n  scalar spans\n\n  lines\nnext: x\n",
    "flow: [a, b, 1, true, null, {k: v}]\nmap: {x: 1, y: [2, 3]}\n",
    "- a\n- 1\n- - nested\n  - list\n- k: v\n  k2: v2\n",
    "just text\n",
    "42\n",
    "",
    "# only a comment\n",
    "---\na: 1\n...\n",
    "\ufeffa: 1\n",
    "a: 1\r\nb: 2\r\n",
    "a:\tb\n",
    "key with spaces: value\n'quoted key': 1\n\"dq key\": 2\n",
    "\u00e9t\u00e9: \u00fcber\nemoji: \U0001f600\ncjk: \u4e2d\u6587\n",
    "url: https://example.org/a?b=c&d=e#f\nstars: '*emphasis* and **bold**'\n",
    "abstract: We use *italics* and **bold** here, and a * alone.\n",
    # keys that are not text
    "1: one\n2: two\n",
    "true: t\nnull: n\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "1.5: x\n",
    "2027-01-01: x\n",
    # repeated keys
    "a: 1\nb: 2\na: 3\n",
    "a: 1\n'a': 2\n",
    "1: a\n'1': b\n",
    "1: a\ntrue: b\n",
    "x:\n  a: 1\n  a: 2\n",
    "- a: 1\n  a: 2\n",
    # aliases and anchors
    "a: &x 1\nb: *x\n",
    "a: &x {k: v}\nb: *x\nc: *x\n",
    "a: &x [1, 2]\nb: [*x, *x]\n",
    "anchor only: &x value\nb: 2\n",
    "a: &k key\n*k : v\n",
    "keywords: &k [*k]\n",
    "a: &a [x]\n" + "".join(f"b{i}: *a\n" for i in range(120)),
    # merge keys and the value key
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
    "base: &b {x: 1}\nother: &o {z: 2}\nd:\n  <<: [*b, *o]\n",
    "a: 1\na: 2\n<<: {a: 0}\n",
    "<<: 5\n",
    "=: value\n",
    "a: =\n",
    # explicit tags
    "a: !!str 123\nb: !!int '42'\nc: !!float '1'\nd: !!bool 'yes'\ne: !!null ''\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!omap [x: 1, y: 2]\n",
    "a: !!pairs [x: 1, x: 2]\n",
    "a: !!map {x: 1}\nb: !!seq [1]\n",
    "a: !!map scalar\n",
    "a: !!seq {x: 1}\n",
    "a: !!str {x: 1}\n",
    "!!str 1: x\n",
    "a: !local thing\n",
    "a: !!python/object/apply:os.system ['echo']\n",
    "a: !!timestamp 2027-02-30\n",
    "a: 2027-02-30\n",
    "a: !!int 'x'\n",
    "a: !\"\" x\n",
    "a: ! 12\n",
    # syntax errors and oddities
    "a: [1, 2\n",
    "a: b: c\n",
    "a:\n\t- b\n",
    "a: 1\n---\nb: 2\n",
    "- a\nb: c\n",
    "a: 'unterminated\n",
    "a: \"\\z\"\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_yaml_builds_the_same_both_ways(text, monkeypatch):
    assert_same_both_ways(text, monkeypatch)


def test_deep_nesting_builds_the_same_both_ways(monkeypatch):
    for depth in (10, 49, 50, 51, 60, 99, 400):
        keys = "".join(f"{' ' * level}k{level}:\n" for level in range(depth))
        by_indent = keys + " " * depth + "x\n"
        assert_same_both_ways(by_indent, monkeypatch)
        flow = "a: " + "[" * min(depth, 100) + "]" * min(depth, 100) + "\n"
        assert_same_both_ways(flow, monkeypatch)


def test_typed_scalars_resolve_as_pyyaml_resolves_them():
    """The resolver's shortcut returns the tag PyYAML's own resolver returns."""
    resolver = yaml.resolver.Resolver()
    samples = [
        "", "a", "A", "Yes", "yes", "y", "n", "No", "on", "Off", "true", "TRUE", "null",
        "~", "0", "-1", "+1", "1.5", ".5", "-.inf", ".NaN", "1e3", "1:30", "0x1F", "0o7",
        "2027-05-11", "2027-05-11T10:00", "<<", "=", "!", "&", "*", "-", "--", "+", ".",
        "é", "中", "_x", " x", "1 apple", "false positive", "Nothing", "o", "t", "f",
    ]
    loader = yamlsource._LineLoader("")
    try:
        for value in samples:
            for implicit in ((True, False), (False, True), (False, False)):
                expected = resolver.resolve(yaml.ScalarNode, value, implicit)
                assert loader.resolve(yaml.ScalarNode, value, implicit) == expected, value
        for kind in (yaml.MappingNode, yaml.SequenceNode):
            expected = resolver.resolve(kind, None, (True, False))
            assert loader.resolve(kind, None, (True, False)) == expected
    finally:
        loader.dispose()


def corpus_texts(tmp_path: Path) -> list[str]:
    """Every YAML text of the demo, the bad-input corpus and the payload sitedata."""
    texts = []
    for file in sorted(DEMO.rglob("*.yml")):
        texts.append(read_text(file))
    for case in ERROR_CASES:
        for name, content in case.files.items():
            if not name.endswith(".yml"):
                continue
            data = content.encode() if isinstance(content, str) else content
            if len(data) > yamlsource.MAX_FILE_BYTES:
                continue
            file = tmp_path / "case.yml"
            file.write_bytes(data)
            try:
                texts.append(read_text(file))
            except YamlProblem:
                continue
    payload = tmp_path / "payload"
    shutil.copytree(DEMO, payload, ignore=shutil.ignore_patterns(".miniconf-cache"))
    payload_sitedata(payload)
    for file in sorted(payload.rglob("*.yml")):
        texts.append(read_text(file))
    return texts


def test_corpus_builds_the_same_both_ways(tmp_path, monkeypatch):
    texts = corpus_texts(tmp_path)
    assert len(texts) > 50
    for text in texts:
        assert_same_both_ways(text, monkeypatch)


def test_synthetic_papers_build_the_same_both_ways(tmp_path, monkeypatch):
    write_sitedata(tmp_path / "synth", papers=60)
    files = sorted((tmp_path / "synth").rglob("*.yml"))
    assert len(files) > 60
    for file in files:
        assert_same_both_ways(read_text(file), monkeypatch)


def test_imported_real_conference_builds_the_same_both_ways(shared_dir, tmp_path, monkeypatch):
    out = tmp_path / "sitedata"
    import_miniconf(shared_dir / "data" / "miniconf-iclr2020", out)
    files = sorted(out.rglob("*.yml"))
    assert len(files) > 600
    for file in files:
        assert_same_both_ways(read_text(file), monkeypatch)


WORDS = [
    "text", "two words", "yes", "no", "on", "null", "~", "12", "-3", "1.5", ".inf", "0x1F",
    "2027-05-11", "2027-05-11T10:00:00Z", "1:30", "=", "<<", "é", "a: b", "- x", "#c",
    "a #b", "*star*", "&amp", "!bang", "'q'", '"dq"', "[x]", "{y}", "", " ", "line\nbreak",
    "tab\there", "trailing ", "%pct", "@at", "`tick`", "|", ">", "?", ",", "\\",
]


def random_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth < 4 and roll < 0.25:
        return {rng.choice(WORDS + ["k1", "k2", "k3"]): random_value(rng, depth + 1)
                for _ in range(rng.randint(0, 4))}
    if depth < 4 and roll < 0.4:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.5:
        return rng.choice([True, False, None, 0, -7, 3.25, 10**20])
    return rng.choice(WORDS)


def test_random_documents_build_the_same_both_ways(monkeypatch):
    rng = random.Random(20261122)
    for _ in range(400):
        data = random_value(rng)
        text = yaml.safe_dump(
            data,
            allow_unicode=rng.random() < 0.5,
            default_flow_style=rng.choice([False, True, None]),
            width=rng.choice([20, 80, 1000]),
            indent=rng.choice([2, 4]),
        )
        assert_same_both_ways(text, monkeypatch)
        lines = text.splitlines(keepends=True)
        if len(lines) > 1:  # a repeated or a missing line: often a repeated key or an error
            index = rng.randrange(len(lines))
            assert_same_both_ways("".join(lines + [lines[index]]), monkeypatch)
            assert_same_both_ways("".join(lines[:index] + lines[index + 1:]), monkeypatch)


def test_typical_files_take_the_fast_paths(tmp_path, monkeypatch):
    """Guard the speed-up itself: synthetic papers are plain YAML; the demo's papers (with
    quotes, flow lists and block scalars) never need the general constructor."""
    write_sitedata(tmp_path / "synth", papers=20)
    files = sorted((tmp_path / "synth" / "papers").glob("*.yml"))
    for file in [*files, tmp_path / "synth" / "sessions.yml"]:  # with dates in sessions
        assert isinstance(yamlsource._read_plain(read_text(file)), LineDict | LineList), file
    calls = []
    construct = yamlsource._LineLoader.construct_document
    monkeypatch.setattr(yamlsource._LineLoader, "construct_document",
                        lambda self, node: calls.append(node) or construct(self, node))
    for file in sorted((DEMO / "papers").glob("*.yml")):
        parse_yaml(read_text(file))
    assert calls == []
    parse_yaml("a: &x 1\nb: *x\n")
    assert len(calls) == 1



#: Keys and values for random_plain_text: most read as plain text, some do not.
PLAIN_KEYS = ["id", "title", "name", "authors", "x", "_k", "a-b", "Key9", "y", "n", "tldr"]
ODD_KEYS = ["no", "Yes", "on", "null", "true", "k" * 101, "2x", "é", "a b", "-k", "k:", "<<"]
PLAIN_VALUES = [
    "text", "Two words", "trailing   ", "a  b", "a:b", "a#b", "x-", "x]", "{y}x", "a, b",
    "...", "Tariq", "Tom", "Nope", "on the way", "é à", "q'", 'd"q', "a*b", "nb\u00a0sp",
    "http://a.example/x?y=z#f", "C++ & C#", "100%", "3D shapes", "1 2 3", ".x", "~x",
    "2027-05-11T10:00", "1.2.3", "12:3a",  # text, though close to a date or a number
]
ODD_VALUES = [
    "a: b", "x:", "a #b", "a # b", "-x", "- x", "[x", "-3", "---", "2027-02-30", "12:30",
    # typed: null, booleans, numbers, dates
    "12", "+4", "0", "017", "0o17", "0x1F", "0b101", "1_000", "1:30", "190:20:30", "1.5", ".5",
    "1e3", "6.02e+23", ".inf", ".NaN", "2027-05-11", "2027-05-11T10:00:00", "2027-5-1 1:2:3",
    "2027-05-11 10:00:00.5 +02:00", "2027-05-11T10:00:00Z", "yes", "No", "OFF", "on", "null",
    "~", "NULL", "true", "False",
    "'q'", '"dq"', "!t", "&a", "*a", "%p", "@a", "`b", "|", ">", "?x", ",x", "=", "<<",
    "a\tb", "x\u2028y", "x\x85y", "zw\u200bsp", "\u202ertl", "ctl\x07", "bom\ufeff", "x\ry", "",
]


def random_plain_text(rng: random.Random) -> str:
    """Text close to plain block YAML, with edge cases: odd indentation, blank lines,
    folded lines, trailing spaces, comments, typed or special values and keys."""
    lines: list[str] = []

    def value() -> str:
        choice = rng.choice(ODD_VALUES if rng.random() < 0.03 else PLAIN_VALUES)
        return choice + rng.choice(["", "", "", " ", "  "])

    def key() -> str:
        return rng.choice(ODD_KEYS if rng.random() < 0.03 else PLAIN_KEYS)

    def continuation(column: int) -> None:
        for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):
            if rng.random() < 0.2:
                lines.append(" " * rng.randint(0, column + 3))  # blank, maybe with spaces
            indent = column + rng.choice([1, 1, 2, 4, 1, 2, 0, -1])
            lines.append(" " * max(indent, 0) + value())

    def block(column: int, depth: int, items: bool) -> None:
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.02:
                lines.append(" " * column + "# a comment")
            if rng.random() < 0.1:
                lines.append("")
            if items:
                if depth < 3 and rng.random() < 0.3:
                    lines.append(" " * column + "- " + key() + ": " + value())
                    block(column + 2, depth + 1, items=False)
                else:
                    lines.append(" " * column + "- " + value())
                    continuation(column)
                continue
            name = key()
            if depth < 3 and rng.random() < 0.35:
                lines.append(" " * column + name + ":" + rng.choice(["", "", " ", "   "]))
                nested_items = rng.random() < 0.5
                step = rng.choice([0, 2, 2, 4, 1]) if nested_items else rng.choice([2, 2, 4, 1, 0])
                block(column + step, depth + 1, nested_items)
            else:
                lines.append(" " * column + name + ":" + rng.choice([" ", " ", "  "]) + value())
                continuation(column)

    block(0 if rng.random() < 0.97 else 1, 0, items=rng.random() < 0.2)
    if rng.random() < 0.03:
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(["---", "...", "%YAML 1.1"]))
    return "\n".join(lines) + rng.choice(["\n", "", "\n\n", "\n  \n"])


def test_random_plain_texts_read_the_same_every_way(monkeypatch):
    rng = random.Random(7)
    plain = 0
    for _ in range(3000):
        text = random_plain_text(rng)
        assert_same_both_ways(text, monkeypatch)
        try:
            yamlsource._read_plain(text)
            plain += 1
        except yamlsource._NotPlain:
            pass
    assert plain > 300  # the plain reader itself was exercised, not only its refusals
