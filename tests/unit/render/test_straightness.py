"""line_bend (render/straightness.py): a plane keeps every straight line straight in every view, a kinked depth
does not; the picture's own long segments are found; the render's report carries it."""

from __future__ import annotations

import numpy as np
import torch

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.render.lines import long_segments
from draw_to_video.render.straightness import bend, lean_deg, line_bend, render_lean_deg, render_line_bend

H, W = 240, 320
SEGMENTS = np.array([[20, 30, 300, 200], [50, 220, 280, 40], [160.5, 10, 160.5, 230], [10, 120, 310, 120]],
                    np.float32)


def _views(preset="orbit_left", frames=9):
    cam = build_trajectory(preset=preset, frames=frames, intensity=1.0)
    K = cam.intrinsics(W, H)
    return cam, K, cam.w2c() @ cam.c2w[0]


def _grid():
    return (torch.arange(H, dtype=torch.float32) + 0.5)[:, None], (torch.arange(W, dtype=torch.float32) + 0.5)[None]


def test_bend_of_collinear_and_of_bent_points():
    t = torch.linspace(0, 1, 65, dtype=torch.float64)
    assert float(bend(3 + 50 * t, 7 - 20 * t)) < 1e-9
    # a V: the middle point 10 off the line through the ends of a 100-long chord; the best line halves that
    u, v = 100 * t, 10 * (1 - (2 * t - 1).abs())
    assert abs(float(bend(u, v)) - 0.05) < 0.005


def test_a_flat_or_tilted_plane_keeps_lines_straight_and_a_kink_bends_them():
    _, K, rel = _views()
    img = torch.zeros(H, W, 3)
    yy, xx = _grid()
    flat = torch.ones(H, W)
    tilted = 1.0 / (0.5 + 0.003 * yy + 0.001 * xx).expand(H, W)  # a plane: disparity affine in the pixels
    kinked = 1.0 / (1.0 + 0.004 * (xx - 160).abs()).expand(H, W)  # a roof ridge down the middle column
    for depth in (flat, tilted):
        b = line_bend(img, depth, K[0], K, rel, SEGMENTS)
        assert b.shape == (9,) and float(b.max()) < 1e-4
    b = line_bend(img, kinked, K[0], K, rel, SEGMENTS)
    assert b[0] < 1e-4  # frame 0 is the picture itself
    assert b[-1] > 0.02 and np.all(np.diff(b) >= -1e-6)  # the ridge bends lines more as the camera orbits


def test_long_segments_are_found_in_the_picture_and_measured_there():
    img = torch.full((H, W, 3), 0.2)
    img[60:180, 100:220] = 0.9  # a bright box: four long straight edges
    seg = long_segments(img)
    assert len(seg) >= 4
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    assert length.min() >= 0.12 * W
    cam, K, rel = _views("arc")
    yy, xx = _grid()
    assert float(render_line_bend(img, cam, torch.ones(H, W)).max()) < 1e-4
    box_nearer = torch.where((yy > 60) & (yy < 180) & (xx > 100) & (xx < 220), 0.6, 1.0)  # a box in front: planar
    assert float(render_line_bend(img, cam, box_nearer).max()) < 1e-4
    bulge = 1.0 / (1.0 + 0.5 * torch.exp(-((xx - 160) ** 2 + (yy - 120) ** 2) / 60.0 ** 2))  # a dome bends them
    assert float(render_line_bend(img, cam, bulge, overscan=1.2).max()) > 0.01
    assert np.all(line_bend(torch.zeros(H, W, 3), torch.ones(H, W), K[0], K, rel) == 0)  # no line: 0


def test_lean_deg_is_zero_for_a_standing_segment_and_grows_for_one_lying_on_a_ramp():
    """A vertical segment whose depth is constant along it (it stands, fronto-parallel) keeps its lean at 0 under an
    orbit; the same segment on a ground ramp (disparity growing toward the bottom) leans more as the camera moves."""
    _, K, rel = _views("orbit_left")
    img = torch.zeros(H, W, 3)
    yy, xx = _grid()
    seg = np.array([[160.5, 40, 160.5, 200], [60, 60, 200, 70]], np.float32)  # one vertical, one not (ignored)
    ramp = 1.0 / (0.4 + 0.6 * yy / H).expand(H, W)
    standing = torch.where((xx > 140) & (xx < 180) & (yy < 210), 1.0 / (0.4 + 0.6 * 200 / H), ramp)  # on its foot
    up = lean_deg(img, standing, K[0], K, rel, seg)
    lying = lean_deg(img, ramp, K[0], K, rel, seg)
    assert up.shape == lying.shape == (9,) and float(up.max()) < 1e-3
    assert lying[0] < 1e-6 and lying[-1] > 1.0 and np.all(np.diff(lying) >= -1e-6)
    assert np.all(lean_deg(img, ramp, K[0], K, rel, seg[1:]) == 0)  # no near-vertical segment: 0


def test_render_lean_deg_of_a_box_on_a_ramp():
    img = torch.full((H, W, 3), 0.2)
    img[40:200, 140:180] = 0.9  # a tall bright post: two long vertical edges
    cam, _, _ = _views("arc")
    yy, _ = _grid()
    ramp = 1.0 / (0.4 + 0.6 * yy / H).expand(H, W)
    assert float(render_lean_deg(img, cam, torch.ones(H, W)).max()) < 1e-3
    assert float(render_lean_deg(img, cam, ramp).max()) > 0.5
