"""The README picture assets/wan_moves.jpg: drawn camera moves beside core WanCameraEmbedding's nearest presets.

    cd /path/to/ComfyUI && /path/to/comfy-python /path/to/repo/tools/wan_moves_sheet.py [--out FILE.jpg]

Runs under ComfyUI's interpreter (core's poses come from its own ``comfy_extras.nodes_camera_trajectory``). One
panel per drawn stroke: top left the stroke over the bundled photo; below, the camera seen from above (x right,
z forward, grid = 1 Wan unit), our trajectory in colour (from the drawing, at the default ``translation_scale``, the
units the Wan embedding receives) and core's nearest preset in grey (speed 1), a frustum wedge every 10 frames,
81 frames each.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _pkg import ROOT, import_package  # noqa: E402
from sheet import row, save  # noqa: E402

LENGTH = 81
T = np.linspace(0, 1, 40)
STROKES = [  # (title, stroke points in 0..1 image coordinates, core's nearest move)
    ("stroke up", [[0.5, 0.85 - 0.55 * s] for s in T], "Zoom In"),
    ("stroke left", [[0.8 - 0.6 * s, 0.6] for s in T], "Pan Left"),
    ("curved stroke", [[0.2 + 0.6 * s, 0.75 - 0.35 * np.sin(np.pi * s)] for s in T], "Pan Right"),
]
THUMB_W, HEADER, UNIT = 170, 108, 62  # thumbnail width, header height, pixels per Wan unit
VIEW = (-3.0, 3.0, -0.4, 3.6)  # x0, x1, z0, z1 in Wan units
PANEL_W, PLOT_H = int((VIEW[1] - VIEW[0]) * UNIT), int((VIEW[3] - VIEW[2]) * UNIT)


def _to_px(x, z):
    return int(round((x - VIEW[0]) * UNIT)), HEADER + int(round((VIEW[3] - z) * UNIT))


def _draw_cameras(img, c2w: np.ndarray, fov_deg: np.ndarray, colour, thick: int) -> None:
    import cv2

    pts = [_to_px(p[0], p[2]) for p in c2w[:, :3, 3]]
    cv2.polylines(img, [np.array(pts, np.int32)], False, colour, thick, cv2.LINE_AA)
    for i in list(range(0, len(c2w), 10)) + [len(c2w) - 1]:
        o, r = c2w[i, :3, 3], c2w[i, :3, :3]
        half = np.tan(np.radians(fov_deg[i]) / 2)
        for side in (-1, 1):
            d = r @ np.array([side * half, 0.0, 1.0])
            d = d / np.linalg.norm(d) * 0.45
            cv2.line(img, _to_px(o[0], o[2]), _to_px(o[0] + d[0], o[2] + d[2]), colour, 1, cv2.LINE_AA)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "assets" / "wan_moves.jpg"))
    args = ap.parse_args()
    sys.path.insert(0, os.getcwd())
    sys.argv = [sys.argv[0], "--cpu"]
    import comfy.options

    comfy.options.enable_args_parsing()
    import cv2
    from comfy_extras import nodes_camera_trajectory as core

    import_package()
    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.camera.path import parse_path
    from draw_to_video.camera.trajectory import resample_trajectory
    from draw_to_video.core.params import WAN

    scale = WAN["translation_scale"].default
    photo = cv2.imread(str(ROOT / "assets" / "example.jpg"))
    ph, pw = photo.shape[:2]
    panels = []
    for title, points, core_name in STROKES:
        path = parse_path({"version": 1, "width": pw, "height": ph, "strokes": [{"role": "camera", "points": points}]})
        cam = resample_trajectory(build_trajectory("auto", frames=LENGTH, fps=16.0, path=path), LENGTH)
        ours = cam.relative_to_first().c2w.copy()
        ours[:, :3, 3] *= scale
        spec = core.CAMERA_DICT[core_name]
        rt = core.get_camera_motion(np.array(spec["angle"]), np.array(spec["T"]), 1.0, LENGTH)
        theirs = np.tile(np.eye(4), (LENGTH, 1, 1))
        theirs[:, :3, :] = rt

        img = np.full((HEADER + PLOT_H, PANEL_W, 3), 255, np.uint8)
        for g in np.arange(-3, 4):
            cv2.line(img, _to_px(g, VIEW[2]), _to_px(g, VIEW[3]), (235, 235, 235), 1)
        for g in np.arange(0, 4):
            cv2.line(img, _to_px(VIEW[0], g), _to_px(VIEW[1], g), (235, 235, 235), 1)
        _draw_cameras(img, theirs, cam.fov_deg, (150, 150, 150), 2)
        _draw_cameras(img, ours, cam.fov_deg, (40, 90, 220), 2)
        cv2.circle(img, _to_px(0, 0), 4, (0, 0, 0), -1, cv2.LINE_AA)

        thumb = cv2.resize(photo, (THUMB_W, THUMB_W * ph // pw), interpolation=cv2.INTER_AREA)
        s = np.array(points) * [thumb.shape[1], thumb.shape[0]]
        cv2.polylines(thumb, [s.round().astype(np.int32)], False, (40, 90, 220), 2, cv2.LINE_AA)
        cv2.arrowedLine(thumb, tuple(s[-4].round().astype(int)), tuple(s[-1].round().astype(int)), (40, 90, 220), 2,
                        tipLength=1.0)  # OpenCV 5 allows at most 1
        img[6:6 + thumb.shape[0], 6:6 + THUMB_W] = thumb
        cv2.rectangle(img, (5, 5), (6 + THUMB_W, 6 + thumb.shape[0]), (0, 0, 0), 1)
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(img, f"{title} -> {cam.preset}", (THUMB_W + 14, 22), font, 0.5, (40, 90, 220), 1, cv2.LINE_AA)
        cv2.putText(img, f"ours, translation x{scale:g}", (THUMB_W + 14, 42), font, 0.45, (40, 90, 220), 1, cv2.LINE_AA)
        cv2.putText(img, f"core: {core_name}", (THUMB_W + 14, 64), font, 0.5, (120, 120, 120), 1, cv2.LINE_AA)
        cv2.line(img, (0, HEADER), (PANEL_W, HEADER), (200, 200, 200), 1)
        cv2.putText(img, "top view, grid 1 unit", (8, HEADER + PLOT_H - 10), font, 0.4, (120, 120, 120), 1, cv2.LINE_AA)
        panels.append(img)
    save(args.out, row([p[..., ::-1] for p in panels], gap=4, background=200), quality=85)


if __name__ == "__main__":
    main()
