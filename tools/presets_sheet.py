"""The README picture assets/render_presets.jpg: every bench_presets photo along every preset, first frame above last.

    python tools/presets_sheet.py [--frames 25] [--intensity 1] [--max-side 640] [--out assets/render_presets.jpg]

One row per photo (scikit-image's astronaut, coffee, chelsea, rocket and the bundled example), one column per
preset, the 2.5D render with the built-in depth and every render default; the same photos and presets as
``benchmarks/bench_presets.py``, which prints the coverage figures of these renders.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _pkg import ROOT  # noqa: E402
from bench_presets import PHOTOS, PRESETS, load_photo  # noqa: E402 (imports the checkout's package)
from sheet import caption, column, fit, label, row, save, to_u8  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines.render import render_clip  # noqa: E402

CELL_W, GAP, LABEL_W = 190, 6, 110
CELL_H = round(CELL_W * 2 / 3)


def photo_row(name: str, frames: int, intensity: float, max_side: int) -> list:
    """The sheet row of photo ``name``: its label cell, then per preset the first frame above the last."""
    img = load_photo(name, max_side)
    head = label(caption(LABEL_W, "", height=2 * CELL_H + GAP, background=24), name, (6, CELL_H), 0.5)
    label(head, "first / last", (6, CELL_H + 18), 0.38, (150, 150, 150), outline=False)
    cells = [head]
    for preset in PRESETS:
        res = render_clip(img, build_trajectory(preset=preset, frames=frames, intensity=intensity))
        first, last = (fit(to_u8(res.frames[i]), CELL_W, CELL_H, background=24) for i in (0, -1))
        cells.append(column([first, last], gap=GAP, background=24))
        print(f"{name:<10} {preset:<14} rendered", flush=True)
    return cells


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--max-side", type=int, default=640)
    ap.add_argument("--out", type=Path, default=ROOT / "assets" / "render_presets.jpg")
    args = ap.parse_args()
    header = row([caption(LABEL_W, "", height=28, background=24)]
                 + [label(caption(CELL_W, "", height=28, background=24), p, (4, 19), 0.5, (235, 235, 235), False)
                    for p in PRESETS], gap=GAP, background=24)
    rows = [header] + [row(photo_row(p, args.frames, args.intensity, args.max_side), gap=GAP, background=24)
                       for p in PHOTOS]
    save(args.out, column(rows, gap=GAP, background=24), quality=80)
    return 0


if __name__ == "__main__":
    sys.exit(main())
