"""Camera tracking accuracy: the 2.5D render of every preset on five photos, tracked back and scored.

    python benchmarks/bench_track.py [--frames 25] [--max-side 640] [--photos astronaut,coffee,...] [--json F]

Per photo and preset: the pack's render (built-in depth, overscan off, every other render default) along the
preset's camera, then ``pipelines/track.track_clip`` with the camera's own FOV (frame 0's), then
``camera/accuracy.camera_accuracy``: the mean rotation error in degrees, the scale-aligned camera-centre error as
a share of the path length, and CamI2V's summed RotErr (radians), TransErr and CamMC. Also the tracking's CPU
seconds (this process, tracking only). Prints one markdown row per case and a per-preset summary (median over the
photos); ``--json`` appends every row as a JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

import_package()
import numpy as np  # noqa: E402
from bench_presets import PHOTOS, load_photo  # noqa: E402

from draw_to_video.camera.accuracy import camera_accuracy  # noqa: E402
from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.camera.presets import PRESETS  # noqa: E402
from draw_to_video.pipelines.render import render_clip  # noqa: E402
from draw_to_video.pipelines.track import track_clip  # noqa: E402


def measure(photo: str, preset: str, img, frames: int) -> dict:
    cam = build_trajectory(preset=preset, frames=frames)
    clip = render_clip(img, cam, overscan=1, move_cap="off").frames
    t0 = time.process_time()
    try:
        tracked = track_clip(clip, float(cam.fov_deg[0]))
    except ValueError as e:
        return {"photo": photo, "preset": preset, "error": str(e)}
    cpu = time.process_time() - t0
    acc = camera_accuracy(cam.c2w, tracked.camera.c2w)
    zoom = float(cam.fov_deg.max() / cam.fov_deg.min())
    return {"photo": photo, "preset": preset, "rot_deg": acc.rot_err_mean_deg, "centre": acc.centre_err,
            "RotErr": acc.rot_err, "TransErr": acc.trans_err, "CamMC": acc.cammc,
            "rotation_only": tracked.result.rotation_only, "lost": len(tracked.result.lost), "cpu_s": cpu,
            "fov_change": zoom}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--max-side", type=int, default=640)
    ap.add_argument("--photos", default=",".join(PHOTOS))
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--json", help="append every row here as a JSON line")
    args = ap.parse_args()
    rows = []
    print("| photo | preset | rot err ° (mean) | centre err % of path | RotErr | TransErr | CamMC | pure rotation | "
          "CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for photo in args.photos.split(","):
        img = load_photo(photo, args.max_side)
        for preset in args.presets.split(","):
            r = measure(photo, preset, img, args.frames)
            rows.append(r)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(r) + "\n")
            if "error" in r:
                print(f"| {photo} | {preset} | refused: {r['error'][:80]} | | | | | | |", flush=True)
                continue
            print(f"| {photo} | {preset} | {r['rot_deg']:.3f} | {100 * r['centre']:.1f} | {r['RotErr']:.3f} | "
                  f"{r['TransErr']:.3f} | {r['CamMC']:.3f} | {'yes' if r['rotation_only'] else 'no'} | "
                  f"{r['cpu_s']:.2f} |", flush=True)
    print("\n| preset | median rot err ° | median centre err % | worst rot err ° | FOV change |")
    print("|---|---|---|---|---|")
    for preset in args.presets.split(","):
        ok = [r for r in rows if r["preset"] == preset and "error" not in r]
        if not ok:
            print(f"| {preset} | refused on every photo | | | |")
            continue
        rot = [r["rot_deg"] for r in ok]
        print(f"| {preset} | {np.median(rot):.3f} | {100 * np.median([r['centre'] for r in ok]):.1f} | "
              f"{max(rot):.3f} | {ok[0]['fov_change']:.2f}x |" + ("" if len(ok) == len(
                  [r for r in rows if r['preset'] == preset]) else f" ({len(ok)} of the photos tracked)"))


if __name__ == "__main__":
    main()
