"""Finish a clip: temporal consistency -> frame interpolation -> cinematic effects, in that order.

Stabilizing first works on the frames the model made (before interpolation multiplies any flicker); effects come
last so grain, glitches and grades are not smeared by the flow of the steps before them. Every step is optional;
its settings are a small dataclass whose defaults and ranges are ``core/params`` (TEMPORAL, INTERPOLATE, EFFECT).
The ``finish`` command and the Python API call :func:`finish_clip`; each step is also a node of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import ProgressFn, params
from ..core.frames import check_image_batch, to_rgb

if TYPE_CHECKING:
    import torch
# torch is imported where it is used: finish_file starts decoding before torch's 1-2 s of imports

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
    import torch

    from . import budget  # here: the file jobs that stream (the effect command's grade) do not load it

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
    if mask is not None or depth is not None:
        return False
    if not effects:
        return True  # (the effects, and torch with them, are not imported)
    from ..effects.registry import get_effect

    return all(get_effect(e.name if isinstance(e, Effect) else e).per_frame for e in effects)


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
    import numpy as np

    fps, stab, interp, chain = _checked_settings(fps, stabilize, interpolate, effects)
    if not can_stream(chain):
        raise ValueError("an effect of the chain needs the whole clip: use finish_clip")
    frames, fps, steps = _stream_steps(source, count, shape, fps, stab, interp, reference, on_progress)
    steps += [f"{e.name} (intensity {e.intensity:g}, seed {e.seed})" for e in chain]

    def chunks():
        import torch

        from ..effects.registry import apply_effect

        n = 0
        while batch := list(itertools.islice(frames, STREAM_CHUNK)):
            x = torch.from_numpy(np.stack(batch)[..., :3])
            if x.dtype == torch.uint8:  # effects alone: the source's frames, converted a chunk at a time
                x = x.float().div_(255.0)
            elif x.dtype != torch.float32:
                x = x.float()
            for e in chain:
                x = apply_effect(e.name, x, e.intensity, e.seed, camera=camera, first_frame=n).cpu()
            n += len(batch)
            yield x

    return chunks(), fps, tuple(steps)


def _stream_steps(source, count: int, shape, fps: float, stab: Stabilize | None, interp: Interpolate | None,
                  reference, on_progress: ProgressFn):
    """The stabilize and interpolate steps of :func:`iter_finish` (checked settings), frame by frame: an iterator
    of (H, W, C) float32 frames 0..1 (numpy; torch is not imported), the output fps and the steps' lines. With
    neither step, the source's own frames as they come (uint8 or float)."""
    import numpy as np

    def floats():
        for f in source():
            f = np.asarray(f)
            yield f.astype(np.float32) / np.float32(255.0) if f.dtype == np.uint8 else f.astype(np.float32)

    steps: list[str] = []
    if stab is None and interp is None:
        return source(), fps, steps
    frames = None if stab is not None else floats()
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
    return frames, fps, steps


# --- file to file: what the effect / interpolate / stabilize / finish commands run ----------------------------------
EFFECT_PREFETCH = 48
"""Frames the reader may decode ahead for an effects-only chain (85 MB at 1024x576): enough to keep the second core
busy while torch is imported (1-2 s of the first)."""


@dataclass(frozen=True)
class FinishedFile:
    """What :func:`finish_file` wrote: the file or folder, the frames read and written, the output frame rate and
    what ran (one line per step)."""

    path: Path
    frames_in: int
    frames: int
    fps: float
    steps: tuple[str, ...]


@dataclass(frozen=True)
class _FileJob:
    """:func:`finish_file`'s settings as given (checked when the input's frame rate is known)."""

    output: str | Path
    stabilize: Stabilize | bool | None
    interpolate: Interpolate | None
    effects: tuple
    fps: float | None
    reference: str | Path | None
    png_level: int | None
    on_progress: ProgressFn


