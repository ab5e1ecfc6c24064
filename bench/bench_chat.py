"""Chat provisioning against a local Synapse: rooms created per second, warm re-run time.

Starts the test suite's Synapse (tests/synapse_server.py) with SQLite on 127.0.0.1;
the provisioning account is exempted from rate limits, as an organizer's bot account
would be (a plain account gets 10 rooms, then one a minute, by Synapse's defaults).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from synapse_server import SERVER_NAME, running_synapse  # noqa: E402
from synth import write_sitedata  # noqa: E402

from miniconf.chat.matrix import MatrixClient, provision  # noqa: E402
from miniconf.structure.loader import load_conference  # noqa: E402


def _with_chat(sitedata: Path, server: str, prefix: str) -> None:
    config_file = sitedata / "config.yml"
    config = yaml.safe_load(config_file.read_text())
    kinds = ("paper", "session", "workshop", "speaker")
    config["chat"] = {"provider": "matrix", "server": server, "server_name": SERVER_NAME,
                      "rooms": {kind: f"{prefix}-{kind}-{{id}}" for kind in kinds}}
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def _measure(label: str, sitedata: Path, server, token: str) -> None:
    conference, problems = load_conference(sitedata)
    assert conference is not None, problems
    rooms_file = sitedata / "chat" / "rooms.json"
    client = MatrixClient(server.url, token)
    cold = provision(conference, client, rooms_file)
    started = time.perf_counter()
    warm = provision(conference, client, rooms_file)
    warm_seconds = time.perf_counter() - started
    assert warm.created == 0 and warm.unchanged == cold.created
    print(f"{label}: {cold.created} rooms created in {cold.seconds:.1f} s "
          f"= {cold.created / cold.seconds:.1f} rooms/s; warm re-run {warm_seconds * 1000:.0f} ms "
          f"(0 created, {warm.unchanged} unchanged)", flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "synapse").mkdir()
        with running_synapse(work / "synapse") as server:
            token = server.register("bench-admin", admin=True, unlimited=True)
            demo = work / "demo"
            shutil.copytree(REPO / "sitedata", demo)
            _with_chat(demo, server.url, "demo")
            _measure("demo (45 papers)", demo, server, token)
            synthetic = work / "synth"
            write_sitedata(synthetic, 1000)
            _with_chat(synthetic, server.url, "synth")
            _measure("synthetic (1,000 papers)", synthetic, server, token)


if __name__ == "__main__":
    main()
