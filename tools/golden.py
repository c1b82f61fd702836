"""Bit-identity check for restructures: run a fixed list of CLI jobs and record or compare what they produce.

    python tools/golden.py --record DIR [--checkout PATH]   # run the jobs, write DIR/golden.json
    python tools/golden.py --compare DIR [--checkout PATH]  # run them again, list every output that differs

``--checkout`` is the source tree to run (default: the one this file lives in); it is put on ``PYTHONPATH`` as
``draw_to_video`` through a symlink in a temporary folder, so two checkouts can be compared whatever is installed.
The jobs are small (≤ 320 px, ≤ 9 frames, seeded, CPU) and cover demo, render (two scikit-image photos, three
presets incl. a director style), trajectory (JSON + pixel tracks), effect ×3, interpolate, stabilize, finish,
keyframes, track and metrics --json.

What is hashed (SHA-256): the *decoded* pixels of every frame a job writes (PNG folders are read with OpenCV, so a
different zlib level or container does not count) with their shape and dtype; JSON files parsed and dumped with sorted
keys; for jobs that print, their stdout. Timings are not part of any output hashed here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
RESULT_FILE = "golden.json"


@dataclass(frozen=True)
class Job:
    """One CLI run: ``argv`` after ``python -m draw_to_video`` (``{w}`` = the work folder, ``{a}`` = the checkout's
    assets folder); ``outputs`` = paths under the work folder to hash; ``stdout`` = hash what it prints too."""

    name: str
    argv: tuple[str, ...]
    outputs: tuple[str, ...] = ()
    stdout: bool = False


def _cmd(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CPU = " --device cpu"
R = " --frames 5 --max-size 256" + CPU
JOBS: tuple[Job, ...] = (
    Job("demo", _cmd("demo --frames 5 --out {w}/demo" + CPU), ("demo",)),
    Job("render_astronaut_dolly", _cmd("render --image {w}/astronaut.png --preset dolly_in --out {w}/r_astro" + R),
        ("r_astro",)),
    Job("render_coffee_orbit", _cmd("render --image {w}/coffee.png --preset orbit_left --depth-of-field 2 "
                                    "--motion-blur 0.5 --aspect 2.39:1 --fill stretch --out {w}/r_coffee" + R),
        ("r_coffee",)),
    Job("render_astronaut_hitchcock", _cmd("render --image {w}/astronaut.png --preset hitchcock --out {w}/r_hitch"
                                           + R), ("r_hitch",)),
    Job("trajectory", _cmd("trajectory --path {a}/example_path.json --preset auto --frames 9 --handheld 0.5 --seed 3 "
                           "--json {w}/traj.json --tracks {w}/tracks.json --chan {w}/traj.chan"),
        ("traj.json", "tracks.json", "traj.chan"), True),
    Job("effect_grain", _cmd("effect --input {w}/r_astro --effect film_grain --seed 7 --out {w}/e_grain"),
        ("e_grain",)),
    Job("effect_letterbox", _cmd("effect --input {w}/r_coffee --effect letterbox_2.39 --out {w}/e_box"), ("e_box",)),
    Job("effect_grade", _cmd("effect --input {w}/r_hitch --effect color_grade_teal_orange --intensity 0.6 "
                             "--out {w}/e_grade"), ("e_grade",)),
    Job("interpolate", _cmd("interpolate --input {w}/r_astro --multiplier 2 --fps 12 --out {w}/interp"), ("interp",)),
    Job("stabilize", _cmd("stabilize --input {w}/r_coffee --out {w}/stab"), ("stab",)),
    Job("finish", _cmd("finish --input {w}/r_astro --fps 12 --stabilize --multiplier 2 --effect vignette "
                       "--effect color_grade_cinematic=0.5 --seed 2 --out {w}/fin"), ("fin",)),
    Job("keyframes", _cmd("keyframes --start {w}/r_astro/frame_00000.png --end {w}/r_astro/frame_00004.png --frames 3 "
                          "--out {w}/kf"), ("kf",)),
    Job("track", _cmd("track --input {w}/r_coffee --fps 12 --out {w}/track.json"), ("track.json",)),
    Job("metrics", _cmd("metrics --input {w}/r_astro --reference {w}/r_hitch --json"), (), True),
)
PHOTOS = ("astronaut", "coffee")
PHOTO_SIZE = 320


@dataclass
class Digests:
    """``{job name: {output name: sha256 hex}}`` (``"<stdout>"`` for what a job printed)."""

    by_job: dict[str, dict[str, str]] = field(default_factory=dict)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def frame_digest(path: Path) -> str:
    """SHA-256 of one decoded image: shape, dtype and pixel bytes (OpenCV's reading, channels as stored)."""
    import cv2
    import numpy as np

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f"cannot decode {path}")
    img = np.ascontiguousarray(img)
    return _sha(f"{img.shape}{img.dtype}".encode() + img.tobytes())


