"""Easing curves: progress ``s(t)`` for ``t`` in 0..1, all monotone with s(0)=0, s(1)=1.

``ease_in_out`` is the quintic smootherstep: zero velocity *and* acceleration at both ends, so a move
starts and stops without a jerk. ``whip`` concentrates the move around the middle; ``crash`` holds,
then snaps.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import excerpt


def _smootherstep(t):
    return t * t * t * (t * (6 * t - 15) + 10)


def _ease_in(t):
    return t * t * t


def _ease_out(t):
    return 1 - (1 - t) ** 3


def _whip(t, k=10.0):
    raw = np.tanh(k * (t - 0.5))
    return (raw - np.tanh(-k / 2)) / (np.tanh(k / 2) - np.tanh(-k / 2))


def _crash(t):
    return _smootherstep(np.clip((t - 0.25) / 0.5, 0.0, 1.0))


EASINGS = {  # the names are core/params.EASINGS (tests/unit/core/test_params.py checks they agree)
    "linear": lambda t: t,
    "ease_in": _ease_in,
    "ease_out": _ease_out,
    "ease_in_out": _smootherstep,
    "whip": _whip,
    "crash": _crash,
}


def ease(name: str, t: np.ndarray) -> np.ndarray:
    """Apply easing ``name`` to times ``t`` (any shape, clipped to 0..1)."""
    if name not in EASINGS:
        raise ValueError(f"unknown easing {excerpt(name)}; use one of {', '.join(EASINGS)}")
    return EASINGS[name](np.clip(np.asarray(t, dtype=np.float64), 0.0, 1.0))


def limit_progress(s: np.ndarray, move_length: float, fps: float, max_speed: float | None = None,
                   max_accel: float | None = None) -> tuple[np.ndarray, bool]:
    """Clamp per-frame progress so the camera never exceeds ``max_speed`` (units/s) or ``max_accel`` (units/s²).

    ``s``: (F,) non-decreasing progress 0..1 of a move ``move_length`` world units long. The speed cap is
    applied forward, the acceleration cap forward and backward (so the camera also brakes in time).
    Returns the limited progress and whether the move still completes (if not it ends short of 1).
    """
    s = np.asarray(s, dtype=np.float64)
    if len(s) < 2 or move_length <= 0 or (max_speed is None and max_accel is None):
        return s, True
    ds = np.diff(s)
    if max_speed is not None:
        ds = np.minimum(ds, max_speed / fps / move_length)
    if max_accel is not None:
        dv = max_accel / fps / fps / move_length
        for i in range(1, len(ds)):
            ds[i] = min(ds[i], ds[i - 1] + dv)
        ds[-1] = min(ds[-1], dv)
        for i in range(len(ds) - 2, -1, -1):
            ds[i] = min(ds[i], ds[i + 1] + dv)
    out = np.concatenate([[s[0]], s[0] + np.cumsum(ds)])
    return out, bool(out[-1] >= s[-1] - 1e-9)
