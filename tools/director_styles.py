"""Contact sheet of the director styles and the anamorphic lens on the bundled example (README picture).

    python tools/director_styles.py [--frames 24] [--max-side 320] [--out assets/director_styles.jpg]

One row per director style (camera part rendered by the 2.5D renderer with every default, then the style's
retiming, cuts and grade: pipelines/director.apply_director_style), six output frames per row, each labelled with
its output index and the rendered frame it shows. A last row shows a 2x anamorphic 100 mm lens (the horizontal view
of a 50 mm) on an ALEXA 35 at f/2 with depth of field 2 (oval bokeh, horizontal streak flares on the lights).
Prints per style the source frame order, so jump cuts and reversed sections can be read off.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _pkg import ROOT, import_package  # noqa: E402
from sheet import column, fit, label, row, save, to_u8  # noqa: E402

import_package()
import torch  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines.director import DIRECTOR_STYLES, apply_director_style, retime_map  # noqa: E402
from draw_to_video.pipelines.render import render_clip  # noqa: E402

COLUMNS = 6


def cells(frames, picks, h: int, w: int, captions: list[str], title: str) -> np.ndarray:
    """One sheet row: frames ``picks`` of ``frames`` ([N, H, W, 3] float 0..1) fitted into ``h`` x ``w`` cells,
    each captioned at its foot, the first also titled."""
    out = [label(fit(to_u8(frames[i]), w, h), text, (4, h - 6)) for i, text in zip(picks, captions)]
    label(out[0], title)
    return row(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--max-side", type=int, default=320)
    ap.add_argument("--out", default=str(ROOT / "assets" / "director_styles.jpg"))
    args = ap.parse_args()
    rgb = cv2.imread(str(ROOT / "assets" / "example.jpg"))[..., ::-1]
    scale = args.max_side / max(rgb.shape[:2])
    rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = torch.from_numpy(np.ascontiguousarray(rgb).astype(np.float32) / 255.0)
    h, w = rgb.shape[:2]
    cols = np.linspace(0, args.frames - 1, COLUMNS).round().astype(int)
    rows = []
    for name, style in DIRECTOR_STYLES.items():
        cam = build_trajectory(name, frames=args.frames, fps=12)
        frames = apply_director_style(render_clip(image, cam).frames, style)
        order = retime_map(args.frames, style)
        print(f"{name:<18} source frames {order.tolist()}")
        rows.append(cells(frames, cols, h, w, [f"{i} <- {order[i]}" for i in cols], name))
    cam = build_trajectory("dolly_in", frames=args.frames, fps=12, focal_length_mm=100, aperture=2.0,
                           camera_body="arri_alexa_35", lens_kind="anamorphic_2x")
    frames = render_clip(image, cam, depth_of_field=2.0).frames
    rows.append(cells(frames, cols, h, w, [f"{i}" for i in cols], "dolly_in, ALEXA 35, 2x anamorphic 100 mm f/2"))
    save(args.out, column(rows))


if __name__ == "__main__":
    main()
