"""Benchmark of the 2.5D camera-motion render: geometry, speed, memory, quality.

    python benchmarks/bench_render.py [--device cpu|cuda] [--threads N] [--skip-geometry] [--quick]

1. Geometry: a textured synthetic scene with known depth (ground plane, far wall, two boxes) is rendered along
   every preset; each rendered frame's pose is recovered with OpenCV (SIFT matches to the source + RANSAC PnP
   against the known depth) and compared with the true pose: rotation error (deg) and translation error (% of
   the move). Targets: < 0.1 deg, < 2 %.
2. Speed at 1024x576, 25 frames (the bundled photo upscaled, its estimated depth): ms per frame and peak memory
   of ``render_views`` (hole filling included, with fill="none", and filled with depth of field 1 + motion blur
   0.5) beside a straightforward reference measured in the same run: a nearest-pixel z-buffer forward splat in
   plain torch without crack closing or filling (``splat_reference`` below). Timings interleave the
   renderers round by round (best of 6 rounds); peak memory (added by the render, output frames included) comes
   from one fresh subprocess per renderer.
3. Quality per preset on the photo: hole fraction before filling (and the plain splat's empty pixels) and a
   sharpness ratio (Laplacian energy of the render on visible pixels / the source's energy carried there).

Figures from a shared, loaded machine are noisy: compare the ratios to the reference printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    # run as a script: make ``import draw_to_video`` mean this checkout
    import importlib.util

    spec = importlib.util.spec_from_file_location("draw_to_video", ROOT / "__init__.py",
                                                  submodule_search_locations=[str(ROOT)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["draw_to_video"] = module
    spec.loader.exec_module(module)

import torch  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.camera.presets import PRESETS  # noqa: E402
from draw_to_video.render.estimate import estimate_depth  # noqa: E402
from draw_to_video.render.reproject import render_views  # noqa: E402
from draw_to_video.video.read import read_frames  # noqa: E402


def splat_reference(image: torch.Tensor, camera, depth: torch.Tensor) -> torch.Tensor:
    """A straightforward forward warp: nearest-pixel splat of every source pixel with a z-buffer, no crack
    closing, no hole filling. Returns frames [F, H, W, 3] (holes black). Used as the speed/quality reference."""
    h, w = depth.shape
    dev = image.device
    K = camera.intrinsics(w, h)
    rel = camera.w2c() @ camera.c2w[0]
    # pixel centres lifted to camera-0 coordinates with their depth
    d = depth.to(dev).float()
    xs = (torch.arange(w, device=dev, dtype=torch.float32) + 0.5 - float(K[0][0, 2])) / float(K[0][0, 0])
    ys = (torch.arange(h, device=dev, dtype=torch.float32) + 0.5 - float(K[0][1, 2])) / float(K[0][1, 1])
    points = torch.stack([d * xs[None, :], d * ys[:, None], d]).reshape(3, -1)
    colors = image.reshape(-1, 3).float()
    out = torch.zeros((camera.frames, h * w, 3), device=dev)
    for i in range(camera.frames):
        P = torch.as_tensor(K[i] @ rel[i, :3, :], dtype=torch.float32, device=dev)
        q = P[:, :3] @ points + P[:, 3:]
        z = q[2]
        ok = z > 1e-3
        zs = torch.where(ok, z, torch.ones_like(z))
        ix = torch.floor(q[0] / zs)
        iy = torch.floor(q[1] / zs)
        ok &= (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        lin = torch.where(ok, (iy * w + ix).long().clamp(0, h * w - 1), torch.full_like(z, h * w, dtype=torch.long))
        zbuf = torch.full((h * w + 1,), float("inf"), device=dev).scatter_reduce_(0, lin, z, "amin")
        win = ok & (z <= zbuf[lin])
        frame = torch.zeros((h * w + 1, 3), device=dev)
        frame[torch.where(win, lin, h * w)] = colors
        out[i] = frame[:-1]
    return out.view(camera.frames, h, w, 3)


# --------------------------------------------------------------------------------------------------------------
# scenes
# --------------------------------------------------------------------------------------------------------------


def synthetic_scene(h: int, w: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A multi-scale random texture and a known depth: ground plane below the horizon, far wall above, two boxes."""
    rng = np.random.default_rng(seed)
    import cv2

    tex = np.zeros((h, w, 3), np.float32)
    for scale, amp in ((4, 0.35), (16, 0.3), (64, 0.25)):
        small = rng.random((max(2, h // scale), max(2, w // scale), 3)).astype(np.float32)
        tex += amp * cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    tex += 0.1 * rng.random((h, w, 3)).astype(np.float32)
    tex = np.clip(tex / tex.max(), 0, 1)
    y = (np.arange(h) + 0.5)[:, None] / h
    horizon = 0.45
    ground = 1.0 / np.maximum(y - horizon, 1e-3)  # camera 1 above a flat ground (1/3 of the median), level
    depth = np.where(y > horizon + 0.06, np.minimum(ground, 3.0), 3.0) * np.ones((1, w))
    depth[int(0.35 * h):int(0.8 * h), int(0.15 * w):int(0.35 * w)] = 0.9  # a box on the left
    depth[int(0.25 * h):int(0.7 * h), int(0.6 * w):int(0.75 * w)] = 1.4  # a farther box on the right
    depth = depth / np.median(depth)
    return torch.from_numpy(tex), torch.from_numpy(depth.astype(np.float32))


def photo(h: int, w: int) -> torch.Tensor:
    import torch.nn.functional as F

    frames, _ = read_frames(ROOT / "assets" / "example.jpg")
    img = torch.from_numpy(frames[0]).permute(2, 0, 1)[None]
    return F.interpolate(img, size=(h, w), mode="bicubic", align_corners=False)[0].permute(1, 2, 0).clamp(0, 1)


# --------------------------------------------------------------------------------------------------------------
# 1. geometry
# --------------------------------------------------------------------------------------------------------------

def rotation_angle_deg(r: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))))


