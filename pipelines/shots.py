"""Shot lists: several shots (each a picture and a camera move, or a finished clip) joined by transitions into one
clip.

The spec (JSON; docs/shots.md)::

    {"version": 1, "fps": 12, "width": 512, "height": 288,
     "shots": [{"image": "a.jpg" | 0, "preset": "dolly_in" | "path": {...} | "camera": {...}, "intensity": 1.0,
                "frames": 24},
               {"clip": 0, "frames": 20, "transition": "crossfade", "transition_frames": 6}, ...]}

Frame count (the rule): a shot's ``transition`` says how it comes in from the shot before; its
``transition_frames`` K overlap: the last K frames of the shot before and the first K of this one become K blended
frames. So the clip has ``sum(frames) - sum(K)`` frames (``cut`` has K = 0). The first shot has no transition.

Transitions: ``cut``; ``crossfade`` (linear mix of the overlapping frames); ``whip_pan`` (effects/geometric.py
``whip_pan_transition`` over the overlap: shot A whips out under horizontal motion blur as shot B whips in);
``morph`` (flow-based: each overlapping pair is warped towards the other along their optical flow, video/
interpolate.py ``PairInterpolator``, and mixed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core import limits, params
from ..core.errors import excerpt, loads_json
from ..core.frames import cover_fit

SHOTS_VERSION = 1
TRANSITIONS = ("cut", "crossfade", "whip_pan", "morph")
MAX_SHOTS = 64
MAX_SPEC_BYTES = 8 * 1024 * 1024
SHOT_FRAMES = (2, 1000)
MAX_CLIP_INPUTS = 4
"""Clip inputs of the Shot List node (``clip_0`` .. ``clip_3``), for shots made elsewhere (e.g. SVD)."""
EXAMPLE_SPEC = {"version": 1, "fps": 12, "width": 768, "height": 432, "shots": [
    {"image": 0, "preset": "dolly_in", "frames": 24},
    {"image": 0, "preset": "orbit_left", "frames": 24, "transition": "crossfade", "transition_frames": 8},
    {"image": 0, "preset": "pan_right", "intensity": 1.5, "frames": 24, "transition": "whip_pan",
     "transition_frames": 10}]}
"""Three shots of one picture (image 0 of the node's images): a push-in, an orbit, a pan; 54 frames."""
SIZE = (16, 4096)
MAX_SHOT_FRAMES_TOTAL = limits.MAX_FRAMES
"""Most frames one spec may render, all shots together (``sum(frames)``, transitions counted in): the work of a
spec is bounded here, at validation, besides its memory (:func:`check_work`)."""
MAX_NAME_CHARS = 1024
"""Longest ``image`` name a spec may give (and 255 characters a path component, the file systems' own limit)."""


@dataclass(frozen=True)
class ShotSpec:
    """One shot. Source: ``image`` (a file path, or an index into the images handed in) with a move (``preset``,
    ``path`` — drawn path JSON value — or ``camera`` — camera JSON value; none = static), or ``clip`` (an index into
    the clips handed in: frames already made, e.g. by SVD). ``transition``/``transition_frames``: how this shot
    comes in from the one before."""

    frames: int
    image: str | int | None = None
    clip: int | None = None
    preset: str | None = None
    path: dict | None = None
    camera: dict | None = None
    intensity: float = 1.0
    easing: str = "linear"
    """Shots keep moving at a constant speed by default, so no frame freezes at a cut (an eased shot stops)."""
    transition: str = "cut"
    transition_frames: int = 0


@dataclass(frozen=True)
class ShotList:
    fps: float
    width: int
    height: int
    shots: tuple[ShotSpec, ...]

    @property
    def total_frames(self) -> int:
        """``sum(frames) - sum(transition_frames)``: the transitions overlap the shots."""
        return sum(s.frames for s in self.shots) - sum(s.transition_frames for s in self.shots)


def _number(v, what: str, lo: float, hi: float, integer: bool = False):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi \
            or (integer and v != int(v)):
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{what} must be {kind} in {lo:g}..{hi:g}, got {excerpt(v)}")
    return int(v) if integer else float(v)


def parse_shot_list(data, base_dir: str | Path | None = None,
                    resolve: Callable[[str, str], str] | None = None) -> ShotList:
    """Parse and check a shot-list spec (JSON text or a decoded dict). Raises ``ValueError`` naming the shot and
    field to fix.

    Image file names: with ``resolve`` (the ComfyUI node passes ``nodes/files.input_file``), each goes through
    ``resolve(name, "shot i image")``, which returns the path to read or raises ``ValueError``; without it they are
    local paths (CLI, Python API), relative ones resolved against ``base_dir`` (the spec file's folder)."""
    if isinstance(data, (str, bytes)):
        data = loads_json(data, "the shot list", MAX_SPEC_BYTES)
    if not isinstance(data, dict):
        raise ValueError('the shot list must be an object {"version": 1, "fps", "width", "height", "shots": [...]}')
    if data.get("version", SHOTS_VERSION) != SHOTS_VERSION:
        raise ValueError(f"shot list version {excerpt(data.get('version'))} is not supported; use {SHOTS_VERSION}")
    unknown = set(data) - {"version", "fps", "width", "height", "shots"}
    if unknown:
        raise ValueError(f"the shot list has unknown key(s) {', '.join(sorted(unknown))}; allowed: version, fps, "
                         "width, height, shots")
    fps_range = params.TRAJECTORY["fps"]  # each shot is a trajectory at this frame rate: its range, not another
    fps = _number(data.get("fps", 12), "fps", fps_range.lo, fps_range.hi)
    width = _number(data.get("width", 512), "width", *SIZE, integer=True)
    height = _number(data.get("height", 288), "height", *SIZE, integer=True)
    raw = data.get("shots")
    if not isinstance(raw, list) or not raw:
        raise ValueError('"shots" must be a non-empty list of shots')
    if len(raw) > MAX_SHOTS:
        raise ValueError(f"the shot list has {len(raw)} shots; at most {MAX_SHOTS}")
    shots = [_parse_shot(s, i, base_dir, resolve) for i, s in enumerate(raw)]
    for i, s in enumerate(shots):
        _check_move(s, i, width, height)
    for i, s in enumerate(shots):
        if i == 0 and s.transition != "cut":
            raise ValueError(f'shot 0 has transition "{s.transition}", but a transition joins a shot to the one '
                             'before: drop it from the first shot')
        if s.transition_frames:
            prev = shots[i - 1]
            room_prev = prev.frames - prev.transition_frames  # frames of the shot before not already overlapped
            if s.transition_frames >= min(room_prev, s.frames):
                raise ValueError(f"shot {i}: transition_frames {s.transition_frames} must be fewer than the frames "
                                 f"left free in shot {i - 1} ({room_prev}) and in shot {i} ({s.frames}): lower "
                                 "transition_frames or lengthen the shots")
    spec = ShotList(fps=fps, width=width, height=height, shots=tuple(shots))
    check_work(spec)
    return spec


def check_work(spec: ShotList) -> None:
    """Refuse a spec whose work is over the limits before anything renders: at most :data:`MAX_SHOT_FRAMES_TOTAL`
    rendered frames in all, and the memory of the joined clip plus the two largest shots within
    ``core/limits.check_budget``. ``ValueError`` naming the figure and what to lower."""
    rendered = sum(s.frames for s in spec.shots)
    limits.check_count(rendered, MAX_SHOT_FRAMES_TOTAL, "frames in the shot list, all shots together",
                       "lower the shots' \"frames\" or split the list")
    limits.check_budget(limits.render_bytes(spec.height, spec.width, spec.total_frames + 2 * max(
        s.frames for s in spec.shots)), f"a {spec.total_frames}-frame shot list at {spec.width}x{spec.height}",
        "lower width/height or the frames")


def _check_move(shot: ShotSpec, i: int, width: int, height: int) -> None:
    """A shot's ``path`` or ``camera`` parsed and bounded now (camera/path.py, camera/trajectory.py), so a bad one
    is refused with the spec, not when its turn to render comes. A path needs a camera stroke (the move is read from
    it)."""
    from ..camera.path import parse_path
    from ..camera.trajectory import CameraTrajectory

    try:
        if shot.path is not None:
            if parse_path(shot.path, width, height).camera_stroke() is None:
                raise ValueError('the path has no stroke with role "camera": draw the camera move, or give a '
                                 '"preset" instead of the path')
        if shot.camera is not None:
            CameraTrajectory.from_dict(shot.camera)
    except ValueError as e:
        raise ValueError(f"shot {i}: {e}") from None


def _parse_shot(s, i: int, base_dir, resolve) -> ShotSpec:
    if not isinstance(s, dict):
        raise ValueError(f"shot {i} must be an object with \"image\" (or \"clip\"), \"frames\" and a move")
    allowed = {"image", "clip", "preset", "path", "camera", "intensity", "easing", "frames", "transition",
               "transition_frames"}
    unknown = set(s) - allowed
    if unknown:
        raise ValueError(f"shot {i} has unknown key(s) {', '.join(sorted(unknown))}; allowed: "
                         f"{', '.join(sorted(allowed))}")
    where = f"shot {i}"
    image, clip = s.get("image"), s.get("clip")
    if (image is None) == (clip is None):
        raise ValueError(f'{where}: give exactly one of "image" (a file or an index into the images) and "clip" '
                         "(an index into the clips)")
    if clip is not None:
        clip = _number(clip, f"{where} clip", 0, 1e6, integer=True)
        if any(k in s for k in ("preset", "path", "camera")):
            raise ValueError(f'{where}: a "clip" shot is already rendered; drop "preset"/"path"/"camera"')
    elif isinstance(image, str) and resolve is not None:
        image = resolve(image, f"{where} image")
    elif isinstance(image, str):
        _check_name(image, where)
        p = Path(image)
        if base_dir is not None and not p.is_absolute():
            p = Path(base_dir) / p
        image = str(p)
    else:
        image = _number(image, f"{where} image", 0, 1e6, integer=True)
    moves = [k for k in ("preset", "path", "camera") if s.get(k) is not None]
    if len(moves) > 1:
        raise ValueError(f"{where}: give one of preset, path, camera, not {' and '.join(moves)}")
    preset = s.get("preset")
    if preset is not None:
        from ..camera.presets import PRESETS

        if preset not in PRESETS:
            raise ValueError(f"{where}: unknown preset {excerpt(preset)}; use one of: {', '.join(PRESETS)}")
    for k in ("path", "camera"):
        if s.get(k) is not None and not isinstance(s[k], dict):
            raise ValueError(f"{where}: \"{k}\" must be a JSON object (the {k} JSON itself)")
    frames = s.get("frames")
    if frames is None:
        raise ValueError(f'{where}: "frames" is missing (how many frames the shot lasts)')
    frames = _number(frames, f"{where} frames", *SHOT_FRAMES, integer=True)
    transition = s.get("transition", "cut")
    if transition not in TRANSITIONS:
        raise ValueError(f"{where}: transition {excerpt(transition)} is unknown; use one of {', '.join(TRANSITIONS)}")
    k = s.get("transition_frames", 0 if transition == "cut" else min(6, frames - 1))
    k = _number(k, f"{where} transition_frames", 0, SHOT_FRAMES[1], integer=True)
    if transition == "cut" and k:
        raise ValueError(f'{where}: a cut has no transition frames; drop "transition_frames" or pick crossfade, '
                         "whip_pan or morph")
    if transition != "cut" and k < 2:
        raise ValueError(f"{where}: a {transition} needs transition_frames >= 2, got {k}")
    move = params.TRAJECTORY["intensity"]
    intensity = _number(s.get("intensity", 1.0), f"{where} intensity", move.lo, move.hi)
    easing = s.get("easing", "linear")
    if easing not in params.EASINGS and easing != "auto":
        raise ValueError(f"{where}: easing {excerpt(easing)} is unknown; use auto or one of "
                         f"{', '.join(params.EASINGS)}")
    return ShotSpec(frames=frames, image=image, clip=clip, preset=preset, path=s.get("path"), camera=s.get("camera"),
                    intensity=intensity, easing=easing, transition=transition, transition_frames=k)


def _check_name(name: str, where: str) -> None:
    """An ``image`` name no longer than :data:`MAX_NAME_CHARS` (255 a component), not empty, without NUL: what the
    file system would refuse with an ``OSError`` is refused here in one line."""
    parts = name.replace("\\", "/").split("/")
    if not name or "\0" in name or len(name) > MAX_NAME_CHARS or max(len(p) for p in parts) > 255:
        raise ValueError(f"{where}: image {excerpt(name)} is not a usable file name (at most {MAX_NAME_CHARS} "
                         "characters, 255 a folder or file name, no NUL)")


# --- pictures ----------------------------------------------------------------------------------------------------
def cover_resize(image: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """[H, W, C] or [B, H, W, C] float 0..1 → the same at ``height`` x ``width``: scaled to cover, centre-cropped."""
    import cv2

    single = image.ndim == 3
    x = image[None] if single else image
    h, w = x.shape[1:3]
    if (h, w) == (height, width):
        return image
    s, (nh, nw), (y0, x0, _, _) = cover_fit(h, w, height, width)
    out = []
    for f in x.cpu().numpy():
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
        r = cv2.resize(np.ascontiguousarray(f[..., :3]), (nw, nh), interpolation=interp)
        out.append(np.clip(r[y0:y0 + height, x0:x0 + width], 0, 1))
    t = torch.from_numpy(np.stack(out)).to(image.device)
    return t[0] if single else t


def shot_camera(shot: ShotSpec, fps: float, width: int, height: int):
    """The shot's :class:`~..camera.trajectory.CameraTrajectory` with ``shot.frames`` frames (static with no move)."""
    from ..camera.moves import build_trajectory
    from ..camera.path import parse_path
    from ..camera.trajectory import CameraTrajectory, resample_trajectory

    if shot.camera is not None:
        cam = CameraTrajectory.from_dict(shot.camera)
        return resample_trajectory(cam, shot.frames)
    path = parse_path(shot.path, width, height) if shot.path is not None else None
    preset = shot.preset or ("auto" if path is not None else "static")
    return build_trajectory(preset=preset, frames=shot.frames, fps=fps, intensity=shot.intensity, path=path,
                            easing=shot.easing)


def render_shot(shot: ShotSpec, index: int, spec: ShotList, images: Sequence[torch.Tensor] = (),
                clips: Sequence[torch.Tensor | None] = (),
                on_progress: Callable[[int, int], None] | None = None) -> torch.Tensor:
    """Frames [shot.frames, H, W, 3] of one shot at the spec's size: the 2.5D render of its picture along its move,
    or the first ``frames`` of its clip (cover-resized). ``on_progress(done, total)`` after each rendered frame."""
    from ..pipelines.inputs import read_image
    from ..pipelines.render import render_clip

    w, h = spec.width, spec.height
    if shot.clip is not None:
        if shot.clip >= len(clips) or clips[shot.clip] is None:
            raise ValueError(f"shot {index} uses clip {shot.clip}, which was not given (connect clip_{shot.clip})")
        clip = clips[shot.clip]
        if clip.shape[0] < shot.frames:
            raise ValueError(f"shot {index}: clip {shot.clip} has {clip.shape[0]} frames; the shot asks for "
                             f"{shot.frames}: lower \"frames\"")
        return cover_resize(clip[: shot.frames, ..., :3].float(), w, h)
    if isinstance(shot.image, int):
        if shot.image >= len(images):
            raise ValueError(f"shot {index} uses image {shot.image}, but {len(images)} image(s) were given")
        img = images[shot.image][..., :3].float()
    else:
        try:
            img = read_image(shot.image)
        except FileNotFoundError:
            raise ValueError(f"shot {index}: image file not found: {shot.image}") from None
    img = cover_resize(img, w, h)
    try:
        cam = shot_camera(shot, spec.fps, w, h)
    except ValueError as e:
        raise ValueError(f"shot {index}: {e}") from None
    return render_clip(img, cam, on_progress=on_progress).frames.float()


# --- transitions -------------------------------------------------------------------------------------------------
def blend(kind: str, a: torch.Tensor, b: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """K transition frames from the overlap: ``a`` = the last K frames of the shot before, ``b`` = the first K of
    the next ([K, H, W, 3] each, 0..1). Weights of b run ``1/(K+1) .. K/(K+1)``: neither shot shows alone."""
    k = a.shape[0]
    w = torch.arange(1, k + 1, dtype=a.dtype, device=a.device) / (k + 1)
    if kind == "crossfade":
        return torch.lerp(a, b, w[:, None, None, None])
    if kind == "morph":
        from ..video.interpolate import PairInterpolator

        # One flow, between the middle frames of the overlap, drives every morph frame: flows computed pair by pair
        # between two unrelated pictures differ from frame to frame, and the morph would jitter.
        mid = PairInterpolator(a[k // 2].cpu().numpy(), b[k // 2].cpu().numpy(), "balanced")
        mid.is_cut = False  # different shots are expected here: morph instead of cutting midway
        out = []
        for i in range(k):
            mid.f0, mid.f1 = a[i].cpu().numpy(), b[i].cpu().numpy()
            out.append(torch.from_numpy(mid.frame_at(float(w[i]))))
        return torch.stack(out).to(a.device, a.dtype).clamp_(0, 1)
    if kind == "whip_pan":
        return whip(a, b, direction=1 if seed % 2 == 0 else -1)
    raise ValueError(f"unknown transition {excerpt(kind)}; use one of {', '.join(TRANSITIONS)}")


def whip(a: torch.Tensor, b: torch.Tensor, direction: int = 1, blur: float = 4.0) -> torch.Tensor:
    """Whip-pan transition frames [K, H, W, 3] from overlapping frames ``a`` (shot going out) and ``b`` (coming in).

    The technique of effects/geometric.py ``whip_pan_transition`` (a strip of the two pictures side by side slides
    one frame width under horizontal box blur), with two changes for joining live shots: the strip is made of the
    *current* overlapping frames (both shots keep moving, so nothing freezes), and the blur length follows the
    slide's own speed (``blur`` x pixels moved per frame, a smootherstep slide), so the fastest frames are the most
    blurred — what keeps the frame-to-frame change near the shots' own (measured in tests/unit/pipelines/test_shots.py).
    ``direction`` +1: the picture slides left (camera pans right), -1 the other way.
    """
    from ..core.filters import box_blur_x
    from ..core.frames import to_bchw, to_bhwc
    from ..effects.geometric import strip_window

    k, _, w, _ = a.shape
    u = np.arange(0, k + 2) / (k + 1)
    slide = u * u * u * (u * (6 * u - 15) + 10)  # smootherstep 0..1 over the K frames and their two neighbours
    speed = np.gradient(slide) * w  # pixels per frame
    out = []
    for i in range(k):
        pair = (a[i], b[i]) if direction > 0 else (b[i], a[i])
        strip = to_bchw(torch.cat(pair, dim=1)[None])  # [1, 3, H, 2W]
        r = torch.tensor([0.5 * blur * speed[i + 1]], dtype=a.dtype)
        blurred = box_blur_x(box_blur_x(strip, r), r)  # tent kernel
        x0 = (slide[i + 1] if direction > 0 else 1.0 - slide[i + 1]) * w
        out.append(to_bhwc(strip_window(blurred, x0, w))[0])
    return torch.stack(out).clamp_(0, 1)


def assemble(shots_frames: Sequence[torch.Tensor], spec: ShotList, seed: int = 0) -> torch.Tensor:
    """Join rendered shots ([frames_i, H, W, 3] each) with the spec's transitions → [spec.total_frames, H, W, 3]."""
    out: list[torch.Tensor] = []
    carry = shots_frames[0]
    for i in range(1, len(spec.shots)):
        s, nxt = spec.shots[i], shots_frames[i]
        k = s.transition_frames
        if k == 0:
            out.append(carry)
            carry = nxt
            continue
        out.append(carry[:-k])
        out.append(blend(s.transition, carry[-k:], nxt[:k], seed + i))
        carry = nxt[k:]
    out.append(carry)
    clip = torch.cat(out)
    assert clip.shape[0] == spec.total_frames, (clip.shape[0], spec.total_frames)
    return clip


def render_shot_list(spec: ShotList, images: Sequence[torch.Tensor] = (),
                     clips: Sequence[torch.Tensor | None] = (),
                     seed: int = 0, on_progress: Callable[[int, int], None] | None = None) -> torch.Tensor:
    """Render every shot and join them: frames [spec.total_frames, height, width, 3] float 0..1.

    images: pictures ([H, W, C] tensors) for shots whose ``image`` is an index; clips: frame batches
    ([N, H, W, C], None where not given) for shots with ``clip``. ``on_progress(done, total)`` after every
    rendered frame (total = the shots' frames together), so Cancel works within a shot.
    """
    check_work(spec)
    total = sum(s.frames for s in spec.shots)
    rendered, done = [], 0
    for i, shot in enumerate(spec.shots):
        frame_progress = None
        if on_progress is not None:
            def frame_progress(k, _n, _done=done):  # per frame: the node's Cancel checkpoint within a shot
                on_progress(_done + k, total)
        rendered.append(render_shot(shot, i, spec, images, clips, on_progress=frame_progress))
        done += shot.frames
        if on_progress is not None:
            on_progress(done, total)
    device = rendered[0].device
    return assemble([r.to(device) for r in rendered], spec, seed)


def render_shot_file(spec_file: str | Path, out: str | Path, seed: int = 0,
                     on_progress: Callable[[int, int], None] | None = None) -> tuple[Path, ShotList]:
    """The ``shots`` command: read the spec file (image paths relative to it), render, write ``out``."""
    from ..video.write import check_output, write_video

    p = Path(spec_file)
    if not p.is_file():
        raise FileNotFoundError(f"shot list not found: {spec_file}")
    spec = parse_shot_list(p.read_text(encoding="utf-8", errors="replace"), p.parent)
    check_output(out)
    clip = render_shot_list(spec, seed=seed, on_progress=on_progress)
    return write_video(clip.cpu().numpy(), spec.fps, out), spec
