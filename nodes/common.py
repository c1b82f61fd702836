"""Glue shared by the nodes: progress + Cancel, device placement."""

from __future__ import annotations

from collections.abc import Callable

import comfy.model_management
import comfy.utils


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
