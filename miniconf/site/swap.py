"""Exchanging two folders in one step, so that a site being served is never missing."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # Linux renameat2 flag
_RENAME_SWAP = 2  # macOS renamex_np flag


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically (Linux renameat2, macOS renamex_np); False
    where the system or the file system cannot, and nothing was changed."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        a, b = os.fsencode(first), os.fsencode(second)
        if sys.platform.startswith("linux"):
            result = libc.renameat2(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE)
        elif sys.platform == "darwin":
            result = libc.renamex_np(a, b, _RENAME_SWAP)
        else:
            return False
    except (OSError, AttributeError):  # no such function in this C library
        return False
    return result == 0
