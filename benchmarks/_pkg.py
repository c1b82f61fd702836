"""Make ``import draw_to_video`` mean this checkout when a benchmark runs as a script."""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def import_package():
    try:
        mod = importlib.import_module("draw_to_video")
        if Path(mod.__file__).resolve().parent == ROOT:
            return mod
    except ImportError:
        pass
    link_dir = Path(tempfile.mkdtemp(prefix="d2v-bench-"))
    (link_dir / "draw_to_video").symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(link_dir))
    for name in [m for m in sys.modules if m == "draw_to_video" or m.startswith("draw_to_video.")]:
        del sys.modules[name]
    return importlib.import_module("draw_to_video")


def timed(fn, repeats: int = 2, children: bool = False) -> tuple[float, float]:
    """Best wall-clock seconds and best CPU seconds (this process, or its children for ffmpeg) over repeats.

    CPU seconds are less sensitive than wall time to other jobs on a shared machine.
    """
    import resource
    import time

    walls, cpus = [], []
    for _ in range(repeats):
        who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
        r0, t0 = resource.getrusage(who), time.perf_counter()
        fn()
        r1, t1 = resource.getrusage(who), time.perf_counter()
        walls.append(t1 - t0)
        cpus.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return min(walls), min(cpus)
