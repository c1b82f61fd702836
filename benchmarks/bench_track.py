"""Camera tracking accuracy: the 2.5D render of every preset on five photos, tracked back and scored.

    python benchmarks/bench_track.py [--frames 25] [--max-side 384] [--photos astronaut,coffee,...] \
        [--json F] [--workers 2]

Per photo and preset: the pack's render (built-in depth, overscan off, every other render default) along the
preset's camera, then ``pipelines/track.track_clip`` with the camera's own FOV (frame 0's), then
``camera/accuracy.camera_accuracy``: the mean rotation error in degrees, the scale-aligned camera-centre error as
a share of the path length, and CamI2V's summed RotErr (radians), TransErr and CamMC. Also the tracking's CPU
seconds (its process, tracking only). Cases run in ``--workers`` processes of one thread each; every finished case
is appended to ``--json`` as a JSON line at once, and a rerun with the same ``--json`` skips the cases already
there (resume after an interruption), so the final tables always cover every case in the file. Prints one
markdown row per case as it finishes, then the per-preset summary (median over the photos) of the whole file.

Whole-process speed against ``ffmpeg -vf vidstabdetect`` (issue 25's yardstick):

    python benchmarks/bench_track.py --speed [--runs 5] [--speed-frames 100] [--clip-dir /tmp]

builds (once, cached in ``--clip-dir``) the speed clip: the chelsea photo scaled and centre-cropped to 640x360,
rendered along ``orbit_left`` with handheld 0.5 (seed 0), overscan and move cap off (so the clip shows exactly that
camera at its 54.43 degree FOV), 12 fps, H.264 crf 18; then runs, in turn and ``--runs`` times each after one
warm-up, ``python -m draw_to_video track --input CLIP --out F --fov 54.43`` (this checkout, or ``--checkout``) and
``ffmpeg -i CLIP -vf vidstabdetect=result=F.trf -f null -``, and prints per command the medians of CPU seconds (user
+ system of the finished child), wall seconds and peak RSS (``ru_maxrss``), the paired ratios (median, min-max),
and the tracked camera's error against the asked one. The warm-up also writes the package's bytecode (to a cache
folder beside the clip), so every timed run starts from compiled bytecode, as an installed package does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_USER_SET = {v for v in THREAD_VARS if v in os.environ}
for _var in THREAD_VARS:
    os.environ.setdefault(_var, "1")  # one thread per case process: cases run side by side instead

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


def _one_thread() -> None:
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)


_PHOTO_CACHE: dict = {}


def run_case(photo: str, preset: str, max_side: int, frames: int) -> dict:
    """One case in a worker process (the photo is loaded once per process)."""
    _one_thread()
    key = (photo, max_side)
    if key not in _PHOTO_CACHE:
        _PHOTO_CACHE[key] = load_photo(photo, max_side)
    return measure(photo, preset, _PHOTO_CACHE[key], frames)


def read_rows(path: str | None) -> list[dict]:
    """The rows already in a ``--json`` file (the last row wins when a case appears twice)."""
    if not path or not Path(path).exists():
        return []
    rows = {}
    for line in Path(path).read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            rows[(r["photo"], r["preset"])] = r
    return list(rows.values())


def case_row(r: dict) -> str:
    if "error" in r:
        return f"| {r['photo']} | {r['preset']} | refused: {r['error'][:80]} | | | | | | |"
    return (f"| {r['photo']} | {r['preset']} | {r['rot_deg']:.3f} | {100 * r['centre']:.1f} | {r['RotErr']:.3f} | "
            f"{r['TransErr']:.3f} | {r['CamMC']:.3f} | {'yes' if r['rotation_only'] else 'no'} | {r['cpu_s']:.2f} |")


def summary(rows: list[dict], presets: list[str]) -> list[str]:
    """Per-preset markdown rows: medians and worst over the photos that ran."""
    out = ["| preset | photos | median rot err ° | worst rot err ° | median centre err % | worst centre err % | "
           "judged pure rotation | frames lost (all photos) | FOV change |",
           "|---|---|---|---|---|---|---|---|---|"]
    for preset in presets:
        cases = [r for r in rows if r["preset"] == preset]
        ok = [r for r in cases if "error" not in r]
        if not ok:
            out.append(f"| {preset} | {len(cases)} | refused on every photo | | | | | | |")
            continue
        rot = [r["rot_deg"] for r in ok]
        centre = [100 * r["centre"] for r in ok]
        pure = sum(bool(r["rotation_only"]) for r in ok)
        lost = sum(int(r["lost"]) for r in ok)
        refused = "" if len(ok) == len(cases) else f" ({len(cases) - len(ok)} refused)"
        out.append(f"| {preset} | {len(cases)}{refused} | {np.median(rot):.3f} | {max(rot):.3f} | "
                   f"{np.median(centre):.1f} | {max(centre):.1f} | {pure} of {len(ok)} | {lost} | "
                   f"{ok[0]['fov_change']:.2f}x |")
    return out


SPEED_FOV = 54.43


def speed_camera(frames: int):
    """The camera the speed clip is rendered along."""
    return build_trajectory(preset="orbit_left", frames=frames, handheld=0.5, seed=0)


def speed_clip(folder: Path, frames: int) -> Path:
    """The speed clip (see the module docstring), written once to ``folder`` and reused."""
    path = folder / f"d2v-track-speed-{frames}-v2.mp4"
    if path.exists():
        return path
    import cv2
    import skimage.data
    import torch

    from draw_to_video.video.write import write_video

    rgb = skimage.data.chelsea()[..., :3]
    s = max(640 / rgb.shape[1], 360 / rgb.shape[0])
    big = cv2.resize(rgb, (round(rgb.shape[1] * s), round(rgb.shape[0] * s)), interpolation=cv2.INTER_CUBIC)
    y0, x0 = (big.shape[0] - 360) // 2, (big.shape[1] - 640) // 2
    img = torch.from_numpy(big[y0:y0 + 360, x0:x0 + 640].astype(np.float32) / 255.0)
    clip = render_clip(img, speed_camera(frames), overscan=1, move_cap="off").frames
    tmp = folder / f".d2v-track-speed-{frames}.tmp.mp4"
    write_video(clip, 12.0, tmp)
    tmp.rename(path)
    return path


def run_timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """(CPU s, wall s, peak MiB) of one whole process. CPU and peak come from ``/usr/bin/time`` (the operating
    system's accounting of the finished child: this script's own memory, inherited through fork, would otherwise
    show as the child's peak), wall from a monotonic clock around it."""
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", out.name, *cmd], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env)
        wall = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}): "
                             f"{proc.stderr.decode(errors='replace')[-400:]}")
        user, system, peak_kib = out.read().split()[-3:]
    return float(user) + float(system), wall, float(peak_kib) / 1024.0


