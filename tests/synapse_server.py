"""A real Matrix homeserver (Synapse, from the test extra) for the chat tests and bench.

Started once per test session on 127.0.0.1 with SQLite, no federation, no key servers
and a registration shared secret; stopped at the end. Synapse keeps its default rate
limits, so tests see real HTTP 429 answers; the accounts that provision whole
conferences are exempted through the admin API instead (ratelimit override).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER_NAME = "localhost"


@dataclass
class Synapse:
    url: str
    secret: str
    folder: Path

    def post(self, path: str, body: dict, token: str | None = None, method: str = "POST") -> dict:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method=method
        )
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def get(self, path: str, token: str | None = None) -> dict:
        request = urllib.request.Request(self.url + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def register(self, username: str, admin: bool = False, unlimited: bool = False) -> str:
        """A new account through the shared-secret admin API; returns its access token."""
        nonce = self.get("/_synapse/admin/v1/register")["nonce"]
        password = secrets.token_hex(12)
        role = b"admin" if admin else b"notadmin"
        message = b"\x00".join([nonce.encode(), username.encode(), password.encode(), role])
        mac = hmac.new(self.secret.encode(), message, hashlib.sha1).hexdigest()
        body = {
            "nonce": nonce,
            "username": username,
            "password": password,
            "admin": admin,
            "mac": mac,
        }
        token = self.post("/_synapse/admin/v1/register", body)["access_token"]
        if unlimited:
            self.unlimit(f"@{username}:{SERVER_NAME}", token)
        return token

    def unlimit(self, user_id: str, admin_token: str) -> None:
        """Exempt one account from rate limits (0 = no limit), as a big conference's bot."""
        self.post(
            f"/_synapse/admin/v1/users/{user_id}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0},
            admin_token,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_config(folder: Path, port: int, secret: str, **extra) -> Path:
    from signedjson.key import generate_signing_key, write_signing_keys

    with open(folder / "signing.key", "w") as key_file:
        write_signing_keys(key_file, [generate_signing_key("a_test")])
    (folder / "log.yaml").write_text(
        "version: 1\n"
        "formatters: {plain: {format: '%(asctime)s %(name)s %(levelname)s %(message)s'}}\n"
        f"handlers: {{file: {{class: logging.FileHandler, formatter: plain, "
        f"filename: {folder / 'homeserver.log'}}}}}\n"
        "root: {level: WARNING, handlers: [file]}\n"
        "disable_existing_loggers: false\n"
    )
    config = {
        "server_name": SERVER_NAME,
        "pid_file": str(folder / "homeserver.pid"),
        # The client API only: no federation listener, nothing but 127.0.0.1.
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "log_config": str(folder / "log.yaml"),
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": secret,
        "allow_guest_access": True,
        "report_stats": False,
        # No network: no key servers, no federation, no URL previews, no phone-home.
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        # Guests register from the browser tests; keep the defaults otherwise.
        "rc_registration": {"per_second": 10, "burst_count": 50},
        # Attendees register with a token the organizers sent them (miniconf chat
        # attendees), and only so: open registration stays off.
        "enable_registration": True,
        "registration_requires_token": True,
        **extra,
    }
    path = folder / "homeserver.yaml"
    path.write_text(json.dumps(config, indent=1))  # JSON is YAML
    return path


class SynapseFailed(RuntimeError):
    pass


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-3000:]
            raise SynapseFailed(f"Synapse exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/_matrix/client/versions", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SynapseFailed(f"Synapse did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


class SynapseProcess:
    """One homeserver's process, which a test may kill (SIGKILL, no clean-up) and start
    again on the same port and database: what a crash and a restart do."""

    def __init__(self, folder: Path, **config):
        self.folder = folder
        self.port = _free_port()
        self.secret = secrets.token_hex(16)
        self.config = _write_config(folder, self.port, self.secret, **config)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Synapse:
        output = self.folder / "stdout.log"
        with open(output, "a") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
            )
        _wait_until_up(self.url, self.process, output)
        return Synapse(self.url, self.secret, self.folder)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def running_synapse(folder: Path, **config) -> Iterator[Synapse]:
    """Start Synapse with its data in ``folder``; stop it on leaving (tests and benchmarks).
    ``config``: settings to add to or replace in homeserver.yaml."""
    process = SynapseProcess(folder, **config)
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    try:
        import synapse as _  # noqa: F401
    except ImportError:
        if os.environ.get("MINICONF_REQUIRE_SYNAPSE") == "1":
            pytest.fail("matrix-synapse is not installed (pip install -e '.[test]')")
        pytest.skip("SYNAPSE TESTS SKIPPED: matrix-synapse is not installed")
    try:
        with running_synapse(tmp_path_factory.mktemp("synapse")) as server:
            yield server
    except SynapseFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def matrix_admin(synapse: Synapse) -> str:
    """Access token of an admin exempted from rate limits (provisions whole conferences)."""
    return synapse.register("miniconf-admin", admin=True, unlimited=True)
