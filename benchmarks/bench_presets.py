"""Coverage of the model-free render on ordinary photos, per preset, beside a plain splat (worst frame per case).

    python benchmarks/bench_presets.py [--frames 25] [--intensity 1] [--max-side 640]

Five real photos (scikit-image's astronaut, coffee, chelsea, rocket and the bundled example), seven presets, the
built-in depth and every render default (auto overscan, background fill). Per case it prints the smallest coverage
before filling (the share of a frame that real source pixels reach), the overscan factor, and the spread of the
depth used (p95 / p5: 1 = flat, no parallax); beside it the same frames' coverage for a plain nearest-pixel splat of
the same depth without overscan (``splat_reference`` of bench_render.py). The README contact sheet of these renders is
``tools/presets_sheet.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import ROOT, import_package  # noqa: E402

import_package()
import torch  # noqa: E402
from bench_render import splat_reference  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines.render import render_clip  # noqa: E402
from draw_to_video.video.read import read_frames  # noqa: E402

PRESETS = ("dolly_in", "orbit_left", "crane_up", "dolly_zoom_in", "truck_right", "arc", "spiral_in")
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "example")


def load_photo(name: str, max_side: int) -> torch.Tensor:
    """[H, W, 3] float 0..1, longer side at most ``max_side`` (area downscale), even sides."""
    if name == "example":
        rgb = (read_frames(ROOT / "assets" / "example.jpg")[0][0] * 255).round().astype(np.uint8)
    else:
        import skimage.data

        rgb = getattr(skimage.data, name)()[..., :3]
    h, w = rgb.shape[:2]
    s = min(1.0, max_side / max(h, w))
    size = (2 * round(w * s / 2), 2 * round(h * s / 2))
    if size != (w, h):
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return torch.from_numpy(rgb).float() / 255.0


def measure(photo: str, preset: str, img: torch.Tensor, frames: int, intensity: float) -> dict:
    camera = build_trajectory(preset=preset, frames=frames, intensity=intensity)
    res = render_clip(img, camera)
    d = res.depth.flatten()
    p5, p50, p95 = (float(v) for v in torch.quantile(d[:: max(1, d.numel() // 200000)], torch.tensor([.05, .5, .95])))
    ref = splat_reference(img, camera, res.depth)
    ref_cov = float((ref.sum(-1) > 0).float().flatten(1).mean(1).min())
    return {"photo": photo, "preset": preset, "coverage_min": float(res.coverage.min()),
            "overscan": float(getattr(res, "overscan", 1.0)), "depth_ratio": p95 / p5, "ref_coverage_min": ref_cov}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=25)
    p.add_argument("--intensity", type=float, default=1.0)
    p.add_argument("--max-side", type=int, default=640)
    args = p.parse_args()
    torch.manual_seed(0)
    rows = []
    print(f"## Coverage before filling: built-in depth, intensity {args.intensity}, {args.frames} frames, "
          f"longer side <= {args.max_side}, render defaults")
    print(f"{'photo':<10}{'preset':<15}{'size':>10}{'coverage min':>14}{'overscan':>10}{'depth p95/p5':>14}"
          f"{'plain splat':>13}")
    for photo in PHOTOS:
        img = load_photo(photo, args.max_side)
        for preset in PRESETS:
            r = measure(photo, preset, img, args.frames, args.intensity)
            rows.append(r)
            print(f"{photo:<10}{preset:<15}{f'{img.shape[1]}x{img.shape[0]}':>10}{100 * r['coverage_min']:>13.1f}%"
                  f"{r['overscan']:>10.3f}{r['depth_ratio']:>14.2f}{100 * r['ref_coverage_min']:>12.1f}%", flush=True)
    worst = min(rows, key=lambda r: r["coverage_min"])
    ratios = {ph: min(r["depth_ratio"] for r in rows if r["photo"] == ph) for ph in PHOTOS}
    print(f"\nminimum coverage: {100 * worst['coverage_min']:.1f}% ({worst['photo']}, {worst['preset']}); "
          f"plain splat minimum {100 * min(r['ref_coverage_min'] for r in rows):.1f}%")
    print("depth p95/p5 per photo: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
          + f"; >= 1.5 on {sum(v >= 1.5 for v in ratios.values())} of {len(ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
