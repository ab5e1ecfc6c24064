"""Content files a pull request can commit that are not plain files: symlinks, named
pipes, devices, folders, links to /dev/zero or to a secret outside sitedata/.

Each must be a ``file:line`` error from ``miniconf validate`` within seconds: never a
hang, never memory exhaustion, never a published file from outside sitedata/. The
commands run as subprocesses with a timeout, so that a regression hangs no test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from miniconf.structure.yamlsource import MAX_FILE_BYTES, YamlProblem, read_text

SYMLINK = "is a symbolic link; content files must be regular files inside the sitedata folder"


def miniconf(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "miniconf", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def validate_errors(root: Path) -> list[str]:
    result = miniconf("validate", str(root))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.splitlines()


def expect_error(errors: list[str], root: Path, where: str, message: str) -> None:
    prefix = f"{root}/{where}: "
    assert any(line.startswith(prefix) and message in line for line in errors), (
        f"expected {prefix}{message}; got:\n" + "\n".join(errors)
    )


@pytest.mark.parametrize("name", ["papers/evil.yml", "speakers.yml", "pages/evil.md"])
def test_a_link_to_dev_zero_is_refused_at_once(sitedata_copy: Path, name: str):
    (sitedata_copy / name).unlink(missing_ok=True)
    (sitedata_copy / name).symlink_to("/dev/zero")
    expect_error(validate_errors(sitedata_copy), sitedata_copy, f"{name}:1", SYMLINK)


def test_a_page_linked_to_a_file_outside_sitedata_is_not_published(
    sitedata_copy: Path, tmp_path: Path
):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nthe organizers' private notes\n")
    (sitedata_copy / "pages" / "x.md").symlink_to(secret)
    out = tmp_path / "build"
    result = miniconf("freeze", str(sitedata_copy), "--out", str(out))
    assert result.returncode == 1
    expect_error(result.stderr.splitlines(), sitedata_copy, "pages/x.md:1", SYMLINK)
    assert not out.exists()


def test_a_link_to_a_paper_inside_sitedata_is_refused_too(sitedata_copy: Path):
    """Even a link that stays inside: it would be a second, unreviewable copy of a paper
    (and the validation cache must not serve it as the paper it points at)."""
    papers = sitedata_copy / "papers"
    (papers / "copy.yml").symlink_to(papers / "h27-001.yml")
    miniconf("validate", str(sitedata_copy))  # fills the cache with h27-001
    expect_error(validate_errors(sitedata_copy), sitedata_copy, "papers/copy.yml:1", SYMLINK)


def test_config_yml_as_a_link_is_refused(sitedata_copy: Path, tmp_path: Path):
    real = tmp_path / "config.yml"
    real.write_bytes((sitedata_copy / "config.yml").read_bytes())
    (sitedata_copy / "config.yml").unlink()
    (sitedata_copy / "config.yml").symlink_to(real)
    expect_error(validate_errors(sitedata_copy), sitedata_copy, "config.yml:1", SYMLINK)


def test_a_linked_papers_folder_is_refused(sitedata_copy: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    (sitedata_copy / "papers").rename(elsewhere)
    (sitedata_copy / "papers").symlink_to(elsewhere)
    errors = validate_errors(sitedata_copy)
    expect_error(errors, sitedata_copy, "papers:1", "is a symbolic link")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
@pytest.mark.parametrize("name", ["papers/evil.yml", "sessions.yml", "pages/evil.md"])
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(sitedata_copy: Path, name: str):
    (sitedata_copy / name).unlink(missing_ok=True)
    os.mkfifo(sitedata_copy / name)
    errors = validate_errors(sitedata_copy)  # a blocking open would hang here (timeout)
    expect_error(errors, sitedata_copy, f"{name}:1", "is a named pipe, not a regular file")


def test_a_file_is_read_no_further_than_the_limit(tmp_path: Path, monkeypatch):
    """A file whose size says little (a /proc file says 0) is read up to the limit only."""
    big = tmp_path / "big.yml"
    big.write_bytes(b"a" * (MAX_FILE_BYTES + 10))
    reads: list[int] = []
    real_read = os.read

    def counting_read(fd: int, size: int) -> bytes:
        chunk = real_read(fd, size)
        reads.append(len(chunk))
        return chunk

    real_fstat = os.fstat

    def lying_fstat(fd: int):
        info = list(real_fstat(fd))
        info[6] = 0  # st_size
        return os.stat_result(info)

    monkeypatch.setattr(os, "read", counting_read)
    monkeypatch.setattr(os, "fstat", lying_fstat)
    with pytest.raises(YamlProblem, match="more than 2,000,000 bytes"):
        read_text(big)
    assert sum(reads) == MAX_FILE_BYTES + 1


def test_a_big_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch):
    big = tmp_path / "big.yml"
    with big.open("wb") as stream:
        stream.truncate(10 * MAX_FILE_BYTES)  # sparse: 20 MB that cost nothing
    monkeypatch.setattr(os, "read", lambda *_: pytest.fail("read a file over the limit"))
    with pytest.raises(YamlProblem, match="file is 20,000,000 bytes; the limit is 2,000,000"):
        read_text(big)


def test_a_freeze_ignores_links_to_dev_zero_elsewhere_in_sitedata(sitedata_copy: Path, tmp_path):
    """Files no content names are hashed for incremental builds: a link to /dev/zero or
    a pipe there must not be read."""
    (sitedata_copy / "notes.txt").symlink_to("/dev/zero")
    if hasattr(os, "mkfifo"):
        os.mkfifo(sitedata_copy / "pipe")
    for _ in range(2):  # the second freeze reads the first's manifest: incremental
        result = miniconf("freeze", str(sitedata_copy), "--out", str(tmp_path / "build"))
        assert result.returncode == 0, result.stderr
