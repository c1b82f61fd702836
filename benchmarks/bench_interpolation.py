"""Frame interpolation benchmark: ours vs linear blend vs ffmpeg ``minterpolate``, same frames, same run.

Ground truth needs no download: photos bundled with scikit-image moved by known camera paths (pan / zoom /
rotation) plus an independently moving textured disc (benchmarks/synthetic.py). Each sequence has source frames
at t = 0..S-1; the held-out frames at t + 1/2 are predicted (×2) and scored (PSNR, SSIM on RGB 0..1).
Motion level = pixels per source frame at the frame's edge (and for the disc).

    /work/venv/bin/python benchmarks/bench_interpolation.py [--size 512x288] [--speed-size 1024x576]

Figures are wall-clock on whatever machine runs this (ours was shared by several jobs; compare ratios).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package, timed  # noqa: E402
from synthetic import render_sequence  # noqa: E402

d2v = import_package()
from draw_to_video.video.interpolate import interpolate_clip  # noqa: E402
from draw_to_video.video.metrics import psnr, ssim  # noqa: E402

FFMPEG_VARIANTS = {
    "ffmpeg mci (defaults)": "minterpolate=fps={fps}:mi_mode=mci",
    "ffmpeg mci aobmc/bidir": "minterpolate=fps={fps}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1",
}


def ffmpeg_interpolate(frames: np.ndarray, vf: str, fps_in: int = 10) -> np.ndarray:
    """Run ffmpeg on uint8 RGB frames (T,H,W,3) at fps_in with filter ``vf`` (yuv444p inside); return RGB floats."""
    T, H, W, _ = frames.shape
    frames = np.concatenate([frames, frames[-1:], frames[-1:]])  # ffmpeg drops the tail interval otherwise
    u8 = np.clip(frames * 255 + 0.5, 0, 255).astype(np.uint8)
    cmd = ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(fps_in),
           "-i", "-", "-vf", f"format=yuv444p,{vf.format(fps=2 * fps_in)},format=rgb24",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    out = subprocess.run(cmd, input=u8.tobytes(), capture_output=True, check=True).stdout
    res = np.frombuffer(out, np.uint8).reshape(-1, H, W, 3).astype(np.float32) / 255.0
    if res.shape[0] < 2 * T - 1:
        raise RuntimeError(f"ffmpeg returned {res.shape[0]} frames, expected at least {2 * T - 1}")
    return res[: 2 * T - 1]



def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="512x288")
    ap.add_argument("--speed-size", default="1024x576")
    ap.add_argument("--levels", default="5,15,30,60")
    ap.add_argument("--kinds", default="pan,zoom,rotate")
    ap.add_argument("--source-frames", type=int, default=4)
    ap.add_argument("--qualities", default="fast,balanced,high")
    ap.add_argument("--speed-frames", type=int, default=9)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    W, H = map(int, args.size.split("x"))
    levels = [int(x) for x in args.levels.split(",")]
    kinds = args.kinds.split(",")
    qualities = args.qualities.split(",")
    have_ffmpeg = shutil.which("ffmpeg") is not None
    S = args.source_frames
    print(f"# interpolation benchmark: {W}x{H}, kinds={kinds}, {S} source frames/sequence, x2, "
          f"held-out midpoints scored; cpu_count={os.cpu_count()}, load avg={os.getloadavg()[0]:.2f} "
          "(shared machine: timings are indicative)")
    if not have_ffmpeg:
        print("# ffmpeg not found: its columns are skipped (apt-get install -y ffmpeg)")
    methods = ["linear blend"] + (list(FFMPEG_VARIANTS) if have_ffmpeg else []) + [f"ours ({q})" for q in qualities]
    results, ff_floor = score_methods(methods, levels, kinds, qualities, S, (H, W), have_ffmpeg)
    if ff_floor:
        print(f"# ffmpeg round trip (yuv444p) on the source frames: {np.mean(ff_floor):.2f} dB (its ceiling)")
    print_quality(results, methods, levels, qualities, f"{len(kinds)} camera moves x {S - 1} held-out frames",
                  have_ffmpeg)
    if not args.no_speed:
        SW, SH = map(int, args.speed_size.split("x"))
        print_speed((SH, SW), args.speed_frames, qualities, args.repeats, have_ffmpeg)
    return 0


def score_methods(methods: list[str], levels: list[int], kinds: list[str], qualities: list[str], S: int,
                  size_hw: tuple[int, int], have_ffmpeg: bool) -> tuple[dict, list[float]]:
    """``{level: {method: [(psnr, ssim) per held-out frame]}}`` over the ``kinds`` of sequences of ``S`` source
    frames, and ffmpeg's round-trip PSNR on the source frames (its ceiling) per run."""
    results = {lv: {m: [] for m in methods} for lv in levels}
    ff_floor = []
    for lv in levels:
        for kind in kinds:
            times = np.arange(0, S - 1 + 1e-9, 0.5)
            seq = render_sequence(kind, lv, times, size=size_hw, seed=lv + len(kind))
            src, gt = seq[0::2], seq[1::2]
            preds = {"linear blend": 0.5 * (src[:-1] + src[1:])}
            if have_ffmpeg:
                for name, vf in FFMPEG_VARIANTS.items():
                    out = ffmpeg_interpolate(src, vf)
                    preds[name] = out[1:2 * (S - 1):2]
                    ff_floor.append(psnr(out[0::2], src))
            for q in qualities:
                out, _ = interpolate_clip(src, multiplier=2, quality=q)
                preds[f"ours ({q})"] = out.numpy()[1::2]
            for m in methods:
                p = preds[m]
                assert p.shape == gt.shape, (m, p.shape, gt.shape)
                for a, b in zip(p, gt, strict=True):
                    results[lv][m].append((psnr(a, b), ssim(a, b)))
    return results, ff_floor