def finish_file(input: str | Path, output: str | Path, *, stabilize: Stabilize | bool | None = None,
                interpolate: Interpolate | None = None, effects: Sequence[Effect | str] = (), fps: float | None = None,
                reference: str | Path | None = None, camera=None, mask=None, depth=None, png_level: int | None = None,
                grade_in_uint8: bool = False, on_progress: ProgressFn = None) -> FinishedFile:
    """:func:`finish_clip` from a file to a file (video, image or folder of images -> ``.mp4`` / ``.webm`` /
    ``.gif`` / ``.webp`` or a PNG folder at zlib level ``png_level``): stabilize, then interpolate, then the effects.

    ``fps``: the input's frame rate (None = read from the video; 12 for images). ``reference``: a clip whose flow
    guides the stabilizing (one frame per input frame). ``camera``, ``mask``, ``depth``: file paths (read with
    ``pipelines/inputs.read_effect_inputs``) or already loaded values, for the effects that use them.
    How it runs: with ``grade_in_uint8`` (the ``effect`` command), a lone colour grade with nothing else streams in
    uint8 with numpy, torch never imported (``effects/grades.grade_uint8``, the node's function); a chain that
    :func:`can_stream` streams frame by frame (:func:`iter_finish`: memory does not grow with the clip); otherwise the
    clip is read whole (uint8 until the work starts). Decoding starts before torch is imported.
    ``ValueError`` (or ``FileNotFoundError``) for bad settings or files, saying what to fix.
    """
    from ..video.read import FrameReader
    from ..video.write import check_output

    check_output(output)
    job = _FileJob(output, stabilize, interpolate, tuple(effects), fps, reference, png_level, on_progress)
    effects_only = not stabilize and interpolate is None
    plain = effects_only and grade_in_uint8 and camera is None and mask is None and depth is None
    grade = _lone_grade(job.effects) if plain else None
    if grade is not None:
        return _grade_file(input, job, *grade)
    # decoding starts here, on its own threads, while torch and the effects are imported (1-2 s of one core)
    reader = FrameReader(input, prefetch=EFFECT_PREFETCH) if effects_only else FrameReader(input)
    frames = iter(reader)
    first = next(frames, None)
    source = _once(itertools.chain([] if first is None else [first], frames))
    from .inputs import read_effect_inputs

    camera, mask, depth = (read_effect_inputs(camera, mask, depth) if _any_path(camera, mask, depth)
                           else (camera, mask, depth))
    if can_stream(job.effects, mask, depth):
        return _stream_file(reader, source, input, job, camera, effects_only)
    return _whole_file(reader, source, job, camera, mask, depth)


def _any_path(*values) -> bool:
    return any(isinstance(v, (str, Path)) for v in values)


def _once(frames):
    """``source()`` for :func:`iter_finish`: the one iterator over the input (it is read once)."""
    return lambda: frames


def _lone_grade(effects: tuple) -> tuple[str, str, float] | None:
    """(effect name, grade preset, intensity) when ``effects`` is one colour grade at seed-free default settings
    the uint8 path computes exactly (``effects/grades.GRADE_EFFECTS``), else None."""
    from ..effects.grades import GRADE_EFFECTS

    if len(effects) != 1:
        return None
    e = effects[0] if isinstance(effects[0], Effect) else Effect(effects[0])
    if e.name not in GRADE_EFFECTS:
        return None
    return e.name, GRADE_EFFECTS[e.name], float(_EFFECT["intensity"].check(e.intensity, "intensity"))


def _grade_file(input, job: _FileJob, name: str, preset: str, intensity: float) -> FinishedFile:
    """A colour grade streamed in uint8 with numpy (the same function as the node's): torch is never imported,
    decoding and encoding run on their own threads while this thread grades."""
    from ..effects.grades import grade_uint8
    from ..video.read import FrameReader
    from ..video.write import FrameWriter

    reader = FrameReader(input)
    fps = job.fps or reader.fps
    n = 0
    with FrameWriter(job.output, fps, png_level=job.png_level) as writer:
        for frame in reader:
            writer.write(grade_uint8(frame[None], preset, intensity))
            n += 1
            if job.on_progress is not None:
                job.on_progress(n, reader.count)
    return FinishedFile(Path(writer.path), n, n, float(fps), (f"{name} (intensity {intensity:g})",))


