"""parse_yaml: PyYAML's safe loader that remembers lines, refuses repeated keys and
bounds aliases; every failure is a YamlProblem at a line, never a traceback."""

from __future__ import annotations

import pytest
from conftest import DEMO

from miniconf.structure.yamlsource import LineDict, LineList, YamlProblem, line_of, parse_yaml


def problem(text: str) -> tuple[int, str]:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    return caught.value.line, caught.value.message


def test_every_key_and_item_knows_its_line():
    data = parse_yaml("title: A\nauthors:\n  - name: X\n  - name: Y\n    affiliation: Z\n")
    assert isinstance(data, LineDict) and isinstance(data["authors"], LineList)
    assert data.key_lines == {"title": 1, "authors": 2}
    assert data["authors"].item_lines == [3, 4]
    assert line_of(data, ["authors", 1, "affiliation"]) == 5
    assert line_of(data, ["authors", 7, "name"]) == 2  # the deepest line the file has


def test_values_are_what_yaml_11_says():
    data = parse_yaml("n: 12\nf: 1.5\nt: yes\nnothing: ~\nd: 2027-05-11\nq: '012'\nid: 007\n")
    assert data["n"] == 12 and data["f"] == 1.5 and data["t"] is True
    assert data["nothing"] is None and str(data["d"]) == "2027-05-11"
    assert data["q"] == "012" and data["id"] == 7  # octal in YAML 1.1: quote ids
    assert parse_yaml("") is None and parse_yaml("just text\n") == "just text"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "given twice (first on line 1)"),
        ("x:\n  k: 1\n  k: 2\n", 3, "given twice"),
        ("a: !!set {x, y}\n", 1, "!!set is not supported"),
        ("a: !!omap [x: 1]\n", 1, "!!omap is not supported"),
        ("a: 2027-02-30\n", 1, "is not valid"),
        ("a: !!int 'x'\n", 1, "is not valid"),
        ("a: !!seq {x: 1}\n", 1, "!!seq needs a list"),
        ("a: !!python/object/apply:os.system ['echo']\n", 1, "invalid YAML"),
        ("? [a, b]\n: c\n", 1, "mapping keys must be plain text"),
        ("a: [1, 2\n", 2, "invalid YAML"),
        ("a: b: c\n", 1, "invalid YAML"),
        ("a: 1\n---\nb: 2\n", 2, "invalid YAML"),
        (
            "a: &a [x]\n" + "".join(f"b{i}: *a\n" for i in range(120)),
            1,
            "more than 100 YAML aliases",
        ),
        ("a: " + "[" * 101 + "]" * 101 + "\n", 1, "nested more than 100 levels deep"),
        ("- " * 101 + "x\n", 1, "nested more than 100 levels deep"),
    ],
)
def test_bad_yaml_is_a_problem_at_its_line(text, line, words):
    found_line, message = problem(text)
    assert words in message and found_line == line, (found_line, message)


def test_deep_nesting_by_indentation_is_a_problem_not_a_crash():
    text = "".join(f"{' ' * level}k{level}:\n" for level in range(2000)) + " " * 2000 + "x\n"
    assert "nested" in problem(text)[1] or "invalid YAML" in problem(text)[1]


def test_anchors_and_merge_keys_still_work():
    data = parse_yaml("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  z: 3\n")
    assert data["derived"] == {"x": 1, "y": 2, "z": 3}


def test_every_demo_and_real_site_file_parses(shared_dir):
    files = [*DEMO.rglob("*.yml"), *(shared_dir / "data").rglob("*.yml")]
    assert len(files) > 50
    for file in files:
        try:
            parse_yaml(file.read_text(encoding="utf-8-sig"))
        except YamlProblem as exc:  # real sites may hold a repeated key: said at a line
            assert exc.line >= 1, file
