"""`miniconf validate` reports everything in one pass, and one typo is one error."""

from __future__ import annotations

from pathlib import Path

from miniconf.structure.loader import load_conference
from miniconf.structure.problems import Severity


def errors_of(root: Path) -> list[str]:
    conference, problems = load_conference(root)
    assert conference is None
    return [str(p) for p in problems if p.severity is Severity.ERROR]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_check_runs_in_one_pass(sitedata_copy: Path):
    # A broken config, a paper typo, a speaker with a schema error that sessions.yml
    # references, and a session naming a paper that really does not exist.
    replace_in(sitedata_copy / "config.yml", "end_date: 2027-05-13", "end_date: 2027-05-01")
    replace_in(sitedata_copy / "papers" / "h27-002.yml", "title:", "titel:")
    replace_in(
        sitedata_copy / "speakers.yml",
        "- id: ada-okafor\n  name: Ada Okafor",
        "- id: ada-okafor\n  nme: Ada Okafor",
    )
    replace_in(sitedata_copy / "sessions.yml", "papers: [h27-032,", "papers: [h27-999,")
    errors = errors_of(sitedata_copy)
    assert any("config.yml:" in e and "end_date" in e for e in errors), errors
    assert any("papers/h27-002.yml:" in e and "titel" in e for e in errors), errors
    assert any("speakers.yml:" in e and "nme" in e for e in errors), errors
    assert any("no paper with id 'h27-999'" in e for e in errors), errors
    # ... and nothing that follows from them: h27-002 and ada-okafor exist, with errors.
    assert not any("'h27-002'" in e or "'ada-okafor'" in e for e in errors), errors
    assert len(errors) == 4, "\n".join(errors)
