"""How big our presets' Wan camera embeddings are beside core ``WanCameraEmbedding``'s nine moves.

    cd /path/to/ComfyUI && /path/to/comfy-python /path/to/repo/benchmarks/bench_wan_scale.py [--scale S]

Runs under ComfyUI's interpreter (it imports core's ``comfy_extras.nodes_camera_trajectory``). For each pair of
our preset and core's nearest move (dolly_in / Zoom In, truck_left / Pan Left, ...) it prints, for an 81-frame clip
at 208x120 with a 60 degree horizontal FOV for both (core gets the fx, fy that give the same pixel intrinsics):

* ``end``: the camera's distance from frame 0 at the last frame (world units of the embedding);
* ``peak/frame``: the largest step between consecutive frames (ours are eased, core's are linear);
* ``|moment|``: the mean absolute value of the 12 moment channels (``o x d``) of the packed embedding, the part of
  the Plücker embedding that carries translation (a pure rotation has zero moment).

Ours are computed at translation_scale 1 and at ``--scale`` (default: the node's default,
``core.params.WAN["translation_scale"]``), core's at speed 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

PAIRS = [("dolly_in", "Zoom In"), ("dolly_out", "Zoom Out"), ("truck_left", "Pan Left"),
         ("truck_right", "Pan Right"), ("pedestal_up", "Pan Up"), ("pedestal_down", "Pan Down"),
         ("pan_left", "Pan Left"), ("orbit_left", "Pan Left"), ("crane_up", "Pan Up")]
SIZE, LENGTH, FOV = (208, 120), 81, 60.0


def _stats(c2w, embedding) -> tuple[float, float, float]:
    import numpy as np

    pos = c2w[:, :3, 3] - c2w[:1, :3, 3]
    steps = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    moment = embedding[0, :12].abs().mean().item()  # channels 4 * c + k for the moment's c = 0, 1, 2
    return float(np.linalg.norm(pos[-1])), float(steps.max()), moment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=None)
    args = ap.parse_args()
    sys.path.insert(0, os.getcwd())
    sys.argv = [sys.argv[0], "--cpu"]
    import comfy.options

    comfy.options.enable_args_parsing()
    import numpy as np
    from comfy_extras import nodes_camera_trajectory as core

    import_package()
    from draw_to_video.camera.lens import focal_from_fov
    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.camera.trajectory import resample_trajectory
    from draw_to_video.conditioning.wan import core_normalized_intrinsics, wan_camera_embedding
    from draw_to_video.core.params import WAN

    scale = WAN["translation_scale"].default if args.scale is None else args.scale
    w, h = SIZE
    print(f"{LENGTH} frames, {w}x{h}, horizontal FOV {FOV} deg; ours at translation_scale 1 and {scale}; "
          f"core at speed 1")
    print(f"{'ours':>14} {'end':>6} {'peak/fr':>8} {'|mom|':>7} {'x' + format(scale, 'g'):>5} {'end':>6} "
          f"{'|mom|':>7} | {'core':<10} {'end':>6} {'peak/fr':>8} {'|mom|':>7}")
    for ours_name, core_name in PAIRS:
        sensor_w = 36.0
        cam = build_trajectory(ours_name, frames=LENGTH, fps=16.0, focal_length_mm=float(focal_from_fov(FOV, sensor_w)))
        cam81 = resample_trajectory(cam, LENGTH).relative_to_first()
        e1, p1, m1 = _stats(cam81.c2w, wan_camera_embedding(cam, w, h, LENGTH, 1.0))
        es, _, ms = _stats(cam81.c2w * np.array([1, 1, 1, scale, 1, 1, 1, scale, 1, 1, 1, scale, 1, 1, 1, 1]
                                                   ).reshape(4, 4), wan_camera_embedding(cam, w, h, LENGTH, scale))
        spec = core.CAMERA_DICT[core_name]
        rt = core.get_camera_motion(np.array(spec["angle"]), np.array(spec["T"]), 1.0, LENGTH)
        c2w = np.tile(np.eye(4), (LENGTH, 1, 1))
        c2w[:, :3, :] = rt
        k = cam.intrinsics(w, h)[0]
        fx, fy, cx, cy = core_normalized_intrinsics([k[0, 0], k[1, 1], k[0, 2], k[1, 2]], w, h)
        emb = core.WanCameraEmbedding.execute(core_name, w, h, LENGTH, speed=1.0, fx=fx, fy=fy, cx=cx, cy=cy).result[0]
        ec, pc, mc = _stats(c2w, emb)
        print(f"{ours_name:>14} {e1:6.3f} {p1:8.4f} {m1:7.4f} {'':>5} {es:6.3f} {ms:7.4f} | {core_name:<10} "
              f"{ec:6.3f} {pc:8.4f} {mc:7.4f}")


if __name__ == "__main__":
    main()
