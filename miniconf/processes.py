"""Worker processes: how many to start, and workers that never outlive the command that
started them."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1
#: More workers than this gain little for a site (each is a fork holding the conference).
MAX_WORKERS = 8


def usable_cpus() -> int:
    """CPUs this process may run on, at most MAX_WORKERS: not all the machine's under
    taskset or a container's CPU set, where one worker per host CPU would only fight
    over the few it has."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        count = os.cpu_count() or 1
    return max(1, min(count, MAX_WORKERS))


def die_with_parent(parent: int) -> None:
    """Call first in a forked worker: on Linux the kernel kills it (SIGKILL) when its
    parent dies, so a freeze or validate killed with ``kill -9`` leaves no workers
    rendering into a folder nobody will use. Elsewhere workers finish their share and
    then find their pipe closed."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def is_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
