"""papers.json is written a record at a time for speed (miniconf/site/explore.py); it
must be the bytes json.dumps writes from the same records, so the browser reads the same
data. Awkward text on purpose: escapes, markup, non-ASCII and 4-byte characters."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import REPO, load_ok

from miniconf.site.explore import _json_positions, paper_record, papers_json_text
from miniconf.structure.conference import Conference
from miniconf.structure.pipeline_outputs import load_pipeline_outputs

sys.path.insert(0, str(REPO / "bench"))
from fake_pipeline import write_outputs  # noqa: E402


def test_papers_json_is_what_json_dumps_writes(sitedata_copy: Path):
    paper = sitedata_copy / "papers" / "h27-002.yml"
    text = paper.read_text()
    title = 'Title with "quotes", \\back\\slash, <b>tags</b> & ampersands — ☕'
    text = text.replace(text.split("\n", 2)[1], f"title: {json.dumps(title)}", 1)
    paper.write_text(text.replace("name: ", "name: Ó'", 1))
    write_outputs(sitedata_copy, dims=16)  # similar papers and map positions
    conference = load_ok(sitedata_copy)
    fresh = load_pipeline_outputs(conference)
    assert fresh.current
    for outputs in (fresh, None):
        records = [paper_record(conference, paper, outputs) for paper in conference.papers]
        expected = json.dumps(records, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        assert papers_json_text(conference, outputs) == expected
    assert papers_json_text(Conference(root=conference.root, config=conference.config)) == "[]"


def test_map_positions_are_written_as_json_dumps_writes_them():
    positions = {"a": (0.1, 1.0), "b": (0.0, 0.30000000000000004), "c": (1e-05, 0.5)}
    written = _json_positions(positions)
    assert written == {key: json.dumps(list(xy), separators=(",", ":"))
                       for key, xy in positions.items()}
    odd = {"a": (float("nan"), float("inf")), "b": (0.5, 0.25)}
    assert _json_positions(odd) == {"a": "[NaN,Infinity]", "b": "[0.5,0.25]"}
