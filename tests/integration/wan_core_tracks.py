"""Core ``WanTrackToVideo`` reading ``D2V_CameraTracks`` output, run under ComfyUI's interpreter (cwd = ComfyUI).

Usage: ``python wan_core_tracks.py CASES_JSON`` with a list of ``{"preset", "width", "height", "length", "count",
"path"}``; prints one JSON line, a list of results per case: our track count and lengths, what core's
``parse_json_tracks`` / ``pad_pts`` / ``process_tracks`` made of them, and the motion mask core's
``WanTrackToVideo.execute`` put into the conditioning. The VAE there is a stand-in (no Wan weights here): its
``encode`` area-averages the clip to Wan's latent grid (16 channels, 4 frames and 8x8 pixels per latent cell), which
is all WanTrackToVideo needs from it to place the track features. Test helper, not part of the pack.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class LatentGridVAE:
    """Stand-in for Wan's VAE: ``encode`` of a clip [T, H, W, 3] -> [1, 16, (T - 1) // 4 + 1, H / 8, W / 8]."""

    def encode(self, frames):
        import torch
        import torch.nn.functional as F

        t = frames.shape[0]
        x = frames.permute(3, 0, 1, 2)[None].float()  # 1, 3, T, H, W
        x = torch.cat([x[:, :, :1].expand(-1, -1, 4, -1, -1), x[:, :, 1:]], 2)[:, :, : 4 * ((t - 1) // 4 + 1)]
        x = F.avg_pool3d(x, (4, 8, 8))
        return x.repeat(1, 6, 1, 1, 1)[:, :16]


def main() -> None:
    cases = json.loads(sys.argv[1])
    sys.argv = [sys.argv[0], "--cpu"]
    sys.path.insert(0, os.getcwd())
    pkg_root = Path(tempfile.mkdtemp(prefix="d2v-ati-"))
    (pkg_root / "draw_to_video").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(pkg_root))

    import comfy.options

    comfy.options.enable_args_parsing()  # as main.py does, so --cpu is read
    import numpy as np
    import torch
    from comfy_extras import nodes_wan as core
    from PIL import Image

    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.camera.path import parse_path
    from draw_to_video.nodes.wan_nodes import CameraTracks

    picture = np.asarray(Image.open(REPO / "assets" / "example.jpg").convert("RGB").resize((384, 256)))
    image = torch.from_numpy(picture).float()[None] / 255
    out = []
    for case in cases:
        w, h, n = case["width"], case["height"], case["length"]
        cam = build_trajectory(case["preset"], frames=25, fps=16.0)
        path = parse_path(case["path"]) if case.get("path") else None
        tracks_json, *passed, _preview = CameraTracks.execute(image, cam, w, h, n, case["count"], 0, "disparity",
                                                              path=path).result
        ours = json.loads(tracks_json)
        parsed = core.parse_json_tracks(tracks_json)
        padded = np.stack([core.pad_pts(t) for t in parsed], 0)  # N, 121, 1, 3
        processed = core.process_tracks(padded, (w, h), n - 1)  # n, N, 4: time, x, y, visible (-1 / 1)
        first = np.array([[p["x"], p["y"]] for p in (t[0] for t in ours)])
        expect0 = (first - [w / 2, h / 2]) / min(w, h) * 2
        cond = [[torch.zeros(1, 4, 8), {}]]
        pos, _neg, latent = core.WanTrackToVideo.execute(cond, cond, LatentGridVAE(), tracks_json, w, h, n, 1,
                                                         220.0, 2, start_image=image).result
        mask = pos[0][1]["concat_mask"]  # 1 - motion weight: < 1 where a track's feature was placed
        out.append({"case": case, "passed": passed, "ours": len(ours), "lengths": [len(t) for t in ours],
                    "parsed": len(parsed), "processed_shape": list(processed.shape),
                    "first_diff": float(np.abs(processed[0, :, 1:3].numpy() - expect0).max()),
                    "visible_last": float((processed[-1, :, 3] > 0).float().mean()),
                    "hidden_counted": int(sum(len(t) < 121 for t in ours)),
                    "mask_shape": list(mask.shape), "latent_shape": list(latent["samples"].shape),
                    "mask_moved": float((1 - mask[0, :, 1:]).clamp(0, 1).sum())})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