def _stream_file(reader, source, input, job: _FileJob, camera, effects_only: bool) -> FinishedFile:
    """The chain frame by frame from ``source()`` (the reader's one iterator) to the output: with effects through
    :func:`iter_finish`'s chunks, without them each frame of the stabilize / interpolate steps written as it comes
    (torch never imported)."""
    from ..video.read import probe
    from ..video.write import FrameWriter

    info = probe(input)
    count, shape = info.frames, (info.height, info.width, 3)
    ref = reference_stream(job.reference, count) if job.stabilize and job.reference else None
    if job.effects:
        frames, fps, steps = iter_finish(source, count, shape, job.fps or reader.fps, stabilize=job.stabilize,
                                         interpolate=job.interpolate, effects=job.effects, reference=ref,
                                         camera=camera, on_progress=None if effects_only else job.on_progress)
    else:
        fps, stab, interp, _ = _checked_settings(job.fps or reader.fps, job.stabilize, job.interpolate, ())
        frames, fps, steps = _stream_steps(source, count, shape, fps, stab, interp, ref, job.on_progress)
        steps = tuple(steps)
    n = 0
    with _io_threads_for(effects_only), FrameWriter(job.output, fps, png_level=job.png_level) as writer:
        for chunk in frames:
            writer.write(chunk)
            n += len(chunk) if job.effects else 1
            if effects_only and job.on_progress is not None:
                job.on_progress(n, reader.count)
    return FinishedFile(Path(writer.path), count, n, float(fps), steps)


@contextmanager
def _io_threads_for(effects_only: bool):
    """While an effects-only chain streams, the decoder and encoder threads get their cores: torch gets one thread
    fewer and OpenCV one (their idle pool threads would spin on them: 17 % of the CPU time of PNG in / PNG out on
    two cores); restored afterwards (the job may run inside a longer process: tests, the Python API). Otherwise
    nothing changes (and torch is not imported)."""
    if not effects_only:
        yield
        return
    import cv2
    import torch

    from ..video.read import IO_THREADS

    threads = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(max(1, threads[0] - IO_THREADS))
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads[0])
        cv2.setNumThreads(threads[1])


def _whole_file(reader, source, job: _FileJob, camera, mask, depth) -> FinishedFile:
    """The clip read whole (uint8 until the work starts), :func:`finish_clip`, written in chunks."""
    import numpy as np
    import torch

    from ..video.read import read_frames
    from ..video.write import FrameWriter

    frames = torch.from_numpy(np.stack(list(source()))).float().div_(255.0)
    ref = read_frames(job.reference)[0] if job.reference else None
    result = finish_clip(frames, job.fps or reader.fps, stabilize=job.stabilize, interpolate=job.interpolate,
                         effects=job.effects, reference=ref, camera=camera, mask=mask, depth=depth,
                         on_progress=job.on_progress)
    frames_in = frames.shape[0]
    del frames
    with FrameWriter(job.output, result.fps, png_level=job.png_level) as writer:
        for s in range(0, result.frames.shape[0], STREAM_CHUNK):
            writer.write(result.frames[s:s + STREAM_CHUNK])
    return FinishedFile(Path(writer.path), frames_in, result.frames.shape[0], result.fps, result.steps)


def reference_stream(path: str | Path, count: int):
    """The reference clip as a function returning a frame iterator (read alongside the input, once), after
    checking it has one frame per input frame (``ValueError`` otherwise)."""
    from ..video.read import FrameReader, probe

    n = probe(path).frames
    if n != count:
        raise ValueError(f"reference has {n} frames but the input has {count}: give one reference frame per frame")
    return lambda: iter(FrameReader(path))
