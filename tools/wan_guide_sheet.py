"""The README picture assets/wan_guide.jpg: the Render Guide of a move on the bundled photo.

    python tools/wan_guide_sheet.py [--preset orbit_left] [--out assets/wan_guide.jpg]

Rows: the control video (the 2.5D render along the camera, what VACE keeps outside the mask), the generate mask
(white = the model makes these pixels: holes and stretched smears, grown and feathered; drawn over the render in
red) and the depth video through the camera (near = bright, Fun Control's control). Columns: the first, middle
and last frame of a 33-frame guide at 416x240 (``pipelines/guide.wan_guide`` with the node's defaults).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _pkg import ROOT, import_package  # noqa: E402
from sheet import caption, column, row, save, to_u8  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="orbit_left")
    ap.add_argument("--out", default=str(ROOT / "assets" / "wan_guide.jpg"))
    args = ap.parse_args(argv)
    import_package()
    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.pipelines.generate import as_image
    from draw_to_video.pipelines.guide import wan_guide

    length, width, height = 33, 416, 240
    cam = build_trajectory(preset=args.preset, frames=length, fps=16.0, intensity=1.0, path=None)
    g = wan_guide(as_image(ROOT / "assets" / "example.jpg"), cam, width=width, height=height, length=length)
    picks = [0, length // 2, length - 1]
    control = g.control.numpy()
    mask = g.mask.numpy()
    depth = g.depth.numpy()
    rows = []
    for name, tiles in [
        ("control video (render)", [control[i] for i in picks]),
        ("generate mask (red)", [control[i] * (1 - 0.6 * mask[i, ..., None]) + 0.6 * mask[i, ..., None]
                                 * np.array([1.0, 0.1, 0.1]) for i in picks]),
        ("depth video (near bright)", [depth[i] for i in picks]),
    ]:
        strip = row([np.pad(to_u8(t), ((4, 4), (4, 4), (0, 0)), constant_values=255) for t in tiles])
        rows.append(column([caption(strip.shape[1], name), strip]))
    save(args.out, column(rows))
    print(f"frames {picks} of {length}, "
          f"mask share {100 * float(g.mask.mean()):.0f} %, holes {100 * float(g.holes.mean()):.0f} %, "
          f"stretched {100 * float(g.stretched.mean()):.1f} %; notes: {'; '.join(g.notes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
