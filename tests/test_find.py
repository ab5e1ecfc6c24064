"""The data the browser's search and links read: papers.json's additions for issue 15
(affiliations, authorIds, titleHtml) written by the fast writer as json.dumps would."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import load_ok

from miniconf.site.explore import paper_record, papers_json_text


def test_papers_json_carries_affiliations_author_ids_and_title_math(sitedata_copy: Path):
    (sitedata_copy / "papers" / "zz-ids.yml").write_text(
        "id: zz-ids\ntitle: 'Bounds in $O(n^2)$ & <b>more</b>'\nauthors:\n"
        "  - {name: Wei Zhang, orcid: 0000-0002-1825-0097, affiliation: Uni A}\n"
        "  - {name: Ada Okafor, openreview: ~Ada_Okafor1, affiliation: Uni A}\n"
        "  - {name: No Id}\n",
        encoding="utf-8",
    )
    conference = load_ok(sitedata_copy)
    records = [paper_record(conference, paper) for paper in conference.papers]
    assert papers_json_text(conference) == json.dumps(
        records, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    record = next(r for r in records if r["id"] == "zz-ids")
    assert record["authorIds"] == ["orcid:0000-0002-1825-0097", "openreview:~Ada_Okafor1", None]
    assert record["affiliations"] == ["Uni A"]
    assert (
        record["titleHtml"].startswith("Bounds in <math")
        and "&amp; &lt;b&gt;" in record["titleHtml"]
    )
    plain = next(r for r in records if r["id"] == "h27-001")
    assert "authorIds" not in plain and "titleHtml" not in plain


def test_a_malformed_orcid_is_a_clear_error(sitedata_copy: Path):
    from miniconf.structure.loader import load_conference

    (sitedata_copy / "papers" / "zz-bad.yml").write_text(
        "id: zz-bad\ntitle: T\nauthors:\n  - name: A\n    orcid: 1234\n", encoding="utf-8"
    )
    conference, problems = load_conference(sitedata_copy)
    assert conference is None
    assert any("zz-bad.yml:5: authors[0].orcid:" in str(p) for p in problems), problems