def recover_pose(src_gray, frame_gray, depth, K0, K, sift, matcher):
    import cv2

    kp0, d0 = sift.detectAndCompute(src_gray, None)
    kp1, d1 = sift.detectAndCompute(frame_gray, None)
    if d0 is None or d1 is None or len(kp0) < 8 or len(kp1) < 8:
        return None
    matches = matcher.knnMatch(d0, d1, k=2)
    good = [m[0] for m in matches if len(m) == 2 and m[0].distance < 0.75 * m[1].distance]
    if len(good) < 12:
        return None
    uv0 = np.array([kp0[m.queryIdx].pt for m in good])
    uv1 = np.array([kp1[m.trainIdx].pt for m in good], dtype=np.float64)
    # OpenCV keypoint coordinates have pixel centres at integers; the pack's at +0.5 (see camera/lens.py)
    h, w = depth.shape
    ij = np.clip(np.floor(uv0 + 0.5).astype(int), 0, [w - 1, h - 1])
    z = depth[ij[:, 1], ij[:, 0]]
    # the 3-D point on the keypoint's own ray (pack pixel centres at +0.5) at the depth of its pixel
    obj = np.stack([(uv0[:, 0] + 0.5 - K0[0, 2]) / K0[0, 0] * z, (uv0[:, 1] + 0.5 - K0[1, 2]) / K0[1, 1] * z, z], 1)
    ok, rvec, tvec, inliers = cv2.solvePnPRansac(obj.astype(np.float64), uv1 + 0.5, K, None,
                                                 reprojectionError=1.0, iterationsCount=2000,
                                                 flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok or inliers is None or len(inliers) < 12:
        return None
    idx = inliers[:, 0]
    ok, rvec, tvec = cv2.solvePnP(obj[idx].astype(np.float64), uv1[idx] + 0.5, K, None, rvec, tvec, True,
                                  flags=cv2.SOLVEPNP_ITERATIVE)
    r, _ = cv2.Rodrigues(rvec)
    return r, tvec[:, 0], len(idx)


def bench_geometry(device: torch.device, size=(360, 640), frames=25, step=4) -> list[dict]:
    import cv2

    h, w = size
    img, depth = synthetic_scene(h, w)
    sift = cv2.SIFT_create(nfeatures=4000)
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    src_gray = (img.numpy().mean(-1) * 255).astype(np.uint8)
    rows = []
    for name in PRESETS:
        cam = build_trajectory(name, frames=frames)
        res = render_views(img.to(device), cam, depth.to(device), fill="none")
        K = cam.intrinsics(w, h)
        rel = cam.w2c() @ cam.c2w[0]
        depth_used = res.depth.cpu().numpy()
        move = max(1e-9, float(np.linalg.norm(cam.c2w[:, :3, 3] - cam.c2w[0, :3, 3], axis=1).max()))
        rot_err, tr_err, n_ok, n_tried = [], [], 0, 0
        for i in list(range(step, frames, step)) + [frames - 1]:
            n_tried += 1
            frame = res.frames[i].cpu().numpy()
            got = recover_pose(src_gray, (frame.mean(-1) * 255).astype(np.uint8), depth_used, K[0], K[i], sift,
                               matcher)
            if got is None:
                continue
            r, t, _ = got
            n_ok += 1
            rot_err.append(rotation_angle_deg(r @ rel[i, :3, :3].T))
            # camera centres: c = -Rᵀt
            c_est = -r.T @ t
            c_true = -rel[i, :3, :3].T @ rel[i, :3, 3]
            tr_err.append(100.0 * float(np.linalg.norm(c_est - c_true)) / move)
        rows.append({"preset": name, "move": move, "frames_posed": f"{n_ok}/{n_tried}",
                     "rot_err_max_deg": max(rot_err) if rot_err else float("nan"),
                     "rot_err_mean_deg": float(np.mean(rot_err)) if rot_err else float("nan"),
                     "trans_err_max_pct": max(tr_err) if tr_err and move > 1e-6 else float("nan"),
                     "coverage_min": float(res.coverage.min())})
    return rows


# --------------------------------------------------------------------------------------------------------------
# 2. speed (each case in a child process so its peak memory is its own)
# --------------------------------------------------------------------------------------------------------------

SPEED_PRESET = "arc"


KINDS = ("reference", "ours:none", "ours:background", "ours:lens")
"""ours:lens = filled, with depth of field 1 (physical) and motion blur 0.5 (180-degree shutter)."""


def _speed_setup(device: str, frames: int, size=(576, 1024)):
    dev = torch.device(device)
    h, w = size
    img = photo(h, w).to(dev)
    depth = estimate_depth(img)
    cam = build_trajectory(SPEED_PRESET, frames=frames)
    return dev, img, depth, cam


def _run_kind(kind: str, img, cam, depth):
    if kind == "reference":
        return splat_reference(img, cam, depth)
    if kind == "ours:lens":
        return render_views(img, cam, depth, fill="background", depth_of_field=1.0, motion_blur=0.5)
    return render_views(img, cam, depth, fill=kind.split(":")[1])


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_child(kind: str, device: str, threads: int, frames: int) -> dict:
    """One render in a fresh process; a sampling thread reads the resident set every 2 ms, so the figure is the
    peak memory the render adds on top of what was resident before it (inputs, libraries)."""
    import threading

    torch.set_num_threads(threads)
    dev, img, depth, cam = _speed_setup(device, frames)
    base = _rss_mib()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mib())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        cuda_base = torch.cuda.memory_allocated()
    _run_kind(kind, img, cam, depth)
    done.set()
    sampler.join()
    out = {"kind": kind, "peak_rss_mib": max(peak[0], _rss_mib()) - base}
    if dev.type == "cuda":
        out["peak_cuda_mib"] = (torch.cuda.max_memory_allocated() - cuda_base) / 2**20
    return out


