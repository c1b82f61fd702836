"""Glue shared by the nodes: progress + Cancel, device placement, error wording."""

from __future__ import annotations

from collections.abc import Callable

import comfy.model_management
import comfy.utils


def progress(total: int) -> Callable[[int, int], None]:
    """An ``on_progress(done, total)`` callback for the pure functions: it advances ComfyUI's progress bar
    and is the Cancel checkpoint (raises ComfyUI's interrupt exception when the user pressed Cancel)."""
    bar = comfy.utils.ProgressBar(max(1, int(total)))

    def on_progress(done: int, total_now: int | None = None) -> None:
        comfy.model_management.throw_exception_if_processing_interrupted()
        bar.update_absolute(done, total_now)

    return on_progress


def compute_device():
    return comfy.model_management.get_torch_device()


def output_device():
    return comfy.model_management.intermediate_device()
