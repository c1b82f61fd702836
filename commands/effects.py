"""``effect`` and ``effects`` subcommands: apply one cinematic effect to a clip, list the effects."""

from __future__ import annotations

from ..cli import TqdmProgress, command
from ..core import params
from . import args as a


@command("effects", "list the cinematic effects")
def list_effects(args) -> int:
    from ..effects.registry import EFFECTS

    width = max(len(n) for n in EFFECTS)
    for name, spec in EFFECTS.items():
        extra = " [changes the frame count]" if spec.retimes else ""
        uses = f" (uses {', '.join(spec.uses)})" if spec.uses else ""
        print(f"{name:{width}s}  {spec.description}{extra}{uses}")
    return 0


list_effects.configure = lambda p: None


STREAM_CHUNK = 8
"""Frames per chunk when a per-frame effect streams through a clip."""
START_PREFETCH = 48
"""Frames the reader may decode ahead (85 MB at 1024x576): enough to keep the second core busy while torch is
imported (1-2 s of the first)."""


@command("effect", "apply one cinematic effect to a video, image or folder of images")
def run_effect(args) -> int:
    import itertools

    from ..video.io import FrameReader, check_output

    check_output(args.out)
    if _grades_without_torch(args):
        return _run_grade(args)
    # decoding starts first, on its own threads, while torch and the effects are imported (1-2 s of one core)
    reader = FrameReader(args.input, prefetch=START_PREFETCH)
    frames = iter(reader)
    first = next(frames, None)

    import numpy as np
    import torch

    from ..effects.registry import apply_effect, get_effect
    from ..pipelines.inputs import read_effect_inputs
    from ..video.io import FrameWriter

    spec = get_effect(args.effect)
    camera, mask, depth = read_effect_inputs(args.camera, args.mask, args.depth)
    fps = args.fps or reader.fps
    frames = itertools.chain([] if first is None else [first], frames)
    if spec.per_frame:
        # streamed: decode, effect and encode overlap, a few chunks in memory whatever the clip's length; the
        # decoder and encoder threads get their cores (torch's and OpenCV's idle pool threads would spin on them:
        # 17% of the CPU time of PNG in / PNG out on two cores); restored afterwards.
        import cv2

        from ..video.io import IO_THREADS

        threads = torch.get_num_threads(), cv2.getNumThreads()
        torch.set_num_threads(max(1, threads[0] - IO_THREADS))
        cv2.setNumThreads(1)
        n = 0
        try:
            with TqdmProgress(args.effect, leave=False) as bar, \
                    FrameWriter(args.out, fps, png_level=args.png_compression) as writer:
                while chunk := list(itertools.islice(frames, STREAM_CHUNK)):
                    x = torch.from_numpy(np.stack(chunk)).float().div_(255.0)
                    writer.write(apply_effect(args.effect, x, args.intensity, args.seed, camera=camera,
                                              first_frame=n))
                    n += len(chunk)
                    bar(n, reader.count)
        finally:  # the command may run inside a longer process (tests, the Python API)
            torch.set_num_threads(threads[0])
            cv2.setNumThreads(threads[1])
        print(f"wrote {writer.path} ({n} frames)")
        return 0
    # the effect needs the whole clip (time effects, clip-wide motion, masks/depth per frame): uint8 until here
    x = torch.from_numpy(np.stack(list(frames))).float().div_(255.0)
    with TqdmProgress(args.effect, leave=False) as bar:
        out = apply_effect(args.effect, x, args.intensity, args.seed, camera=camera, mask=mask, depth=depth,
                           on_progress=bar)
    x_len = x.shape[0]
    del x
    with FrameWriter(args.out, fps, png_level=args.png_compression) as writer:
        for s in range(0, out.shape[0], STREAM_CHUNK):
            writer.write(out[s:s + STREAM_CHUNK])
    note = f"{x_len} → {out.shape[0]} frames" if spec.retimes else f"{out.shape[0]} frames"
    print(f"wrote {writer.path} ({note})")
    return 0


def _configure_effect(p):
    p.add_argument("--input", required=True, help="video (mp4/webm/gif/...), image, or folder of images")
    p.add_argument("--effect", required=True, help="effect name (see `effects`)")
    a.option(p, "--intensity", params.EFFECT["intensity"], "intensity")
    a.option(p, "--seed", params.EFFECT["seed"], "seed")
    p.add_argument("--camera", help="camera trajectory JSON (D2V_CAMERA contract)")
    p.add_argument("--mask", help="mask image/video/folder (white = selected)")
    p.add_argument("--depth", help="depth image/video/folder (bright = near)")
    a.option(p, "--fps", params.INTERPOLATE["source_fps"], "fps", default=None,
             help="output frame rate (default: the input's)")
    a.out(p, "output .mp4, .gif, .webp or a folder for PNGs")


run_effect.configure = _configure_effect


def _grades_without_torch(args) -> bool:
    """A colour grade with nothing else to read (no camera, mask or depth): the torch-free path applies."""
    from ..effects.grades import GRADE_EFFECTS

    return args.effect in GRADE_EFFECTS and not (args.camera or args.mask or args.depth)


def _run_grade(args) -> int:
    """A colour grade streamed in uint8 with numpy (effects/grades.py, the same function as the node's): torch is
    never imported, decoding and encoding run on their own threads while the main thread grades."""
    from ..effects.grades import GRADE_EFFECTS, grade_uint8
    from ..video.io import FrameReader, FrameWriter

    preset = GRADE_EFFECTS[args.effect]
    reader = FrameReader(args.input)
    n = 0
    with TqdmProgress(args.effect, leave=False) as bar, \
            FrameWriter(args.out, args.fps or reader.fps, png_level=args.png_compression) as writer:
        for frame in reader:
            writer.write(grade_uint8(frame[None], preset, args.intensity))
            n += 1
            bar(n, reader.count)
    print(f"wrote {writer.path} ({n} frames)")
    return 0