def bench_speed(device: str, threads: int, frames: int, rounds: int = 6) -> list[dict]:
    """Timing: the renderers interleaved round by round in this process (so load changes hit them alike),
    best round each; memory: one fresh child process per renderer."""
    torch.set_num_threads(threads)
    dev, img, depth, cam = _speed_setup(device, frames)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    best = dict.fromkeys(KINDS, float("inf"))
    for kind in KINDS:  # warm-up
        _run_kind(kind, img, cam, depth)
    for _ in range(rounds):
        for kind in KINDS:
            sync()
            t0 = time.perf_counter()
            _run_kind(kind, img, cam, depth)
            sync()
            best[kind] = min(best[kind], time.perf_counter() - t0)
    rows = []
    for kind in KINDS:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--device", device,
               "--threads", str(threads), "--frames", str(frames)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                           env={**os.environ, "OMP_NUM_THREADS": str(threads)})
        if r.returncode != 0:
            raise RuntimeError(r.stderr[-2000:])
        mem = json.loads(r.stdout.strip().splitlines()[-1])
        rows.append({**mem, "threads": threads, "ms_per_frame": 1000 * best[kind] / frames,
                     "fps": frames / best[kind]})
    return rows


# --------------------------------------------------------------------------------------------------------------
# 3. quality
# --------------------------------------------------------------------------------------------------------------

def laplacian_sq(gray: torch.Tensor) -> torch.Tensor:
    """Squared 4-neighbour Laplacian [H, W] (zero on the border)."""
    lap = torch.zeros_like(gray)
    lap[1:-1, 1:-1] = 4 * gray[1:-1, 1:-1] - gray[:-2, 1:-1] - gray[2:, 1:-1] - gray[1:-1, :-2] - gray[1:-1, 2:]
    return lap * lap


