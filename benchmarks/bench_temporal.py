"""Temporal consistency benchmark: ours vs ffmpeg ``deflicker``, same frames, same run.

Clean clips (scikit-image photos under known camera moves with a moving disc, benchmarks/synthetic.py) get
synthetic flicker; we report PSNR to the clean clip, E_warp (Lai et al. 2018; flow on the clean clip, i.e. the
unprocessed video as in their protocol) as absolute value, ratio to the flickering input and the clean clip's own
floor, HF energy ratio (detail kept, vs clean) and speed.

Reference flicker model (per frame t, seeded): global gain g_t ~ N(1, 0.05²); per-channel offsets
o_{t,c} ~ N(0, 0.02²); a smooth spatial gain field 1 + 0.05·f_t(x) (f_t: unit-std 4x3 random grid, bicubic
upsampled); additive Gaussian noise σ = 0.01:  I_t = clip((C_t · g_t · (1 + 0.05 f_t) + o_t) + n_t, 0, 1).
``--strong`` doubles the flicker amplitudes.

    /work/venv/bin/python benchmarks/bench_temporal.py [--size 512x288] [--frames 24]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package, timed  # noqa: E402
from synthetic import render_sequence  # noqa: E402

import_package()
from draw_to_video.video.metrics import hf_energy_ratio, psnr, ssim, warp_error  # noqa: E402
from draw_to_video.video.temporal import temporal_consistency  # noqa: E402


def add_flicker(clean: np.ndarray, seed: int = 0, amp: float = 1.0, noise: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    T, H, W, C = clean.shape
    out = np.empty_like(clean)
    for t in range(T):
        g = 1 + amp * 0.05 * rng.standard_normal()
        o = amp * 0.02 * rng.standard_normal(C)
        field = cv2.resize(rng.standard_normal((3, 4)).astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
        field = field / (field.std() + 1e-6)
        f = clean[t] * g * (1 + amp * 0.05 * field[..., None]) + o + noise * rng.standard_normal((H, W, C))
        out[t] = np.clip(f, 0, 1)
    return out.astype(np.float32)


def ffmpeg_deflicker(frames: np.ndarray, size: int = 5, mode: str = "am") -> np.ndarray:
    T, H, W, _ = frames.shape
    u8 = np.clip(frames * 255 + 0.5, 0, 255).astype(np.uint8)
    cmd = ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", "12",
           "-i", "-", "-vf", f"format=gbrp,deflicker=size={size}:mode={mode},format=rgb24",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    out = subprocess.run(cmd, input=u8.tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, H, W, 3)[:T].astype(np.float32) / 255.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="512x288")
    ap.add_argument("--speed-size", default="1024x576")
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--kinds", default="pan,zoom,rotate")
    ap.add_argument("--speed", type=float, default=6.0, help="camera motion, px per frame")
    ap.add_argument("--strong", action="store_true")
    ap.add_argument("--noise", type=float, default=0.01, help="noise sigma of the flicker model (reference: 0.01)")
    ap.add_argument("--sigma", type=float, default=6.0)
    ap.add_argument("--detail", type=float, default=0.5, help="also run ours with this detail (besides 1.0)")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    W, H = map(int, args.size.split("x"))
    amp = 2.0 if args.strong else 1.0
    have_ffmpeg = shutil.which("ffmpeg") is not None
    print(f"# temporal benchmark: {W}x{H}, {args.frames} frames, moves={args.kinds} at {args.speed} px/frame, "
          f"flicker amp x{amp}, noise {args.noise}; ours sigma={args.sigma} strength=1; cpu_count={os.cpu_count()}, "
          f"load avg={os.getloadavg()[0]:.2f} (shared machine: timings are indicative)")
    rows = {}
    for i, kind in enumerate(args.kinds.split(",")):
        clean = render_sequence(kind, args.speed, np.arange(args.frames), size=(H, W), seed=10 + i)
        noisy = add_flicker(clean, seed=100 + i, amp=amp, noise=args.noise)
        outs = {"input (flicker)": noisy}
        if have_ffmpeg:
            outs["ffmpeg deflicker am/5"] = ffmpeg_deflicker(noisy)
        for d in sorted({1.0, args.detail}, reverse=True):
            outs[f"ours (detail={d:g})"] = temporal_consistency(noisy, sigma=args.sigma, detail=d).numpy()
        floor = warp_error(clean)
        for name, o in outs.items():
            e = warp_error(o, clean)
            rows.setdefault(name, []).append((psnr(o, clean), ssim(o, clean), e, e / warp_error(noisy, clean),
                                              e / floor, hf_energy_ratio(o, clean)))
        rows.setdefault("clean (floor)", []).append((float("inf"), 1.0, floor, floor / warp_error(noisy, clean),
                                                     1.0, 1.0))
    print(f"\n{'method':<24}{'PSNR dB':>9}{'SSIM':>8}{'E_warp':>10}{'/input':>8}{'/floor':>8}{'HF ratio':>10}")
    for name, r in rows.items():
        a = np.array(r)
        print(f"{name:<24}{a[:, 0].mean():9.2f}{a[:, 1].mean():8.4f}{a[:, 2].mean():10.6f}{a[:, 3].mean():8.3f}"
              f"{a[:, 4].mean():8.3f}{a[:, 5].mean():10.3f}")
    if not args.no_speed:
        SW, SH = map(int, args.speed_size.split("x"))
        n = 12
        clip = add_flicker(render_sequence("pan", 6, np.arange(n), size=(SH, SW), seed=3), seed=3)
        print(f"\nspeed at {SW}x{SH}, {n} frames (best of 2; CPU s/frame = process CPU incl. threads/children):")
        if have_ffmpeg:
            wall, cpu = timed(lambda: ffmpeg_deflicker(clip), children=True)
            _row("ffmpeg deflicker am/5", wall, cpu, n)
        for d in sorted({1.0, args.detail}):
            wall, cpu = timed(lambda d=d: temporal_consistency(clip, sigma=args.sigma, detail=d))
            _row(f"ours (detail={d})", wall, cpu, n)
    return 0


def _row(name: str, wall: float, cpu: float, n: int) -> None:
    print(f"  {name:<24} {wall / n:.4f} s/frame  {n / wall:6.2f} frames/s  {cpu / n:.4f} CPU s/frame")



if __name__ == "__main__":
    sys.exit(main())
