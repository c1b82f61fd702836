"""The ``batch`` command beside a shell loop of the CLI and ``xargs -P 2`` of it, and the driver's memory.

    python benchmarks/bench_batch.py prepare DIR [--renders 16] [--rows 200]
    python benchmarks/bench_batch.py driver DIR/mem200.jsonl OUT  # one batch in this process; prints its figures
    python benchmarks/bench_batch.py interleave DIR [--rounds 3]  # all three ways in turn, whole processes

``prepare`` writes the inputs: five real photos (the bundled example and scikit-image's astronaut, coffee, chelsea,
rocket) cover-cropped to 640x360 PNGs; ``m16.jsonl`` (16 renders, 25 frames each, presets in turn);
``mem16.jsonl`` and ``mem200.jsonl`` (the same rows made cheap, 2 frames at 160 px: 16 and 200 of them, for the
driver's memory);
``loop.sh`` (the 16 renders one after another, each a ``python -m draw_to_video render`` process), ``xargs.sh``
(the same 16 command lines through ``xargs -P 2``), ``xargs1.sh`` (the same with ``OMP_NUM_THREADS=1``: one
torch thread a process, as a batch job has) and ``batch.sh`` (``python -m draw_to_video batch --manifest
m16.jsonl --no-resume``), all running this checkout.
Time them as whole processes (each script's wall time from outside), paired, on a quiet machine if you have one.

``driver`` runs ``pipelines/batch.run_batch`` in this process and prints JSON: wall seconds, Ray's start, the
driver's own peak RSS (``ru_maxrss`` of this process only: Ray's raylet and workers are other processes) and the
outcome; run it on mem16 and mem200 to see that the driver's memory does not grow with the manifest.

``interleave`` runs batch / loop / xargs in turn ``--rounds`` times and prints each one's median wall seconds and the
ratios (a stand-in for an external timer; quote medians, say the load).
"""

from __future__ import annotations

import argparse
import json
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRESETS = ("dolly_in", "orbit_left", "pan_left", "truck_right", "crane_up", "arc", "tilt_up", "dolly_out")
SIZE = (640, 360)
FRAMES = 25
MEMORY_ROW = {"frames": 2, "max_size": 160}
"""The driver's memory rows: cheap renders (the driver never holds frames; what grows with a manifest is rows)."""


def _pictures(folder: Path) -> list[Path]:
    from PIL import Image, ImageOps
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    images = {"example": Image.open(ROOT / "assets" / "example.jpg").convert("RGB")}
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        images[name] = Image.fromarray(getattr(data, name)())
    paths = []
    for name, im in images.items():
        p = folder / f"{name}.png"
        ImageOps.fit(im, SIZE, Image.Resampling.LANCZOS).save(p)
        paths.append(p)
    return paths


def prepare(folder: Path, renders: int, rows: int) -> None:
    folder = folder.resolve()
    pics = _pictures(folder / "pics")
    link = folder / "pkg"
    link.mkdir(exist_ok=True)
    if not (link / "draw_to_video").exists():
        (link / "draw_to_video").symlink_to(ROOT, target_is_directory=True)

    def row(i: int) -> dict:
        return {"image": f"pics/{pics[i % len(pics)].name}", "preset": PRESETS[i % len(PRESETS)], "frames": FRAMES,
                "out": f"r{i:03d}.mp4"}

    (folder / f"m{renders}.jsonl").write_text("".join(json.dumps(row(i)) + "\n" for i in range(renders)))
    for n in (renders, rows):  # the driver's memory: short clips (it does not hold frames), 16 vs many rows
        (folder / f"mem{n}.jsonl").write_text("".join(json.dumps({**row(i), **MEMORY_ROW}) + "\n"
                                                      for i in range(n)))
    env = f"export PYTHONPATH={shlex.quote(str(link))}\ncd {shlex.quote(str(folder))}\nmkdir -p loop xargs\n"
    lines = [f"render --image {row(i)['image']} --preset {row(i)['preset']} --frames {FRAMES} --out "
             f"OUT/{row(i)['out']}" for i in range(renders)]
    py = shlex.quote(sys.executable)
    (folder / "loop.sh").write_text("set -e\n" + env + "".join(
        f"{py} -m draw_to_video {line.replace('OUT/', 'loop/')} >/dev/null 2>&1\n" for line in lines))
    (folder / "args.txt").write_text("".join(line.replace("OUT/", "xargs/") + "\n" for line in lines))
    (folder / "xargs.sh").write_text("set -e\n" + env + f"xargs -P 2 -L 1 {py} -m draw_to_video < args.txt "
                                     ">/dev/null 2>&1\n")
    (folder / "xargs1.sh").write_text("set -e\n" + env + f"export OMP_NUM_THREADS=1\nxargs -P 2 -L 1 {py} -m "
                                      "draw_to_video < args.txt >/dev/null 2>&1\n")  # one torch thread each
    (folder / "batch.sh").write_text("set -e\n" + env + f"{py} -m draw_to_video batch --manifest m{renders}.jsonl "
                                     "--out batch --no-resume >/dev/null 2>&1\n")
    print(f"wrote {folder}: m{renders}.jsonl, mem{renders}.jsonl, mem{rows}.jsonl, loop.sh, xargs.sh, xargs1.sh, "
          "batch.sh")


def driver(manifest: Path, out: Path) -> None:
    sys.path.insert(0, str(HERE))
    from _pkg import import_package

    import_package()
    from draw_to_video.pipelines.batch import run_batch

    t0 = time.perf_counter()
    s = run_batch(manifest, out, resume=False)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"manifest": manifest.name, "ok": s.ok, "failed": s.failed, "seconds": round(wall, 2),
                      "ray_start_seconds": round(s.ray_start_seconds, 2), "driver_peak_mb": round(peak_mb, 1)}))


def interleave(folder: Path, rounds: int) -> None:
    times: dict[str, list[float]] = {"batch": [], "loop": [], "xargs": []}
    for _ in range(rounds):
        for name in times:
            t0 = time.perf_counter()
            subprocess.run(["sh", str(folder / f"{name}.sh")], check=True)
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(json.dumps({"median_s": {k: round(v, 2) for k, v in med.items()},
                      "loop/batch": round(med["loop"] / med["batch"], 2),
                      "xargs/batch": round(med["xargs"] / med["batch"], 2), "runs": times}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("dir", type=Path, nargs="?", default=Path(tempfile.mkdtemp(prefix="d2v-bench-batch-")))
    p.add_argument("--renders", type=int, default=16)
    p.add_argument("--rows", type=int, default=200)
    d = sub.add_parser("driver")
    d.add_argument("manifest", type=Path)
    d.add_argument("out", type=Path)
    i = sub.add_parser("interleave")
    i.add_argument("dir", type=Path)
    i.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if a.cmd == "prepare":
        prepare(a.dir, a.renders, a.rows)
    elif a.cmd == "driver":
        driver(a.manifest, a.out)
    else:
        interleave(a.dir, a.rounds)


if __name__ == "__main__":
    main()