def bench_quality(device: torch.device, size=(576, 1024), frames=25) -> list[dict]:
    """Hole fraction, and sharpness = Laplacian energy of the render on visible pixels divided by the source's
    Laplacian energy carried to the same pixels (the source's energy map rendered along the same move, nearest
    within the surface). 1 = no detail lost in resampling; magnification lowers it by itself (zoom-ins)."""
    h, w = size
    img = photo(h, w).to(device)
    depth = estimate_depth(img)
    energy = laplacian_sq(img.mean(-1))
    scale = float(energy.max())
    energy_img = (energy / scale)[..., None].expand(h, w, 3).contiguous()
    rows = []
    for name in ("dolly_in", "truck_left", "orbit_right", "arc", "pan_right", "crash_zoom_in", "crane_up"):
        cam = build_trajectory(name, frames=frames)
        res = render_views(img, cam, depth)
        carried = render_views(energy_img, cam, depth, fill="none").frames[..., 0] * scale
        ref = splat_reference(img, cam, depth)
        ref_holes = float((ref.sum(-1) == 0).float().mean())
        sharp = []
        for i in range(1, frames):
            # visible pixels at least 2 px away from any hole (a Laplacian there would see the filled side)
            vis = 1.0 - torch.nn.functional.max_pool2d(res.holes[i][None, None], 5, 1, 2)[0, 0]
            vis[:2] = vis[-2:] = 0
            vis[:, :2] = vis[:, -2:] = 0
            sharp.append(float((laplacian_sq(res.frames[i].mean(-1)) * vis).sum() / (carried[i] * vis).sum()))
        rows.append({"preset": name, "holes_pct": 100 * float(res.holes.mean()), "ref_holes_pct": 100 * ref_holes,
                     "sharpness_mean": float(np.mean(sharp)), "sharpness_min": float(np.min(sharp))})
    return rows


def speed(args, threads: list[int]) -> None:
    print(f"\n## Speed: 1024x576, {args.frames} frames, preset {SPEED_PRESET}, bundled photo + estimated depth")
    print(f"{'renderer':<18}{'threads':>8}{'ms/frame':>10}{'frames/s':>10}{'+RSS MiB':>10}{'+CUDA MiB':>11}")
    for r in [row for t in threads for row in bench_speed(args.device, t, args.frames)]:
        name = {"reference": "reference splat", "ours:none": "ours, no fill", "ours:background": "ours, filled",
                "ours:lens": "filled+DoF+blur"}
        print(f"{name[r['kind']]:<18}{r['threads']:>8}{r['ms_per_frame']:>10.1f}{r['fps']:>10.1f}"
              f"{r['peak_rss_mib']:>10.0f}{r.get('peak_cuda_mib', float('nan')):>11.0f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: 1 and the default)")
    p.add_argument("--frames", type=int, default=25)
    p.add_argument("--skip-geometry", action="store_true")
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(memory_child(args.child, args.device, args.threads or torch.get_num_threads(), args.frames)))
        return 0
    dev = torch.device(args.device)
    torch.set_num_threads(args.threads or 1)  # the untimed parts (quality, geometry): one thread on a shared box
    print(f"# bench_render: device {args.device}, torch {torch.__version__}, {os.cpu_count()} CPU cores; "
          f"load average {os.getloadavg()[0]:.1f} (shared machine: timings are noisy, read them against the "
          f"reference measured in the same run)")
    if dev.type == "cuda":
        print(f"# GPU: {torch.cuda.get_device_name()}")
    threads = [args.threads] if args.threads else sorted({1, torch.get_num_threads()})
    if not args.skip_speed:
        speed(args, threads)
    if not args.skip_quality:
        print("\n## Quality: bundled photo at 1024x576, estimated depth, 25 frames")
        print(f"{'preset':<16}{'holes %':>9}{'ref holes %':>13}{'sharpness mean':>16}{'min':>7}")
        for r in bench_quality(dev, frames=args.frames):
            print(f"{r['preset']:<16}{r['holes_pct']:>9.1f}{r['ref_holes_pct']:>13.1f}{r['sharpness_mean']:>16.2f}"
                  f"{r['sharpness_min']:>7.2f}")
        print("(sharpness: Laplacian energy of the render on visible pixels / the source's energy carried to those "
              "pixels; 1 = no detail lost, zoom-ins lose some by magnifying; ref holes = empty pixels of the plain "
              "splat, cracks included)")
    if not args.skip_geometry:
        print("\n## Geometry: synthetic textured scene 640x360 with known depth, pose recovered by SIFT + PnP "
              "(every 4th frame and the last)")
        print(f"{'preset':<16}{'posed':>7}{'rot max °':>11}{'rot mean °':>12}{'trans max % of move':>21}"
              f"{'min coverage':>14}")
        for r in bench_geometry(dev, frames=args.frames):
            print(f"{r['preset']:<16}{r['frames_posed']:>7}{r['rot_err_max_deg']:>11.3f}{r['rot_err_mean_deg']:>12.3f}"
                  f"{r['trans_err_max_pct']:>21.2f}{r['coverage_min']:>14.2f}")
        print("(targets: rotation < 0.1°, translation < 2 % of the move; nan = no translation in the move)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