def speed(runs: int, frames: int, folder: Path, checkout: str | None = None) -> None:
    """Paired whole-process runs of ``track`` and ``vidstabdetect`` on the speed clip; prints medians and ratios.
    ``checkout``: the package folder whose ``track`` is timed (default: this one). The child gets the caller's
    environment without the one-thread settings this script makes for its own case processes."""
    clip = speed_clip(folder, frames)
    pkg = Path(checkout).resolve() if checkout else Path(import_package().__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS or k in _USER_SET}
    # compiled bytecode, as an installed package has it: the warm-up run writes it under the clip folder
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "d2v-bench-pycache")
    env["PYTHONPATH"] = os.pathsep.join([str(Path(mod_dir(pkg))), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    ours = [sys.executable, "-m", "draw_to_video", "track", "--input", str(clip), "--out",
            str(folder / "d2v-track-speed.json"), "--fov", str(SPEED_FOV)]
    ref = ["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-vf",
           f"vidstabdetect=result={folder / 'd2v-track-speed.trf'}", "-f", "null", "-"]
    rows: dict[str, list] = {"track": [], "vidstabdetect": []}
    for i in range(runs + 1):
        a, b = run_timed(ours, env), run_timed(ref)
        if i:  # the first pair warms the caches
            rows["track"].append(a)
            rows["vidstabdetect"].append(b)
    load = os.getloadavg()
    print(f"{clip.name}: {frames} frames, {runs} paired runs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("| | CPU s | wall s | peak MiB |\n|---|---|---|---|")
    for name, r in rows.items():
        m = np.median(np.array(r), axis=0)
        print(f"| {name} | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.0f} |")
    ratio = np.array(rows["track"])[:, :2] / np.array(rows["vidstabdetect"])[:, :2]
    med, lo, hi = np.median(ratio, 0), ratio.min(0), ratio.max(0)
    print(f"| ratio (paired median, min-max) | {med[0]:.2f}x ({lo[0]:.2f}-{hi[0]:.2f}) | "
          f"{med[1]:.2f}x ({lo[1]:.2f}-{hi[1]:.2f}) | |")
    from draw_to_video.camera.trajectory import CameraTrajectory

    tracked = CameraTrajectory.from_json((folder / "d2v-track-speed.json").read_text())
    acc = camera_accuracy(speed_camera(frames).c2w, tracked.c2w)
    print(f"tracked camera: rotation error {acc.rot_err_mean_deg:.3f} deg, centre error {100 * acc.centre_err:.1f} % "
          "of the path")


def mod_dir(pkg: Path) -> Path:
    """The folder to put on PYTHONPATH so that ``import draw_to_video`` is ``pkg`` (a link when its name differs)."""
    if pkg.name == "draw_to_video":
        return pkg.parent
    import tempfile

    link = Path(tempfile.mkdtemp(prefix="d2v-bench-")) / "draw_to_video"
    link.symlink_to(pkg, target_is_directory=True)
    return link.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--max-side", type=int, default=384)
    ap.add_argument("--photos", default=",".join(PHOTOS))
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--json", help="append every row here as a JSON line; cases already in it are skipped")
    ap.add_argument("--workers", type=int, default=1, help="case processes side by side, one thread each")
    ap.add_argument("--speed", action="store_true", help="time track against ffmpeg vidstabdetect instead")
    ap.add_argument("--runs", type=int, default=5, help="--speed: paired runs (after one warm-up pair)")
    ap.add_argument("--speed-frames", type=int, default=100, help="--speed: frames of the speed clip")
    ap.add_argument("--clip-dir", default="/tmp", help="--speed: where the speed clip is written once and reused")
    ap.add_argument("--checkout", help="--speed: time the track command of this package folder (default: this one)")
    args = ap.parse_args()
    if args.speed:
        speed(args.runs, args.speed_frames, Path(args.clip_dir), args.checkout)
        return
    photos, presets = args.photos.split(","), args.presets.split(",")
    done = {(r["photo"], r["preset"]) for r in read_rows(args.json)}
    todo = [(ph, pr) for ph in photos for pr in presets if (ph, pr) not in done]
    print(f"{len(done)} cases already in {args.json}; running {len(todo)}" if done else f"running {len(todo)} cases",
          file=sys.stderr)
    print("| photo | preset | rot err ° (mean) | centre err % of path | RotErr | TransErr | CamMC | pure rotation | "
          "CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    fresh = []
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = [pool.submit(run_case, ph, pr, args.max_side, args.frames) for ph, pr in todo]
        for fut in as_completed(futures):
            r = fut.result()
            fresh.append(r)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(r) + "\n")
            print(case_row(r), flush=True)
    rows = read_rows(args.json) if args.json else fresh
    rows = [r for r in rows if r["photo"] in photos and r["preset"] in presets]
    print(f"\n{len(rows)} of {len(photos) * len(presets)} cases ({', '.join(photos)}; {args.max_side} px long side, "
          f"{args.frames} frames)\n")
    print("\n".join(summary(rows, presets)))


if __name__ == "__main__":
    main()
