"""Core ``WanCameraEmbedding`` vs ``D2V_WanCameraEmbedding``, run under ComfyUI's interpreter (cwd = ComfyUI).

Usage: ``python wan_core_equivalence.py CASES_JSON`` with a list of
``{"move", "width", "height", "length", "fov"}``; prints one JSON line, a list of
 ``{"case", "core_shape", "ours_shape", "max_abs_diff"}``.

For each case the poses are core's own (its ``get_camera_motion`` for the move, speed 1), put into a
``CameraTrajectory`` with the given horizontal FOV; core runs with the ``fx, fy, cx, cy`` inputs that give the same
pixel intrinsics (``core_normalized_intrinsics``). Both nodes' ``execute`` run in this process with ComfyUI's own
modules (``comfy_extras.nodes_camera_trajectory``, ``comfy_api``). Test helper, not part of the pack.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    cases = json.loads(sys.argv[1])
    sys.argv = [sys.argv[0], "--cpu"]
    sys.path.insert(0, os.getcwd())
    pkg_root = Path(tempfile.mkdtemp(prefix="d2v-wan-"))
    (pkg_root / "draw_to_video").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(pkg_root))

    import comfy.options

    comfy.options.enable_args_parsing()  # as main.py does, so --cpu is read
    import numpy as np
    from comfy_extras import nodes_camera_trajectory as core

    from draw_to_video.camera.lens import focal_from_fov
    from draw_to_video.camera.trajectory import CameraTrajectory
    from draw_to_video.conditioning.wan import core_normalized_intrinsics
    from draw_to_video.nodes.wan_nodes import WanCameraEmbedding as Ours

    out = []
    for case in cases:
        move, w, h, n, fov = case["move"], case["width"], case["height"], case["length"], case["fov"]
        spec = core.CAMERA_DICT[move]
        rt = core.get_camera_motion(np.array(spec["angle"]), np.array(spec["T"]), 1.0, n)  # (n, 3, 4)
        c2w = np.tile(np.eye(4), (n, 1, 1))
        c2w[:, :3, :] = rt
        fovs = np.full(n, float(fov))
        cam = CameraTrajectory(c2w=c2w, fov_deg=fovs, focal_length_mm=np.asarray(focal_from_fov(fovs, 36.0)),
                               focus_distance=np.ones(n), aperture=np.full(n, 8.0), preset=f"core {move}")
        k_px = cam.intrinsics(w, h)[0]
        fx, fy, cx, cy = core_normalized_intrinsics([k_px[0, 0], k_px[1, 1], k_px[0, 2], k_px[1, 2]], w, h)
        theirs = core.WanCameraEmbedding.execute(move, w, h, n, speed=1.0, fx=fx, fy=fy, cx=cx, cy=cy).result[0]
        ours = Ours.execute(cam, w, h, n, translation_scale=1.0).result[0]  # core's own units
        same_shape = tuple(theirs.shape) == tuple(ours.shape)
        diff = float((theirs.float() - ours.float()).abs().max()) if same_shape else float("inf")
        out.append({"case": case, "core_shape": list(theirs.shape), "ours_shape": list(ours.shape),
                    "max_abs_diff": diff, "core_abs_max": float(theirs.abs().max()),
                    "core_intrinsics": [fx, fy, cx, cy]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
