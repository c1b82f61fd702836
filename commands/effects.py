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
    from ..pipelines.finish import Effect, finish_file

    with TqdmProgress(args.effect, leave=False) as bar:
        done = finish_file(args.input, args.out, effects=[Effect(args.effect, args.intensity, args.seed)],
                           fps=args.fps, camera=args.camera, mask=args.mask, depth=args.depth,
                           png_level=args.png_compression, grade_in_uint8=True, on_progress=bar)
    note = f"{done.frames_in} → {done.frames} frames" if done.frames != done.frames_in else f"{done.frames} frames"
    print(f"wrote {done.path} ({note})")
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
