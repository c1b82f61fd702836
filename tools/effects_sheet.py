"""Contact sheet of every effect on the procedural demo clip (what ``benchmarks/bench_effects.py`` times).

    python tools/effects_sheet.py [--only NAME ...] [--out benchmarks/out/contact_sheet.png]

One row per effect at intensity 0.8 (the first row is the clip itself), columns = output frames at 0, 1/3, 2/3 and
the end of the clip, each row labelled with the effect and how many frames it returned (retiming effects change it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _pkg import ROOT, import_package  # noqa: E402
from demo_clip import demo_clip  # noqa: E402
from sheet import caption, column, label, row, save, to_u8  # noqa: E402

import_package()
from draw_to_video.effects.registry import EFFECTS, apply_effect  # noqa: E402

LABEL_W, GAP = 190, 4


def effect_row(clip, name: str, width: int, height: int) -> object:
    """Label cell + four frames of ``clip`` ([N, H, W, 3] float 0..1) at 0, 1/3, 2/3 and the end."""
    n = clip.shape[0]
    head = caption(LABEL_W, "", height=height, background=24)
    label(head, name, (8, height // 2 - 2), 0.45, (235, 235, 235), outline=False)
    label(head, f"{n} frames", (8, height // 2 + 16), 0.4, (150, 150, 150), outline=False)
    picks = [0, round((n - 1) / 3), round(2 * (n - 1) / 3), n - 1]
    return row([head] + [to_u8(clip[i]) for i in picks], gap=GAP, background=24)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "contact_sheet.png"))
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    clip, near = demo_clip(args.frames, h, w)
    rows = [effect_row(clip, "original", w, h)]
    for name in args.only or list(EFFECTS):
        rows.append(effect_row(apply_effect(name, clip, 0.8, 0, depth=near), name, w, h))
    save(args.out, column(rows, gap=GAP, background=24))
    return 0


if __name__ == "__main__":
    sys.exit(main())