def print_quality(results: dict, methods: list[str], levels: list[int], qualities: list[str], over: str,
                  have_ffmpeg: bool) -> None:
    """The PSNR / SSIM table per motion level, the means, and ours minus the best ffmpeg per level."""
    colw = max(len(m) for m in methods) + 2
    print(f"\nPSNR dB / SSIM per motion level (px per source frame), mean over {over}")
    print("level".ljust(8) + "".join(m.rjust(colw) for m in methods))
    means = {m: [] for m in methods}
    for lv in levels:
        row = f"{lv:<8}"
        for m in methods:
            arr = np.array(results[lv][m])
            row += f"{arr[:, 0].mean():6.2f} / {arr[:, 1].mean():.3f}".rjust(colw)
            means[m].append(arr[:, 0].mean())
        print(row)
    print("mean".ljust(8) + "".join(f"{np.mean(means[m]):6.2f} dB".rjust(colw) for m in methods))
    if have_ffmpeg:
        best_ff = np.maximum(*[np.array(means[n]) for n in FFMPEG_VARIANTS])
        for q in qualities:
            d = np.array(means[f"ours ({q})"]) - best_ff
            print(f"# ours ({q}) minus best ffmpeg per level: {np.round(d, 2).tolist()} dB, mean {d.mean():+.2f} dB")


def print_speed(size_hw: tuple[int, int], n: int, qualities: list[str], reps: int, have_ffmpeg: bool) -> None:
    """Interpolated frames per second and CPU s/frame of ffmpeg and ours (×2 of ``n`` frames, best of ``reps``)."""
    SH, SW = size_hw
    src = render_sequence("pan", 15, np.arange(n), size=(SH, SW), seed=1)
    print(f"\nspeed at {SW}x{SH}, {n} source frames -> x2 ({n - 1} interpolated frames), same frames:")
    rows = []
    if have_ffmpeg:
        for name, vf in FFMPEG_VARIANTS.items():
            wall, cpu = timed(lambda vf=vf: ffmpeg_interpolate(src, vf), reps, children=True)
            rows.append((name, (n - 1) / wall, cpu / (n - 1)))
    for q in qualities:
        wall, cpu = timed(lambda q=q: interpolate_clip(src, multiplier=2, quality=q), reps)
        rows.append((f"ours ({q})", (n - 1) / wall, cpu / (n - 1)))
    ff = [r for r in rows if r[0].startswith("ffmpeg")]
    ff_fps = max((r[1] for r in ff), default=None)
    ff_cpu = min((r[2] for r in ff), default=None)
    print(f"  (best of {reps}; CPU s/frame = process CPU time incl. all threads / children, less sensitive to "
          "other jobs on the machine)")
    for name, fps, cpu in rows:
        rel = ""
        if ff_fps and not name.startswith("ffmpeg"):
            rel = f"  ({fps / ff_fps:.1f}x fastest ffmpeg by wall clock, {ff_cpu / cpu:.1f}x by CPU time)"
        print(f"  {name:<28} {fps:7.2f} interpolated frames/s  {cpu:7.4f} CPU s/frame{rel}")


if __name__ == "__main__":
    sys.exit(main())
