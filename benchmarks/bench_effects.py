"""Exclusive Effects: frames/s per effect beside the cost of merely copying the frames.

    python benchmarks/bench_effects.py [--size 1024x576] [--frames 12] [--device cpu] [--only NAME ...]
                                       [--out benchmarks/out]

Prints one row per effect: input frames per second of wall time ("fps wall", best of ``--repeat``); the same from
the process's CPU time ("fps cpu" = frames per CPU-second × threads: what the run gives when nothing else competes
for the cores — the steadier figure on a shared machine); the CPU cost relative to a plain ``clone()`` of the same
batch measured in the same run (the memory-bandwidth floor); and the issue's target (per-pixel looks ≥ 60 fps,
the other families ≥ 15 fps on CPU, none for effects that retime), checked against fps cpu. Also writes
``effects_bench.json``; the contact sheet of the same effects is ``tools/effects_sheet.py``. Figures depend on the
machine and its load: read the ratios, not only the absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
try:
    import draw_to_video  # noqa: F401
except ImportError:  # running from a checkout: make the repo importable as its package name
    import importlib.util

    spec = importlib.util.spec_from_file_location("draw_to_video", ROOT / "__init__.py",
                                                  submodule_search_locations=[str(ROOT)])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["draw_to_video"] = mod
    spec.loader.exec_module(mod)

sys.path.insert(0, str(ROOT / "tools"))  # the procedural demo scene, shared with the tests
from demo_clip import demo_clip  # noqa: E402

from draw_to_video.effects.registry import EFFECTS, apply_effect  # noqa: E402

TARGETS = {"looks": 60.0, "lens": 15.0, "geometric": 15.0, "time": 15.0, "glitch": 15.0}
"""Frames per CPU-second by effect family; effects that retime have no target (their cost is the interpolation)."""


def _timeit(fn, repeat: int) -> tuple[float, float]:
    """Best-of-``repeat`` (wall seconds, process CPU seconds). On a shared machine the CPU time is the steadier
    figure: it counts the work this process did, not the time other processes held the cores."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def bench(names, size, frames, device, repeat):
    w, h = size
    x, near = demo_clip(frames, h, w, device=device)
    copy_wall, copy_cpu = _timeit(lambda: x.clone(), max(5, repeat))
    threads = torch.get_num_threads()
    rows = [{"effect": "copy (clone)", "kind": "reference", "fps_wall": frames / copy_wall,
             "fps_core": frames / copy_cpu, "x_copy": 1.0, "out_frames": frames}]
    print(f"\n{'effect':26s} {'kind':9s} {'fps wall':>8s} {'fps cpu':>8s} {'x copy':>7s} {'target':>6s} out")
    print(f"{'copy (clone)':26s} {'reference':9s} {frames / copy_wall:8.1f} {frames / copy_cpu:8.1f} {1.0:7.1f}")
    for name in names:
        spec = EFFECTS[name]
        out_n = {}

        def run(name=name, out_n=out_n):
            y = apply_effect(name, x, 0.8, 0, depth=near)
            out_n["n"] = y.shape[0]

        apply_effect(name, x[:2, :64, :64], 0.8, 0, depth=near[:2, :64, :64])  # warm-up (kernels, imports)
        wall, cpu = _timeit(run, 1 if spec.retimes else repeat)
        fps_core = frames / (cpu / threads) if device.type == "cpu" else frames / wall  # per thread-second × threads
        target = None if spec.retimes else TARGETS[spec.kind]
        ok = "" if target is None else ("ok" if fps_core >= target else "MISS")
        rows.append({"effect": name, "kind": spec.kind, "fps_wall": frames / wall, "fps_core": fps_core,
                     "x_copy": cpu / copy_cpu, "target": target,
                     "meets_target": None if target is None else fps_core >= target, "out_frames": out_n["n"]})
        print(f"{name:26s} {spec.kind:9s} {frames / wall:8.1f} {fps_core:8.1f} {cpu / copy_cpu:7.1f} "
              f"{target or '-':>6} {out_n['n']:3d} {ok}", flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1024x576")
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    names = args.only or list(EFFECTS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    w, h = (int(v) for v in args.size.lower().split("x"))
    info = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "device": args.device,
            "size": [w, h], "frames": args.frames, "intensity": 0.8,
            "note": "taken on a shared, loaded machine; compare with the copy reference of the same run"}
    print(json.dumps(info))
    rows = bench(names, (w, h), args.frames, torch.device(args.device), args.repeat)
    (out / "effects_bench.json").write_text(json.dumps({"info": info, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
