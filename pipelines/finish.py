"""Finish a clip: temporal consistency -> frame interpolation -> cinematic effects, in that order.

Stabilizing first works on the frames the model made (before interpolation multiplies any flicker); effects come
last so grain, glitches and grades are not smeared by the flow of the steps before them. Every step is optional;
its settings are a small dataclass whose defaults and ranges are ``core/params`` (TEMPORAL, INTERPOLATE, EFFECT).
The ``finish`` command and the Python API call :func:`finish_clip`; each step is also a node of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..core import ProgressFn, params
from ..core.frames import check_image_batch, to_rgb
from . import budget

_TEMPORAL, _INTERP, _EFFECT = params.TEMPORAL, params.INTERPOLATE, params.EFFECT


@dataclass(frozen=True)
class Stabilize:
    """Temporal consistency settings (see ``video/temporal.temporal_consistency``)."""

    strength: float = _TEMPORAL["strength"].default
    sigma: float = _TEMPORAL["sigma"].default
    detail: float = _TEMPORAL["detail"].default

    def checked(self) -> Stabilize:
        return Stabilize(*(float(_TEMPORAL[k].check(getattr(self, k), k)) for k in ("strength", "sigma", "detail")))


@dataclass(frozen=True)
class Interpolate:
    """Frame interpolation settings: ``target_fps`` > 0 resamples to that rate, else ``multiplier`` frames per
    source interval (see ``video/interpolate.interpolate_clip``)."""

    multiplier: int = _INTERP["multiplier"].default
    target_fps: float = _INTERP["target_fps"].default
    loop: bool = False
    quality: str = _INTERP["quality"].default

    def checked(self) -> Interpolate:
        return Interpolate(multiplier=_INTERP["multiplier"].check(self.multiplier, "multiplier"),
                           target_fps=float(_INTERP["target_fps"].check(self.target_fps, "target_fps")),
                           loop=params.Flag().check(self.loop, "loop"),
                           quality=_INTERP["quality"].check(self.quality, "quality"))


@dataclass(frozen=True)
class Effect:
    """One cinematic effect (a name of ``effects/registry.EFFECTS``) at ``intensity`` with ``seed``."""

    name: str
    intensity: float = _EFFECT["intensity"].default
    seed: int = _EFFECT["seed"].default

    def checked(self) -> Effect:
        from ..effects.registry import get_effect

        get_effect(self.name)
        return Effect(self.name, float(_EFFECT["intensity"].check(self.intensity, "intensity")),
                      _EFFECT["seed"].check(self.seed, "seed"))


def _checked_settings(fps, stabilize, interpolate, effects):
    """The finish settings checked before any work: (fps, Stabilize or None, Interpolate or None, [Effect])."""
    fps = float(_INTERP["source_fps"].check(fps, "fps"))
    if stabilize is True:
        stabilize = Stabilize()
    stab = stabilize.checked() if stabilize else None
    interp = interpolate.checked() if interpolate is not None else None
    chain = [(e if isinstance(e, Effect) else Effect(e)).checked() for e in effects]
    ratio_error = params.fps_ratio_error(fps, interp.target_fps) if interp is not None else None
    if ratio_error:
        raise ValueError(ratio_error)
    return fps, stab, interp, chain


@dataclass(frozen=True)
class FinishedClip:
    """frames: float32 [N, H, W, 3] in 0..1 on the CPU; fps: its frame rate; steps: what ran, in order."""

    frames: torch.Tensor
    fps: float
    steps: tuple[str, ...]


def finish_clip(frames, fps: float, *, stabilize: Stabilize | bool | None = None,
                interpolate: Interpolate | None = None, effects: Sequence[Effect | str] = (), reference=None,
                camera=None, mask=None, depth=None, on_progress: ProgressFn = None) -> FinishedClip:
    """Stabilize, interpolate and add effects to a clip.

    Args:
        frames: the clip, torch/numpy [B, H, W, C] float 0..1 (C = 1, 3 or 4; the result is RGB).
        fps: its frame rate (the interpolation's source fps; kept when nothing retimes the clip).
        stabilize: None/False = skip; True = default :class:`Stabilize`; or the settings.
        interpolate: None = skip, or :class:`Interpolate` settings.
        effects: effect names (default intensity and seed) or :class:`Effect` items, applied in order.
        reference: optional clip with the input's frame count whose optical flow guides the stabilizing.
        camera, mask, depth: handed to the effects that use them (``effects`` registry: ``uses``).
        on_progress: ``on_progress(done, total)``; each step starts over with its own total.
    Returns:
        :class:`FinishedClip`.
    Raises:
        ValueError: a bad clip or setting (checked before any work), saying what to fix.
    """
    fps, stab, interp, chain = _checked_settings(fps, stabilize, interpolate, effects)
    clip = to_rgb(check_image_batch(torch.as_tensor(frames), "frames")).float().cpu()
    steps: list[str] = []
    b, h, w = clip.shape[:3]
    if stab is not None:
        from ..video.temporal import temporal_consistency

        budget.check_temporal(b, h, w)
        clip = temporal_consistency(clip, strength=stab.strength, sigma=stab.sigma, detail=stab.detail,
                                    reference=reference, on_progress=on_progress)
        steps.append(f"stabilize (strength {stab.strength:g}, sigma {stab.sigma:g}, detail {stab.detail:g})")
    if interp is not None:
        from ..video.interpolate import interpolate_clip

        target = interp.target_fps if interp.target_fps > 0 else None
        budget.check_interpolate(b, budget.interpolated_frames(b, interp.multiplier, target, fps, interp.loop), h, w)
        clip, new_fps = interpolate_clip(clip, multiplier=interp.multiplier, target_fps=target, source_fps=fps,
                                         loop=interp.loop, quality=interp.quality, on_progress=on_progress)
        steps.append(f"interpolate ({clip.shape[0]} frames at {new_fps:g} fps, quality {interp.quality})")
        fps = float(new_fps)
    if chain:
        from ..effects.registry import apply_effect, get_effect

        for e in chain:
            budget.check_effect(e.name, *clip.shape[:3], get_effect(e.name).retimes)
            clip = apply_effect(e.name, clip, e.intensity, e.seed, camera=camera, mask=mask, depth=depth,
                                on_progress=on_progress).cpu()
            steps.append(f"{e.name} (intensity {e.intensity:g}, seed {e.seed})")
    return FinishedClip(frames=clip.contiguous(), fps=fps, steps=tuple(steps))


STREAM_CHUNK = 8
"""Frames per chunk handed to the effects of a streamed finish."""


def can_stream(effects: Sequence[Effect | str], mask=None, depth=None) -> bool:
    """True when :func:`iter_finish` can run this chain: every effect is per-frame (``effects`` registry:
    ``per_frame``) and no per-frame mask or depth is given (those are read whole)."""
    from ..effects.registry import get_effect

    return mask is None and depth is None and all(
        get_effect(e.name if isinstance(e, Effect) else e).per_frame for e in effects)


def iter_finish(source, count: int, shape, fps: float, *, stabilize: Stabilize | bool | None = None,
                interpolate: Interpolate | None = None, effects: Sequence[Effect | str] = (), reference=None,
                camera=None, on_progress: ProgressFn = None):
    """:func:`finish_clip` as a stream, for long clips: memory does not grow with the clip's length.

    ``source()`` returns a fresh iterator over the clip's ``count`` frames ((H,W,3) uint8, or float 0..1;
    ``shape`` = (H,W,3)); it is called once (the stabilizing holds a window of frames, not the clip).
    ``reference``: None or a function returning an iterator over the reference clip's frames, read alongside.
    The effects must allow it (:func:`can_stream`).
    Returns ``(chunks, fps, steps)``: an iterator of float32 torch chunks ``[b,H,W,3]`` 0..1 in order, the output
    frame rate and what runs. The frames equal :func:`finish_clip`'s on the same clip (the same functions, fed
    frame by frame).
    """
    import itertools

    import numpy as np

    fps, stab, interp, chain = _checked_settings(fps, stabilize, interpolate, effects)
    if not can_stream(chain):
        raise ValueError("an effect of the chain needs the whole clip: use finish_clip")

    def floats(open_frames):
        def gen():
            for f in open_frames():
                f = np.asarray(f)
                yield f.astype(np.float32) / np.float32(255.0) if f.dtype == np.uint8 else f.astype(np.float32)
        return gen

    steps: list[str] = []
    frames = floats(source)()
    if stab is not None:
        from ..video.temporal import iter_temporal_consistency

        frames = iter_temporal_consistency(source, count, shape, stab.strength, stab.sigma, stab.detail, reference,
                                           on_progress=on_progress)  # uint8 frames are held as they come
        steps.append(f"stabilize (strength {stab.strength:g}, sigma {stab.sigma:g}, detail {stab.detail:g})")
    if interp is not None:
        from ..video.interpolate import iter_interpolate, plan_clip

        target = interp.target_fps if interp.target_fps > 0 else None
        plan = plan_clip(count, interp.multiplier, target, fps, interp.loop)
        frames = iter_interpolate(frames, plan, interp.quality, on_progress=on_progress)
        steps.append(f"interpolate ({len(plan)} frames at {plan.fps:g} fps, quality {interp.quality})")
        fps = float(plan.fps)
    steps += [f"{e.name} (intensity {e.intensity:g}, seed {e.seed})" for e in chain]

    def chunks():
        from ..effects.registry import apply_effect

        n = 0
        while batch := list(itertools.islice(frames, STREAM_CHUNK)):
            x = torch.from_numpy(np.stack(batch)[..., :3])
            for e in chain:
                x = apply_effect(e.name, x, e.intensity, e.seed, camera=camera, first_frame=n).cpu()
            n += len(batch)
            yield x

    return chunks(), fps, tuple(steps)
