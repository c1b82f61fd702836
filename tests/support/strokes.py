"""Hand-drawn-like strokes for tests: jitter, uneven spacing, overshoot, all seeded."""

from __future__ import annotations

import numpy as np

W, H = 1024, 576
ASPECT = W / H


def humanize(xy: np.ndarray, seed: int, jitter: float = 0.004, overshoot: float = 0.03) -> np.ndarray:
    """Uneven spacing (random speed), per-point jitter and a small overshoot/hook at the end."""
    rng = np.random.default_rng(seed)
    n = len(xy)
    speed = np.cumsum(rng.uniform(0.3, 1.7, n))
    u = (speed - speed[0]) / (speed[-1] - speed[0]) * (n - 1)
    uneven = np.stack([np.interp(u, np.arange(n), xy[:, k]) for k in range(2)], 1)
    d = uneven[-1] - uneven[-2]
    d = d / (np.linalg.norm(d) + 1e-12)
    hook = uneven[-1] + d * overshoot * np.array([[0.3], [0.6]])[:, :1] + np.array([[0, 0.004], [0.003, 0.01]])
    out = np.concatenate([uneven, hook]) + rng.normal(0, jitter, (n + 2, 2))
    return np.clip(out, 0.0, 1.0)


def circle(ccw: bool, n=90, r=0.25, cx=0.5, cy=0.5, turns=1.0):
    th = np.linspace(0, 2 * np.pi * turns, n) * (-1 if ccw else 1)
    return np.stack([cx + r * np.cos(th) / ASPECT, cy + r * np.sin(th)], 1)


def spiral(inward: bool, n=160, turns=2.0):
    th = np.linspace(0, 2 * np.pi * turns, n)
    r = np.linspace(0.32, 0.08, n) if inward else np.linspace(0.08, 0.32, n)
    return np.stack([0.5 + r * np.cos(th) / ASPECT, 0.5 + r * np.sin(th)], 1)


def line(x0, y0, x1, y1, n=40):
    return np.stack([np.linspace(x0, x1, n), np.linspace(y0, y1, n)], 1)


def zigzag(n=140, swings=7, amp=0.05):
    t = np.linspace(0, 1, n)
    return np.stack([0.5 + amp * np.sin(2 * np.pi * swings * t), 0.45 + 0.05 * t], 1)


def whip(n=60):
    return np.stack([0.5 + 0.32 * np.sin(np.linspace(0, 3 * np.pi, n)), np.full(n, 0.5)], 1)


def arc(n=60):
    th = np.linspace(np.pi, 1.8 * np.pi, n)
    return np.stack([0.5 + 0.3 * np.cos(th) / ASPECT, 0.7 + 0.3 * np.sin(th)], 1)


def s_curve(n=80):
    return np.stack([np.linspace(0.1, 0.9, n), 0.5 + 0.15 * np.sin(np.linspace(0, 2 * np.pi, n))], 1)


def path_dict(xy: np.ndarray, t_ms=None, focus=None) -> dict:
    pts = xy.tolist() if t_ms is None else [[x, y, t] for (x, y), t in zip(xy.tolist(), t_ms)]
    strokes = [{"role": "camera", "points": pts}]
    if focus is not None:
        strokes.append({"role": "focus", "points": [list(focus)]})
    return {"version": 1, "width": W, "height": H, "strokes": strokes}
