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


@command("effect", "apply one cinematic effect to a video, image or folder of images")
def run_effect(args) -> int:
    import numpy as np
    import torch

    from ..effects.registry import apply_effect, get_effect
    from ..pipelines.inputs import read_effect_inputs
    from ..video.io import read_frames, write_video

    spec = get_effect(args.effect)
    camera, mask, depth = read_effect_inputs(args.camera, args.mask, args.depth)  # small files first
    frames, fps = read_frames(args.input)
    x = torch.from_numpy(np.ascontiguousarray(frames))
    with TqdmProgress(args.effect, leave=False) as bar:
        out = apply_effect(args.effect, x, args.intensity, args.seed, camera=camera, mask=mask, depth=depth,
                           on_progress=bar)
    path = write_video(out.cpu().numpy(), args.fps or fps, args.out)
    note = f" ({x.shape[0]} → {out.shape[0]} frames)" if spec.retimes else f" ({out.shape[0]} frames)"
    print(f"wrote {path}{note}")
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
