"""Overscan (camera/overscan.py + render_views): no border reveal after auto overscan, off = today's render, a
fixed factor is an exact centred zoom; and the background-only hole fill."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from render_scenes import EYE, ZERO, camera, decoded, pixel_centres, ramp_image

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.overscan import AUTO_MAX, border_points, overscan_needed, parse_overscan
from draw_to_video.pipelines.render import render_clip
from draw_to_video.render.depth import load_depth
from draw_to_video.render.reproject import render_views

H, W = 96, 160


def photo(h: int = H, w: int = W) -> torch.Tensor:
    import cv2
    from skimage import data

    return torch.from_numpy(cv2.resize(data.astronaut(), (w, h), interpolation=cv2.INTER_AREA)).float() / 255


def tilted_plane(h: int = H, w: int = W) -> torch.Tensor:
    """Flat-ish depth: a plane leaning back toward the top (1.3 at the top, 0.8 at the bottom)."""
    return (1.3 - 0.5 * torch.linspace(0, 1, h))[:, None].expand(h, w).contiguous()


def border_hole_share(holes: torch.Tensor, ring: int = 2) -> float:
    """Share of hole pixels in the outer ``ring`` pixels of every frame [F, H, W]."""
    m = torch.zeros(holes.shape[1:], dtype=torch.bool)
    m[:ring], m[-ring:], m[:, :ring], m[:, -ring:] = True, True, True, True
    return float(holes[:, m].mean())


@pytest.mark.parametrize("preset, intensity", [("truck_right", 0.5), ("orbit_left", 0.6), ("arc", 1.0),
                                               ("crane_up", 1.0), ("dolly_zoom_in", 1.0)])
def test_auto_overscan_reveals_no_border(preset, intensity):
    img, depth = photo(), tilted_plane()
    cam = build_trajectory(preset=preset, frames=13, intensity=intensity)  # moves that fit the auto cap
    off = render_views(img, cam, depth, fill="none", overscan="off")
    auto = render_views(img, cam, depth, fill="none", overscan="auto")
    assert off.overscan == 1.0 and border_hole_share(off.holes) > 0.01, "the move must reveal the border"
    info = auto.overscan_info
    assert info.mode == "auto" and not info.capped and 1.0 < auto.overscan <= AUTO_MAX
    assert auto.overscan == pytest.approx(info.needed)
    assert border_hole_share(auto.holes) < 0.005  # a few isolated splat pixels at most, no revealed strip
    assert float(auto.coverage.min()) > 0.99
    if auto.overscan > 1.1:  # just enough: a clearly smaller zoom does reveal the border again
        less = render_views(img, cam, depth, fill="none", overscan=1.0 + 0.6 * (auto.overscan - 1.0))
        assert border_hole_share(less.holes) > 2 * border_hole_share(auto.holes) + 0.001


def test_auto_overscan_ramps_from_the_whole_picture_and_stops_at_its_cap():
    """Frame 0 is the picture itself (zoom 1); the zoom grows with the move, never backs off, and stops at
    AUTO_MAX (1.25x): the rest of the revealed border becomes holes (filled, marked in ``holes``)."""
    img, depth = photo(), tilted_plane()
    cam = build_trajectory(preset="truck_right", frames=9, intensity=1.5)
    res = render_views(img, cam, depth, fill="none", overscan="auto")
    info = res.overscan_info
    zoom = np.asarray(info.factors)
    assert AUTO_MAX == 1.25 and zoom[0] == 1.0 and np.all(np.diff(zoom) >= 0) and zoom[-1] == AUTO_MAX
    assert info.capped and info.needed > AUTO_MAX and res.overscan == AUTO_MAX
    assert "capped at 1.25x" in info.describe() and "ramping from 1x at frame 0" in info.describe()
    assert float(res.coverage[0]) == 1.0 and float((res.frames[0] - img).abs().max()) < 1e-4
    assert border_hole_share(res.holes[-1:], 1) > 0.01  # past the cap the border shows, as holes


def test_overscan_off_is_todays_render_and_the_pipeline_default_is_auto():
    img, depth = photo(), tilted_plane()
    cam = build_trajectory(preset="arc", frames=5)
    plain = render_views(img, cam, load_depth(depth, "depth"))  # render_views itself keeps the exact camera
    off = render_clip(img, cam, depth, depth_kind="depth", overscan="off")
    assert plain.overscan == 1.0 and plain.overscan_info.mode == "off"
    assert torch.equal(plain.frames, off.frames) and torch.equal(plain.holes, off.holes)
    auto = render_clip(img, cam, depth, depth_kind="depth")
    assert auto.overscan_info.mode == "auto" and auto.overscan > 1.0


def test_a_fixed_factor_is_an_exact_centred_zoom():
    h, w, s = 72, 128, 1.5
    cam = camera([(EYE, ZERO), (EYE, ZERO)])
    res = render_views(ramp_image(h, w), cam, torch.ones(h, w), fill="none", overscan=s)
    assert res.overscan == s and res.overscan_info.mode == "fixed" and not res.overscan_info.capped
    c = np.array([w / 2, h / 2])
    expect = (pixel_centres(h, w) - c) / s + c
    got = decoded(res.frames[1], h, w)
    assert np.abs(got - expect)[4:-4, 4:-4].max() < 0.05  # px in the source
    assert float(res.coverage.min()) == 1.0


def test_needed_zoom_is_one_for_a_static_camera_and_grows_with_the_move():
    depth = np.ones((H, W))
    cam = build_trajectory(preset="static", frames=3)
    K, rel = cam.intrinsics(W, H), cam.w2c() @ cam.c2w[0]
    pts = border_points(depth, K[0])
    assert pts.shape == (2 * (W + 1) + 2 * (H + 1), 3)
    assert np.allclose(overscan_needed(pts, K, rel, W, H), 1.0)
    needs = []
    for intensity in (0.5, 1.0, 1.5):
        cam = build_trajectory(preset="truck_right", frames=5, intensity=intensity)
        K, rel = cam.intrinsics(W, H), cam.w2c() @ cam.c2w[0]
        needs.append(float(overscan_needed(pts, K, rel, W, H).max()))
    assert 1.0 < needs[0] < needs[1] < needs[2]


def test_overscan_values():
    assert parse_overscan("auto") == 0.0 and parse_overscan("OFF") == 1.0 and parse_overscan("1.25") == 1.25
    assert parse_overscan(0) == 0.0 and parse_overscan(2) == 2.0
    for bad in (0.5, -1, 4.5, float("nan"), "wide", None):
        with pytest.raises(ValueError, match="overscan must be"):
            parse_overscan(bad)
    with pytest.raises(ValueError, match="overscan must be"):
        render_clip(photo(), build_trajectory(preset="arc", frames=2), overscan=0.5)


@pytest.mark.parametrize("preset,intensity", [("truck_right", 2.7), ("orbit_left", 2.6), ("crane_up", 2.0)])
def test_fill_takes_no_foreground_colour(preset, intensity):
    """A bright yellow box only 15 % nearer than a textured blue-green background (no red, nothing dark): the
    filled disocclusions hold background colours only. (The moves are the same as when the trucks were 0.15 and
    the orbits 18° at intensity 1: 0.3 and 36°.)"""
    h, w = 120, 200
    rng = np.random.default_rng(0)
    bg = np.stack([np.full((h, w), 0.1), 0.4 + 0.3 * rng.random((h, w)), 0.5 + 0.3 * rng.random((h, w))], -1)
    img = torch.tensor(bg, dtype=torch.float32)
    depth = torch.ones(h, w)
    yy, xx = np.mgrid[0:h, 0:w]
    box = torch.from_numpy((np.abs(xx - 100) < 25) & (np.abs(yy - 60) < 35))
    img[box] = torch.tensor([1.0, 0.95, 0.2])
    depth[box] = 0.85
    cam = build_trajectory(preset=preset, frames=9, intensity=intensity)
    res = render_views(img, cam, depth, fill="background", overscan="off")
    hole = res.holes > 0.5
    assert int(hole.sum()) > 2000
    filled = res.frames[hole]
    assert float(filled[:, 0].max()) < 0.2, "foreground red in a hole"
    assert float(filled[:, 1].min()) > 0.35 and float(filled[:, 2].min()) > 0.45, "dark colour in a hole"


def test_the_trajectory_preview_shows_the_crop():
    from draw_to_video.camera.preview import trajectory_preview
    from draw_to_video.pipelines.render import preview_overscan

    h, w = 180, 320
    grey = np.full((h, w, 3), 200, np.uint8)
    cam = build_trajectory(preset="truck_right", frames=9)
    assert preview_overscan(build_trajectory(preset="static", frames=3), w, h).factor == 1.0
    flat = preview_overscan(cam, w, h)  # no image: a flat scene at the median depth
    assert flat.mode == "auto" and 1.05 < flat.factor <= AUTO_MAX
    est = preview_overscan(cam, w, h, photo(h, w))  # the built-in depth of the picture
    assert 1.05 < est.factor <= AUTO_MAX
    plain = trajectory_preview(grey, cam)
    cropped = trajectory_preview(grey, cam, overscan=flat.factor)
    assert plain[5, w // 2 + 40].tolist() == [200, 200, 200]  # outside the crop: left alone without overscan ...
    assert cropped[5, w // 2 + 40].max() < 100  # ... darkened with it
    assert cropped[h // 2, w // 2 + 40].tolist() == [200, 200, 200]  # inside the crop: the picture
