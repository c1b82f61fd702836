"""Limits on what one request may ask for: sizes, counts and the memory a node may allocate.

Every node, the CLI and the HTTP route read these constants, so a limit is stated once (the README's "Limits"
section lists them). A job estimates its memory before it allocates and calls :func:`check_budget`, which refuses
with the number and what to change; a count or size past its limit is refused the same way. All errors are
``ValueError`` (ComfyUI shows them on the node; the CLI prints them and exits 2).
"""

from __future__ import annotations

import os

GIB = 2**30

MEMORY_BUDGET_BYTES = 8 * GIB
"""The most memory (bytes, estimated before allocating) one node run or CLI job may take: 8 GiB. The environment
variable ``D2V_MEMORY_BUDGET_GB`` (a number of GiB, read at each check) raises or lowers it for a bigger or smaller
machine."""
MAX_SIDE = 16384
"""Largest accepted frame side in pixels."""
MAX_FRAMES = 10_000
"""Most frames a node may output (interpolation, effects that retime); the trajectory's own frame range is smaller."""
MAX_STROKES = 256
"""Most strokes in one drawn path."""
MAX_POINTS = 100_000
"""Most points in one drawn path (all strokes together)."""
MAX_TRACKS = 256
"""Most point tracks Camera Tracks (ATI) writes, grid and drawn strokes together: each is 121 samples of JSON
(about 3 KB), and Wan ATI was trained on sparse tracks."""
MAX_TRACK_SIDE = 1024
"""Camera Tracks works on the image downscaled to at most this many pixels a side (depth, visibility); the tracks
are then scaled to the video's size, so a larger image changes nothing but the time taken."""
MAX_PREVIEW_SIDE = 2048
"""Preview pictures (the drawing, the trajectory's framing) are drawn at most this many pixels on the longer side;
a blank canvas for a path without an image too."""
MIN_RENDER_SIDE = 16
"""The smallest image side the 2.5D render and the video nodes take (depth estimate, optical flow)."""
DEFAULT_MAX_SIZE = 1536
"""The render node's default ``max_size`` (longer side in pixels): a 12-megapixel photo becomes 1536x1152, which
renders in about a second a frame on a CPU and fits a GPU with room to spare."""

MAX_PROMPT_CHARS = 4_000
"""Characters in one free-text prompt field (Prompt Template's subject and scene): CLIP reads 77 tokens, so this
is generous, and it keeps a megabyte string from travelling into the keyframe model."""

RENDER_BYTES_PER_PIXEL = 256
"""Working memory of the 2.5D render per image pixel, whatever the frame count (depth, meshes, fill pyramids);
measured peak RSS 214-234 bytes a pixel on 0.8 and 3.1 megapixel images (docs/benchmarks.md)."""
RENDER_BYTES_PER_PIXEL_FRAME = 16
"""Memory of the 2.5D render's result per pixel and frame (RGB float32 + hole mask)."""
FLOW_BYTES_PER_PIXEL = 192
"""Working memory of one frame pair's optical flow and blending per pixel (interpolation, temporal consistency)."""
TEMPORAL_CLIP_COPIES = 2
TEMPORAL_WINDOW_FRAMES = 32
"""Temporal Consistency holds the input and the output, plus a window whatever the clip's length: measured 85 MiB
(100 frames) and 89 MiB (300 frames) beyond input and output at 640x360, about 32 float frames' worth."""


def memory_budget() -> int:
    """The budget in bytes: ``D2V_MEMORY_BUDGET_GB`` when set to a positive number, else
    :data:`MEMORY_BUDGET_BYTES`."""
    env = os.environ.get("D2V_MEMORY_BUDGET_GB", "").strip()
    if env:
        try:
            gb = float(env)
        except ValueError:
            gb = 0.0
        if gb > 0 and gb < 1e6:
            return int(gb * GIB)
    return MEMORY_BUDGET_BYTES


def format_bytes(n: float) -> str:
    """``4.6 GB``, ``312 MB``, ``12 KB`` (powers of 1024, one decimal from GB up)."""
    n = float(n)
    for unit, size in (("TB", 2**40), ("GB", GIB)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    if n >= 2**20:
        return f"{n / 2**20:.0f} MB"
    return f"{n / 1024:.0f} KB"


def check_budget(bytes_needed: float, what: str, how_to_fix: str) -> None:
    """Refuse a job whose estimated memory ``bytes_needed`` exceeds :func:`memory_budget`.

    Raises ``ValueError``: "<what> needs about 10.5 GB of memory, more than the 8.0 GB limit: <how_to_fix> (or
    raise D2V_MEMORY_BUDGET_GB)".
    """
    budget = memory_budget()
    if bytes_needed > budget:
        raise ValueError(f"{what} needs about {format_bytes(bytes_needed)} of memory, more than the "
                         f"{format_bytes(budget)} limit: {how_to_fix} (or set D2V_MEMORY_BUDGET_GB higher on a "
                         "machine with more memory)")


def check_count(n: int, limit: int, what: str, how_to_fix: str) -> None:
    """``ValueError`` "<what>: n, at most limit: <how_to_fix>" when ``n > limit``."""
    if n > limit:
        raise ValueError(f"{what}: {n}, at most {limit} are accepted: {how_to_fix}")


def check_path_size(n_strokes: int, n_points: int) -> None:
    """A drawn path within :data:`MAX_STROKES` strokes and :data:`MAX_POINTS` points, else ``ValueError``."""
    check_count(n_strokes, MAX_STROKES, "strokes in the path", "draw fewer strokes or merge them")
    check_count(n_points, MAX_POINTS, "points in the path", "resample the strokes")


def render_bytes(height: int, width: int, frames: int) -> int:
    """Estimated peak memory of a 2.5D render of an ``height`` x ``width`` image over ``frames`` frames."""
    px = int(height) * int(width)
    return px * (RENDER_BYTES_PER_PIXEL + RENDER_BYTES_PER_PIXEL_FRAME * int(frames))


def clip_bytes(frames: int, height: int, width: int, channels: int = 3) -> int:
    """Bytes of a float32 clip ``[frames, height, width, channels]``."""
    return int(frames) * int(height) * int(width) * int(channels) * 4
