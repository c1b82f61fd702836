"""What one photo holds: every preset and director style on real photos, with the 2.5D render's move cap.

    python benchmarks/bench_move_caps.py [--frames 25] [--max-side 384] [--photos astronaut,coffee,...|FILE.png]
                                         [--presets all|NAME,...] [--uncapped]

Per photo and preset, the job the ``render`` command runs (the aim: the subject found in the picture at its depth,
``pipelines/render.aim_of``; the built-in depth; every render default: move cap auto, auto overscan, background
fill) and prints: the share of the move rendered (``cap``, 1 = all) and its note, the worst frame's coverage before
filling, the largest share of stretched pixels (magnified > 2x in area, ``RenderResult.stretched``), the largest
overscan zoom, and how far frame 0 is from the picture (largest absolute difference, 0..1). ``--uncapped`` adds
the same move with ``move_cap="off"`` (its worst coverage) beside it. Photos: scikit-image names (astronaut,
coffee, rocket, chelsea, motorcycle = the left view of ``stereo_motorcycle``) or image files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

import_package()
import torch  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.camera.presets import PRESETS  # noqa: E402
from draw_to_video.pipelines.render import aim_of, render_clip  # noqa: E402

PHOTOS = ("astronaut", "coffee", "rocket", "motorcycle")


def load_photo(name: str, max_side: int) -> torch.Tensor:
    """[H, W, 3] float 0..1, longer side at most ``max_side`` (area downscale)."""
    if Path(name).suffix:
        rgb = cv2.cvtColor(cv2.imread(name, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    else:
        import skimage.data

        rgb = skimage.data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(skimage.data, name)()
        rgb = rgb[..., :3]
    h, w = rgb.shape[:2]
    s = min(1.0, max_side / max(h, w))
    if s < 1:
        rgb = cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(np.ascontiguousarray(rgb)).float() / 255.0


def measure(img: torch.Tensor, preset: str, frames: int, uncapped: bool) -> dict:
    t = time.perf_counter()
    aim = aim_of(img, None, None, None, "disparity")
    cam = build_trajectory(preset=preset, frames=frames, focus=(aim.x, aim.y), subject_depth=aim.depth)
    res = render_clip(img, cam)
    seconds = time.perf_counter() - t
    cap = res.move_cap
    row = {"cap": cap.fraction if cap else 1.0, "note": cap.describe() if cap else "",
           "coverage": float(res.coverage.min()), "stretched": float(res.stretched.max()),
           "overscan": float(res.overscan), "frame0": float((res.frames[0] - img).abs().max()), "seconds": seconds}
    if uncapped:
        row["uncapped"] = float(render_clip(img, cam, move_cap="off").coverage.min())
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--max-side", type=int, default=384)
    ap.add_argument("--photos", default=",".join(PHOTOS))
    ap.add_argument("--presets", default="all")
    ap.add_argument("--uncapped", action="store_true")
    args = ap.parse_args()
    presets = [p for p in PRESETS if p != "static"] if args.presets == "all" else args.presets.split(",")
    torch.set_num_threads(max(1, torch.get_num_threads()))
    print(f"# frames {args.frames}, longer side {args.max_side} px, intensity 1, built-in depth, render defaults")
    print("| photo | preset | cap | worst coverage | max stretched | overscan | frame 0 max diff |"
          + (" uncapped coverage |" if args.uncapped else "") + " note |")
    print("|---|---|---|---|---|---|---|" + ("---|" if args.uncapped else "") + "---|")
    for photo in args.photos.split(","):
        img = load_photo(photo, args.max_side)
        for preset in presets:
            r = measure(img, preset, args.frames, args.uncapped)
            extra = f" {100 * r['uncapped']:.1f} % |" if args.uncapped else ""
            print(f"| {Path(photo).stem} | {preset} | {r['cap']:.3f} | {100 * r['coverage']:.1f} % | "
                  f"{100 * r['stretched']:.1f} % | {r['overscan']:.3f} | {r['frame0']:.4f} |{extra} {r['note']} |",
                  flush=True)


if __name__ == "__main__":
    main()
