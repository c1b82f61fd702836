"""Whole-process speed of ``python -m draw_to_video render`` beside a plain forward-splat reference process.

    python benchmarks/bench_render_cli.py [--rounds 5] [--threads 0] [--preset arc] [--frames 25]

Both sides are fresh subprocesses started from the shell's point of view (interpreter start, imports, reading,
rendering, MP4 encoding with the same writer; wall time from outside), interleaved round by round so load from
other jobs hits both alike:

(a) ours: ``python -m draw_to_video render --image photo.png --preset arc --frames 25 --out ours.mp4 --report``
    -- the built-in depth estimate, auto overscan, background fill included;
(b) reference: ``splat_reference_cli.py`` -- the same picture, a precomputed depth (.npy), a nearest-pixel
    z-buffer splat per frame without crack closing, filling or overscan, the same MP4 writer.

The photo is the bundled example resized to 1024x576. Prints the median wall time of each side, their ratio
(target: ours <= 1.5x the reference), and the median stage times both report (ms). ``--threads N`` sets
OMP_NUM_THREADS / torch threads for both (0 = leave the default). On a shared machine medians of interleaved
rounds are the figure to quote; the ratio is steadier than the absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def prepare(workdir: Path, size=(1024, 576)) -> tuple[Path, Path, dict]:
    """The 1024x576 photo (PNG) and its built-in depth estimate (.npy) in ``workdir``; the env whose
    ``python -m draw_to_video`` is this checkout."""
    link = workdir / "pkg"
    link.mkdir()
    (link / "draw_to_video").symlink_to(ROOT, target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(link)}
    code = (
        "import sys, numpy as np, cv2, torch\n"
        "from draw_to_video.render.estimate import estimate_depth\n"
        f"im = cv2.cvtColor(cv2.imread({str(ROOT / 'assets' / 'example.jpg')!r}), cv2.COLOR_BGR2RGB)\n"
        f"im = cv2.resize(im, {tuple(size)!r}, interpolation=cv2.INTER_AREA)\n"
        f"cv2.imwrite({str(workdir / 'photo.png')!r}, cv2.cvtColor(im, cv2.COLOR_RGB2BGR))\n"
        "d = estimate_depth(torch.from_numpy(im).float() / 255)\n"
        f"np.save({str(workdir / 'depth.npy')!r}, d.numpy())\n")
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return workdir / "photo.png", workdir / "depth.npy", env


def run_side(cmd: list[str], env: dict, cwd: Path) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return wall, r.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="OMP_NUM_THREADS for both sides (0 = default)")
    ap.add_argument("--preset", default="arc")
    ap.add_argument("--frames", type=int, default=25)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="d2v-bench-cli-") as tmp:
        work = Path(tmp)
        photo, depth, env = prepare(work)
        if args.threads:
            env = {**env, "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
        ours = [sys.executable, "-m", "draw_to_video", "render", "--image", str(photo), "--preset", args.preset,
                "--frames", str(args.frames), "--out", "ours.mp4", "--report", "ours.json"]
        ref = [sys.executable, str(HERE / "splat_reference_cli.py"), "--image", str(photo), "--depth", str(depth),
               "--preset", args.preset, "--frames", str(args.frames), "--out", "ref.mp4"]
        walls = {"ours": [], "reference": []}
        stages = {"ours": [], "reference": []}
        for i in range(args.rounds):
            order = [("ours", ours), ("reference", ref)] if i % 2 == 0 else [("reference", ref), ("ours", ours)]
            for name, cmd in order:
                wall, out = run_side(cmd, env, work)
                walls[name].append(wall)
                if name == "ours":
                    report = json.loads((work / "ours.json").read_text())
                    stages[name].append(report["timing_ms"])
                    coverage = min(report["coverage"])
                    overscan = report["overscan"]
                else:
                    stages[name].append(json.loads(out.strip().splitlines()[-1]))
        med = {k: statistics.median(v) for k, v in walls.items()}
        print(f"render {args.preset}, {args.frames} frames at 1024x576 -> MP4, {args.rounds} interleaved rounds, "
              f"threads {args.threads or 'default'}")
        for name in ("ours", "reference"):
            st = {k: statistics.median(s[k] for s in stages[name]) for k in stages[name][0]}
            parts = ", ".join(f"{k} {v:.0f}" for k, v in st.items())
            print(f"  {name:<9} median wall {med[name]:.2f} s (all: {', '.join(f'{w:.2f}' for w in walls[name])}); "
                  f"stages ms: {parts}")
        print(f"  ours: min coverage before filling {100 * coverage:.1f} %, overscan {overscan:.3f}x")
        print(f"  ratio ours / reference (median wall): {med['ours'] / med['reference']:.2f}x (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
