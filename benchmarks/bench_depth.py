"""The built-in depth estimate on real photos: interior disocclusions, parallax kept, speed.

    python benchmarks/bench_depth.py [--size 512] [--frames 25] [--save DIR] [--no-timing]

Photos: scikit-image's astronaut, coffee, chelsea, rocket and the bundled ``assets/example.jpg``, resized so that
the longer side is ``--size``. For each photo the depth is ``estimate_depth`` and each preset in ``PRESETS_CHECKED``
is rendered at intensity 1 with ``fill="none"``; printed per preset x photo is the worst frame's share of *interior*
holes (``RenderResult.holes`` inside a central crop that leaves out a 10 % margin on each side, so the border reveal,
which overscan removes, does not count), and per photo the parallax the renderer keeps: p95 / p5 of
``RenderResult.depth``. Last, the time of ``estimate_depth`` on a 1024x576 image (best of 3, one thread; the
figure is noisy on a shared machine). scikit-image is needed (a test dependency, not the pack's).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

import_package()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.render.estimate import estimate_depth  # noqa: E402
from draw_to_video.render.reproject import render_views  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRESETS_CHECKED = ("dolly_in", "orbit_left", "crane_up", "dolly_zoom_in", "truck_right", "arc", "spiral_in")
MARGIN = 0.10


def photos(size: int) -> dict[str, torch.Tensor]:
    """The five test photos as [H, W, 3] float tensors, longer side ``size``."""
    from PIL import Image
    from skimage import data

    raw = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea(),
           "rocket": data.rocket(), "example": np.asarray(Image.open(ROOT / "assets" / "example.jpg").convert("RGB"))}
    out = {}
    for name, arr in raw.items():
        t = torch.from_numpy(np.array(arr[..., :3])).float().div(255.0)
        h, w = t.shape[:2]
        s = size / max(h, w)
        hh, ww = max(2, round(h * s)), max(2, round(w * s))
        out[name] = F.interpolate(t.permute(2, 0, 1)[None], size=(hh, ww), mode="area")[0].permute(1, 2, 0)
    return out


def interior_holes(holes: torch.Tensor, margin: float = MARGIN) -> torch.Tensor:
    """Per-frame hole share inside the central crop: holes [F, H, W] -> (F,)."""
    _, h, w = holes.shape
    y0, x0 = int(round(h * margin)), int(round(w * margin))
    return holes[:, y0:h - y0, x0:w - x0].flatten(1).mean(1)


def enclosed_holes(holes: torch.Tensor) -> torch.Tensor:
    """Per-frame share of holes not connected to the frame border (disocclusions inside the picture, not the
    border reveal that overscan removes): holes [F, H, W] -> (F,)."""
    import cv2

    out = []
    for m in (holes > 0.5).numpy().astype(np.uint8):
        n, labels = cv2.connectedComponents(m, connectivity=8)
        edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        out.append(float((~np.isin(labels, edge) & (m > 0)).mean()))
    return torch.tensor(out)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--save", type=Path, default=None, help="folder for depth maps (bright = near) as PNG")
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    imgs = photos(args.size)
    table, ratio = {}, {}
    for name, img in imgs.items():
        depth = estimate_depth(img)
        if args.save is not None:
            from PIL import Image

            args.save.mkdir(parents=True, exist_ok=True)
            disp = 1.0 / depth
            Image.fromarray((disp / disp.max() * 255).byte().numpy()).save(args.save / f"depth_{name}.png")
        for preset in PRESETS_CHECKED:
            cam = build_trajectory(preset, frames=args.frames, intensity=1.0)
            r = render_views(img, cam, depth, fill="none")
            table[preset, name] = float(interior_holes(r.holes).max())
            table["enclosed", preset, name] = float(enclosed_holes(r.holes).max())
            if name not in ratio:
                q = torch.quantile(r.depth.flatten()[:: max(1, r.depth.numel() // 100000)], torch.tensor([0.05, 0.95]))
                ratio[name] = float(q[1] / q[0])
    names = list(imgs)
    print(f"worst-frame interior holes (fill=none, {MARGIN:.0%} margin left out), {args.frames} frames, "
          f"intensity 1, longer side {args.size}")
    print(f"{'preset':<14}" + "".join(f"{n:>11}" for n in names))
    for preset in PRESETS_CHECKED:
        print(f"{preset:<14}" + "".join(f"{table[preset, n]:>11.2%}" for n in names))
    print(f"{'worst':<14}" + "".join(f"{max(table[p, n] for p in PRESETS_CHECKED):>11.2%}" for n in names))
    print("worst-frame holes not connected to the frame border (disocclusions only)")
    for preset in PRESETS_CHECKED:
        print(f"{preset:<14}" + "".join(f"{table['enclosed', preset, n]:>11.2%}" for n in names))
    print(f"{'depth p95/p5':<14}" + "".join(f"{ratio[n]:>11.2f}" for n in names))
    if not args.no_timing:
        img = F.interpolate(imgs["example"].permute(2, 0, 1)[None], size=(576, 1024), mode="bilinear",
                            align_corners=False)[0].permute(1, 2, 0).contiguous()
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            estimate_depth(img)
            best = min(best, time.perf_counter() - t0)
        print(f"estimate_depth 1024x576, one thread: {best * 1000:.0f} ms (best of 3; noisy shared machine)")


if __name__ == "__main__":
    main()
