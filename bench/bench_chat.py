"""Chat at scale against a local Synapse: provisioning and activity reading for 1,000 and
5,000 papers' rooms, and what that projects for a 10,000-paper conference.

Starts the test suite's Synapse (tests/synapse_server.py: SQLite, 127.0.0.1, no
federation). The bot is exempted from rate limits through the admin API, as an
organizer's bot account would be (README, "Chat"): a plain account gets 10 rooms, then
one a minute. Every synthetic paper has one author with a chat id (50 accounts, round
robin), so provisioning also invites and promotes authors, as a real conference would.

Per size: a cold provisioning run (rooms/s; wall and CPU seconds of this process and of
Synapse, from /proc), a warm re-run (nothing to do), then 2,000 messages from three
posters in 200 rooms, and one ``chat activity`` read of every room (requests, rooms/s).
Sizes: $MINICONF_BENCH_CHAT_SIZES (default "1000,5000"). Each size gets its own fresh
Synapse, so one size's database does not slow the next. $MINICONF_BENCH_CHAT_BUDGET_S
stops a size's provisioning after that many seconds (the rooms made so far are then
what the re-run, posting and activity figures are about; the output says so);
$MINICONF_BENCH_CHAT_MESSAGES changes the 2,000 messages posted.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from synapse_server import SERVER_NAME, SynapseProcess  # noqa: E402
from synth import write_sitedata  # noqa: E402

from miniconf.chat.activity import read_activity  # noqa: E402
from miniconf.chat.mapping import read_rooms_file  # noqa: E402
from miniconf.chat.matrix import MatrixClient, provision  # noqa: E402
from miniconf.chat.rooms import plan_rooms  # noqa: E402
from miniconf.structure.loader import load_conference  # noqa: E402

AUTHOR_ACCOUNTS = 50
MESSAGE_ROOMS = 200
MESSAGES_PER_ROOM = 10
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Clock:
    """Wall seconds, and CPU seconds of this process and of Synapse, over a block."""

    def __init__(self, synapse_pid: int):
        self.pid = synapse_pid

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.server = _cpu_seconds(self.pid)
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.server = _cpu_seconds(self.pid) - self.server

    def __str__(self) -> str:
        return f"{self.wall:.1f} s wall (CPU: client {self.cpu:.1f} s, Synapse {self.server:.1f} s)"


def _sitedata(folder: Path, papers: int, server: str, authors: list[str]) -> Path:
    write_sitedata(folder, papers)
    config_file = folder / "config.yml"
    config = yaml.safe_load(config_file.read_text())
    config["chat"] = {"provider": "matrix", "server": server, "server_name": SERVER_NAME}
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    cycle = itertools.cycle(authors)
    for paper_file in sorted((folder / "papers").glob("*.yml")):
        paper = yaml.safe_load(paper_file.read_text())
        paper["authors"][0]["matrix"] = next(cycle)
        paper_file.write_text(yaml.safe_dump(paper, allow_unicode=True, sort_keys=False))
    return folder


def _register(synapse, admin: str, name: str) -> tuple[str, str]:
    token = synapse.register(name)
    user_id = f"@{name}:{SERVER_NAME}"
    synapse.unlimit(user_id, admin)
    return user_id, token


class BudgetSpent(Exception):
    pass


def _only_rooms_made(conference, rooms_file):
    """The conference cut to the papers whose rooms exist (a run stopped by its budget)."""
    papers = tuple(p for p in conference.papers if f"paper/{p.id}" in rooms_file.rooms)
    return dataclasses.replace(conference, papers=papers, sessions=(), speakers=(), workshops=())


def measure(papers: int, work: Path) -> dict[str, float]:
    (work / "synapse").mkdir(parents=True)
    process = SynapseProcess(work / "synapse")
    synapse = process.start()
    try:
        admin = synapse.register("bench-bot", admin=True, unlimited=True)
        authors = [_register(synapse, admin, f"author{n}")[0] for n in range(AUTHOR_ACCOUNTS)]
        sitedata = _sitedata(work / "sitedata", papers, synapse.url, authors)
        conference, problems = load_conference(sitedata)
        assert conference is not None, problems
        rooms_path = sitedata / "chat" / "rooms.json"
        rooms = len(plan_rooms(conference))
        client = MatrixClient(synapse.url, admin)
        marks = {"rooms": 0, "at": time.perf_counter()}
        deadline = time.perf_counter() + float(
            os.environ.get("MINICONF_BENCH_CHAT_BUDGET_S", "inf")
        )

        def every_500(step, outcome) -> None:
            # The rate as the database grows (and a figure even from a run cut short).
            marks["rooms"] += 1
            if time.perf_counter() > deadline:
                raise BudgetSpent
            if marks["rooms"] % 500 == 0:
                now = time.perf_counter()
                print(
                    f"  {marks['rooms']:,} rooms: last 500 at {500 / (now - marks['at']):.1f} "
                    f"rooms/s (load average {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
                marks["at"] = now

        try:
            with Clock(process.process.pid) as cold:
                report = provision(conference, client, rooms_path, progress=every_500)
            assert report.created == rooms and not report.warnings, report.warnings[:3]
            made = rooms
        except BudgetSpent:
            made = len(read_rooms_file(rooms_path).rooms)
            print(f"  (budget spent: stopped after {made:,} of {rooms:,} rooms)", flush=True)
        print(
            f"{papers:,} papers, {made:,} rooms: provisioned in {cold} = "
            f"{made / cold.wall:.1f} rooms/s, {client.requests:,} requests; load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        if made < rooms:  # the activity read and the re-run cover the rooms made
            conference = _only_rooms_made(conference, read_rooms_file(rooms_path))
        with Clock(process.process.pid) as warm:
            again = provision(conference, MatrixClient(synapse.url, admin), rooms_path)
        assert again.created == 0 and again.planned == 0
        print(f"  warm re-run: {warm.wall * 1000:.0f} ms, {again.requests} requests", flush=True)

        message_rooms = (
            int(os.environ.get("MINICONF_BENCH_CHAT_MESSAGES", MESSAGE_ROOMS * MESSAGES_PER_ROOM))
            // MESSAGES_PER_ROOM
        )
        mapped = list(read_rooms_file(rooms_path).rooms.values())[:message_rooms]
        posters = [
            MatrixClient(synapse.url, _register(synapse, admin, f"poster{n}")[1]) for n in range(3)
        ]
        with Clock(process.process.pid) as posting:
            for number, (room, poster) in enumerate(
                itertools.product(mapped, range(MESSAGES_PER_ROOM))
            ):
                sender = posters[poster % len(posters)]
                if poster < len(posters):
                    sender.call("POST", f"/join/{room.room_id}", {})
                sender.call(
                    "PUT",
                    f"/rooms/{room.room_id}/send/m.room.message/b{number}",
                    {"msgtype": "m.text", "body": f"question {number}"},
                )
        sent = len(mapped) * MESSAGES_PER_ROOM
        print(
            f"  {sent:,} messages posted in {posting.wall:.1f} s ({sent / posting.wall:.0f} msg/s)",
            flush=True,
        )

        reader = MatrixClient(synapse.url, admin)
        with Clock(process.process.pid) as reading:
            activity, read = read_activity(conference, reader)
        assert sum(room.messages for room in activity.rooms.values()) == sent
        print(
            f"  activity of {read.rooms:,} rooms read in {reading} = "
            f"{read.rooms / reading.wall:.0f} rooms/s, {read.requests:,} requests; load "
            f"average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        return {
            "rooms": made,
            "planned": rooms,
            "provision_s": cold.wall,
            "activity_s": reading.wall,
        }
    finally:
        process.stop()


def main() -> None:
    sizes = [
        int(size) for size in os.environ.get("MINICONF_BENCH_CHAT_SIZES", "1000,5000").split(",")
    ]
    results = {}
    for papers in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            results[papers] = measure(papers, Path(tmp))
    largest = max(results)
    figures = results[largest]
    rooms_10k = figures["planned"] * 10_000 / largest
    print(
        f"Projection for 10,000 papers (~{rooms_10k:,.0f} rooms), linear from the "
        f"{figures['rooms']:,} rooms measured: provisioning "
        f"~{figures['provision_s'] * rooms_10k / figures['rooms'] / 60:.0f} min once; an "
        f"activity read ~{figures['activity_s'] * rooms_10k / figures['rooms']:.0f} s per "
        "scheduled deploy",
        flush=True,
    )


if __name__ == "__main__":
    main()
