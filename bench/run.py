"""``make bench``: run every benchmark module (bench/bench_*.py) and print its figures."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    sys.path.insert(0, str(HERE))
    only = set(sys.argv[1:])
    for module_file in sorted(HERE.glob("bench_*.py")):
        name = module_file.stem
        if only and name.removeprefix("bench_") not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        spec = importlib.util.spec_from_file_location(name, module_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        started = time.perf_counter()
        module.main()
        print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
