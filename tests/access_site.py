"""A demo conference for registered attendees only, shared by tests/test_access*.py.

A copy of the demo sitedata with ``access: attendees``, a session with a stream link
and a paper with talk, slides and poster links (the demo has neither), the organizers'
secret and passphrase, and an attendee list outside sitedata in which Eve is revoked.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from miniconf.cli import cli

DEMO = Path(__file__).resolve().parent.parent / "sitedata"

SECRET = "test-secret-3f9c1e7a5b2d4f6e8a0c1b3d5e7f9a1c"
PASSPHRASE = "helios lisbon twenty-seven"
STREAM_URL = "https://live.helios-conf.example.org/stream/keynote-7f3a9c"
PAPER_LINKS = {
    "video": "https://videos.helios-conf.example.org/h27-006-talk-5d1e",
    "slides": "https://helios-conf.example.org/slides/h27-006-b7c2.pdf",
    "poster": "https://helios-conf.example.org/posters/h27-006-e4a8.pdf",
}
ATTENDEES = ["ada@example.org", "bob@example.org", "eve@example.org"]
REVOKED = "eve@example.org"


@dataclass(frozen=True)
class AttendeeSite:
    sitedata: Path
    attendees_csv: Path
    env: dict[str, str]

    def freeze(self, out: Path, **env: str) -> Result:
        """``miniconf freeze`` of this sitedata into ``out``, with the keys (and ``env``)."""
        return CliRunner().invoke(
            cli, ["freeze", str(self.sitedata), "--out", str(out)], env={**self.env, **env}
        )

    def issue_codes(self, **env: str) -> dict[str, str]:
        """``miniconf access codes``: each attendee's code, read back from the list."""
        result = CliRunner().invoke(
            cli,
            ["access", "codes", str(self.attendees_csv), "--sitedata", str(self.sitedata)],
            env={**self.env, **env},
        )
        assert result.exit_code == 0, result.output
        lines = self.attendees_csv.read_text().splitlines()
        header = lines[0].split(",")
        rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
        return {row["email"]: row["code"] for row in rows}


def make_attendee_site(
    folder: Path, access: dict | str | None = None, chat_preview: bool = False
) -> AttendeeSite:
    """The site under ``folder``: ``folder/sitedata`` and ``folder/private/``;
    ``chat_preview``: pages read their room's latest messages (from a fictional server)."""
    sitedata = folder / "sitedata"
    shutil.copytree(DEMO, sitedata, ignore=shutil.ignore_patterns(".miniconf-cache"))
    config = yaml.safe_load((sitedata / "config.yml").read_text())
    config["access"] = access if access is not None else {"mode": "attendees"}
    config["chat"]["preview"] = chat_preview
    (sitedata / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    sessions = yaml.safe_load((sitedata / "sessions.yml").read_text())
    for session in sessions:
        if session["id"] == "d1-keynote":
            session["stream_url"] = STREAM_URL
    (sitedata / "sessions.yml").write_text(yaml.safe_dump(sessions, sort_keys=False))
    paper_file = sitedata / "papers" / "h27-006.yml"
    paper = yaml.safe_load(paper_file.read_text())
    paper.setdefault("links", {}).update(PAPER_LINKS)
    paper_file.write_text(yaml.safe_dump(paper, sort_keys=False))

    private = folder / "private"
    private.mkdir()
    attendees_csv = private / "attendees.csv"
    rows = [f"{email},{'yes' if email == REVOKED else ''}" for email in ATTENDEES]
    attendees_csv.write_text("email,revoked\n" + "\n".join(rows) + "\n")
    env = {
        "MINICONF_ACCESS_SECRET": SECRET,
        "MINICONF_ACCESS_PASSPHRASE": PASSPHRASE,
        "MINICONF_ACCESS_CODES": str(attendees_csv),
    }
    return AttendeeSite(sitedata, attendees_csv, env)
