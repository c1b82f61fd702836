"""Glue shared by the nodes: progress + Cancel, device placement, even frame sizes for video."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Callable

import comfy.model_management
import comfy.utils

from ..core.frames import to_even

log = logging.getLogger("draw_to_video")


def progress(total: int | None = None) -> Callable[[int, int], None]:
    """An ``on_progress(done, total)`` callback for the pipelines and pure functions: it advances ComfyUI's
    progress bar and is the Cancel checkpoint (raises ComfyUI's interrupt exception when the user pressed Cancel).

    ``total``: the expected count when the node knows it; every report also carries its total, which replaces it
    (a job that learns its size as it goes, or runs in phases, just reports)."""
    bar = comfy.utils.ProgressBar(max(1, int(total or 1)))

    def on_progress(done: int, total_now: int | None = None) -> None:
        comfy.model_management.throw_exception_if_processing_interrupted()
        bar.update_absolute(done, total_now)

    return on_progress


def compute_device():
    return comfy.model_management.get_torch_device()


def output_device():
    return comfy.model_management.intermediate_device()


def even_for_video(frames, node: str):
    """IMAGE ``[B,H,W,C]`` with even width and height (``core.frames.to_even``: an odd side loses its last row or
    column), so core SaveVideo (H.264, yuv420p) takes it; logs what was cut."""
    frames, note = to_even(frames)
    if note:
        log.info("draw_to_video: %s %s", node, note)
        frames = frames.contiguous()
    return frames


def _libc_malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to trim
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def release_memory() -> None:
    """Give the freed working memory of a big job back to the OS: collect garbage, then (glibc) ``malloc_trim``,
    which returns the free pages of the allocator's arenas (torch's CPU tensors and numpy arrays come from
    malloc; without it a 12-megapixel render left a few hundred MB resident after it finished)."""
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
