"""Contact sheet of the director styles and the anamorphic lens on the bundled example (README picture).

    python benchmarks/director_styles.py [--frames 24] [--max-side 320] [--out assets/director_styles.jpg]

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import ROOT, import_package  # noqa: E402

import_package()
import torch  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines.director import DIRECTOR_STYLES, apply_director_style, retime_map  # noqa: E402
from draw_to_video.pipelines.render import render_clip  # noqa: E402

COLUMNS = 6


def label(img: np.ndarray, text: str, y: int = 14) -> np.ndarray:
    cv2.putText(img, text, (4, y), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, (4, y), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def fit(frame: np.ndarray, h: int, w: int) -> np.ndarray:
    """``frame`` (uint8 RGB) scaled to width ``w`` and letterboxed into ``h`` x ``w``."""
    fh = int(round(frame.shape[0] * w / frame.shape[1]))
    small = cv2.resize(frame, (w, fh), interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 3), np.uint8)
    top = max(0, (h - fh) // 2)
    out[top:top + min(h, fh)] = small[: min(h, fh)]
    return out


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
        u8 = (frames.clamp(0, 1).numpy() * 255).round().astype(np.uint8)
        cells = [label(fit(u8[i], h, w), f"{i} <- {order[i]}", h - 6) for i in cols]
        cells[0] = label(cells[0], name)
        rows.append(np.concatenate(cells, 1))
    cam = build_trajectory("dolly_in", frames=args.frames, fps=12, focal_length_mm=100, aperture=2.0,
                           camera_body="arri_alexa_35", lens_kind="anamorphic_2x")
    frames = render_clip(image, cam, depth_of_field=2.0).frames
    u8 = (frames.clamp(0, 1).numpy() * 255).round().astype(np.uint8)
    cells = [label(fit(u8[i], h, w), f"{i}", h - 6) for i in cols]
    cells[0] = label(cells[0], "dolly_in, ALEXA 35, 2x anamorphic 100 mm f/2")
    rows.append(np.concatenate(cells, 1))
    sheet = np.concatenate(rows, 0)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(args.out, sheet[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 82])
    print(f"contact sheet: {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")


if __name__ == "__main__":
    main()