def video_digest(path: Path) -> str:
    """SHA-256 over every decoded frame of a video file (OpenCV's decoder, BGR uint8)."""
    import cv2

    cap, h = cv2.VideoCapture(str(path)), hashlib.sha256()
    ok, frame = cap.read()
    while ok:
        h.update(f"{frame.shape}".encode() + frame.tobytes())
        ok, frame = cap.read()
    cap.release()
    return h.hexdigest()


def output_digest(path: Path) -> str:
    """Digest of one output: a folder = its frames in name order; .json = canonical JSON; a video = its decoded
    frames; anything else (``.chan``, text) = its bytes."""
    if path.is_dir():
        frames = sorted(p for p in path.iterdir() if p.suffix.lower() in (".png", ".jpg", ".exr", ".tif"))
        if not frames:
            raise ValueError(f"{path} has no frames")
        return _sha("".join(f"{p.name}:{frame_digest(p)}\n" for p in frames).encode())
    if path.suffix == ".json":
        return _sha(json.dumps(json.loads(path.read_text()), sort_keys=True).encode())
    if path.suffix.lower() in (".mp4", ".webm", ".mkv", ".mov", ".gif"):
        return video_digest(path)
    return _sha(path.read_bytes())


def compare_digests(recorded: Digests, current: Digests) -> list[str]:
    """One line per difference between two runs (a job or output missing from either side, or a different hash),
    in job order of ``recorded`` then the extra ones of ``current``; empty when identical."""
    out = []
    for job in list(recorded.by_job) + [j for j in current.by_job if j not in recorded.by_job]:
        old, new = recorded.by_job.get(job), current.by_job.get(job)
        if old is None or new is None:
            out.append(f"{job}: {'not recorded' if old is None else 'did not run'}")
            continue
        for name in list(old) + [n for n in new if n not in old]:
            if name not in new or name not in old:
                out.append(f"{job}/{name}: {'missing now' if name not in new else 'new output'}")
            elif old[name] != new[name]:
                out.append(f"{job}/{name}: differs ({old[name][:12]} -> {new[name][:12]})")
    return out


def _prepare(work: Path, checkout: Path) -> dict[str, str]:
    """Write the input photos (longer side ``PHOTO_SIZE``, area-resized) and return the subprocess environment
    with ``checkout`` importable as ``draw_to_video``."""
    import cv2
    import skimage.data

    for name in PHOTOS:
        rgb = getattr(skimage.data, name)()
        h, w = rgb.shape[:2]
        s = PHOTO_SIZE / max(h, w)
        small = cv2.resize(rgb[..., ::-1], (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(work / f"{name}.png"), small)
    link = work / "pkg"
    link.mkdir()
    (link / "draw_to_video").symlink_to(checkout, target_is_directory=True)
    return {**os.environ, "PYTHONPATH": str(link), "CUDA_VISIBLE_DEVICES": "", "PYTHONHASHSEED": "0"}


def run_jobs(checkout: Path, jobs: tuple[Job, ...] = JOBS, verbose: bool = True) -> Digests:
    """Run ``jobs`` against ``checkout`` in a fresh temporary folder; the digests of their outputs."""
    digests = Digests()
    with tempfile.TemporaryDirectory(prefix="d2v-golden-") as tmp:
        work = Path(tmp)
        env = _prepare(work, checkout)
        for job in jobs:
            argv = [a.format(w=work, a=checkout / "assets") for a in job.argv]
            proc = subprocess.run([sys.executable, "-m", "draw_to_video", *argv], env=env, cwd=work,
                                  capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(f"{job.name} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
            got = {name: output_digest(work / name) for name in job.outputs}
            if job.stdout:
                got["<stdout>"] = _sha(proc.stdout.replace(str(work), "{w}").encode())
            digests.by_job[job.name] = got
            if verbose:
                print(f"  {job.name}: {len(got)} output(s)", flush=True)
    return digests


def main(argv: list[str] | None = None) -> int:
    """Record or compare; 0 when recorded or identical, 1 when something differs."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--record", metavar="DIR", type=Path, help="run the jobs and write DIR/golden.json")
    mode.add_argument("--compare", metavar="DIR", type=Path, help="run the jobs and compare with DIR/golden.json")
    p.add_argument("--checkout", type=Path, default=CHECKOUT, help="source tree to run (default: this one)")
    a = p.parse_args(argv)
    current = run_jobs(a.checkout.resolve())
    if a.record:
        a.record.mkdir(parents=True, exist_ok=True)
        (a.record / RESULT_FILE).write_text(json.dumps(current.by_job, indent=1) + "\n")
        print(f"recorded {sum(map(len, current.by_job.values()))} digests of {len(current.by_job)} jobs "
              f"from {a.checkout} in {a.record / RESULT_FILE}")
        return 0
    recorded = Digests(json.loads((a.compare / RESULT_FILE).read_text()))
    diffs = compare_digests(recorded, current)
    print("\n".join(diffs) if diffs else f"identical: {len(current.by_job)} jobs")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
