"""The plain reference of ``bench_render_cli.py``: a whole process that renders a clip the simplest way.

    python benchmarks/splat_reference_cli.py --image IMG --depth DEPTH.npy --preset arc --frames 25 --out x.mp4

Reads the picture (the CLI's reader), loads a precomputed depth (.npy, median-normalized z-depth), builds the
preset's trajectory, renders every frame by a nearest-pixel z-buffer forward splat (``splat_reference`` of
``bench_render.py``: no crack closing, no hole filling, no overscan, no depth estimate) and writes the MP4 with
the same writer as the CLI (``video/write.write_video``). Prints the time of each stage in ms as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

T_START = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_render import splat_reference  # noqa: E402  (also makes ``draw_to_video`` this checkout)

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines.inputs import read_image  # noqa: E402
from draw_to_video.video.write import write_video  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--depth", required=True, help=".npy z-depth, same size as the image, median ~1")
    ap.add_argument("--preset", default="arc")
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    img = read_image(args.image)
    depth = torch.from_numpy(np.load(args.depth).astype(np.float32))
    camera = build_trajectory(preset=args.preset, frames=args.frames)
    t1 = time.perf_counter()
    frames = splat_reference(img, camera, depth)
    t2 = time.perf_counter()
    write_video(frames.numpy(), camera.fps, args.out)
    t3 = time.perf_counter()
    print(json.dumps({"import": 1000 * (t0 - T_START), "read": 1000 * (t1 - t0), "render": 1000 * (t2 - t1),
                      "encode": 1000 * (t3 - t2), "total": 1000 * (t3 - T_START)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
