"""Wan ATI camera tracks (conditioning/tracks.py): agreement with the 2.5D render's motion, format, bad input.

The render's motion is measured on the rendered frames themselves, not through the projection code: a 15x15
patch around each tracked pixel in frame 0 is found in the rendered frame by normalized cross-correlation
(cv2.matchTemplate) with a parabolic sub-pixel peak, and compared with the track's position there.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from draw_to_video.camera.geometry import compose, yaw_pitch_roll
from draw_to_video.camera.path import parse_path
from draw_to_video.camera.trajectory import CameraTrajectory
from draw_to_video.conditioning.tracks import (
    ATI_SAMPLES,
    CenterCrop,
    camera_tracks,
    draw_tracks,
    grid_pixels,
    visible_prefix,
)
from draw_to_video.core.limits import MAX_TRACKS
from draw_to_video.render.depth import normalize_depth
from draw_to_video.render.reproject import render_views

skimage_data = pytest.importorskip("skimage.data")

H, W = 192, 256
R = 7  # patch half-size


def _scene() -> tuple[torch.Tensor, np.ndarray]:
    """A textured picture (coffee photo behind, astronaut crop in front) and its z-depth: a fronto-parallel
    background at 1.6 and a foreground rectangle at 0.8 (so every patch translates and scales as one plane)."""
    bg = cv2.resize(skimage_data.coffee(), (W, H), interpolation=cv2.INTER_AREA)
    fg = cv2.resize(skimage_data.astronaut()[60:300, 120:420], (96, 80), interpolation=cv2.INTER_AREA)
    img = bg.copy()
    img[56:136, 80:176] = fg
    depth = np.full((H, W), 1.6, np.float32)
    depth[56:136, 80:176] = 0.8
    return torch.from_numpy(img).float() / 255, depth


def _camera(frames: int = ATI_SAMPLES) -> CameraTrajectory:
    """Truck right + pedestal up + a little push-in and yaw, eased (nonlinear in time)."""
    s = np.linspace(0, 1, frames)
    s = s * s * (3 - 2 * s)
    pos = np.stack([0.10 * s, -0.04 * s, 0.03 * s], 1)
    rot = yaw_pitch_roll(-3.0 * s, 1.0 * s, 0.0 * s)
    c2w = compose(rot, pos)
    n = frames
    return CameraTrajectory(c2w=c2w, fov_deg=np.full(n, 55.0), focal_length_mm=np.full(n, 34.6),
                            focus_distance=np.ones(n), aperture=np.full(n, 4.0), fps=24.0)


def _subset(cam: CameraTrajectory, idx) -> CameraTrajectory:
    return CameraTrajectory(c2w=cam.c2w[idx], fov_deg=cam.fov_deg[idx], focal_length_mm=cam.focal_length_mm[idx],
                            focus_distance=cam.focus_distance[idx], aperture=cam.aperture[idx], fps=cam.fps)


def _match(frame0: np.ndarray, frame: np.ndarray, x: float, y: float, guess: np.ndarray, search: int = 8):
    """Position in ``frame`` (continuous pixels) of the patch of ``frame0`` centred on pixel centre (x, y), searched
    within ``search`` px of ``guess``; None when the window leaves the frame or the peak is weak."""
    ix, iy = int(x), int(y)
    tpl = frame0[iy - R: iy + R + 1, ix - R: ix + R + 1]
    gx, gy = int(round(guess[0] - 0.5)), int(round(guess[1] - 0.5))
    x0, y0 = gx - R - search, gy - R - search
    x1, y1 = gx + R + search + 1, gy + R + search + 1
    if x0 < 0 or y0 < 0 or x1 > frame.shape[1] or y1 > frame.shape[0] or tpl.shape != (2 * R + 1, 2 * R + 1):
        return None
    res = cv2.matchTemplate(frame[y0:y1, x0:x1], tpl, cv2.TM_CCOEFF_NORMED)
    _, peak, _, (mx, my) = cv2.minMaxLoc(res)
    if peak < 0.9 or not (0 < mx < res.shape[1] - 1 and 0 < my < res.shape[0] - 1):
        return None

    def vertex(a, b, c):
        d = a - 2 * b + c
        return 0.0 if abs(d) < 1e-9 else 0.5 * (a - c) / d

    dx = vertex(res[my, mx - 1], res[my, mx], res[my, mx + 1])
    dy = vertex(res[my - 1, mx], res[my, mx], res[my + 1, mx])
    return np.array([x0 + mx + dx + R + 0.5, y0 + my + dy + R + 0.5])


def _gray(x: torch.Tensor) -> np.ndarray:
    return cv2.cvtColor((x.numpy() * 255).astype(np.float32), cv2.COLOR_RGB2GRAY)


def _agreement(depth_for_tracks: np.ndarray) -> tuple[float, int]:
    """Mean distance (px) between tracked points and the render's measured motion, and the number of matches.

    Each point's patch is followed through rendered samples 10 apart (the search starts where it was found in
    the previous one, never where the track says), so a wrong track cannot steer the measurement."""
    img, depth = _scene()
    cam = _camera()
    tracks = camera_tracks(img, cam, torch.from_numpy(depth_for_tracks), width=W, height=H, count=64, seed=3,
                           depth_kind="depth")
    samples = list(range(0, ATI_SAMPLES, 10))
    rendered = render_views(img, _subset(cam, samples), normalize_depth(torch.from_numpy(depth), "depth"))
    frames = [_gray(f) for f in rendered.frames]
    holes = rendered.holes.numpy()
    errors = []
    for n in range(tracks.xy.shape[1]):
        x, y = tracks.xy[0, n]
        ix, iy = int(x), int(y)
        window = depth[max(iy - R - 1, 0): iy + R + 2, max(ix - R - 1, 0): ix + R + 2]
        if window.min() != window.max():  # the patch straddles a depth edge: not one motion
            continue
        at = np.array([x, y])
        for k, s in enumerate(samples[1:], 1):
            got = _match(frames[0], frames[k], x, y, at)
            if got is None:
                break
            gx, gy = int(got[0]), int(got[1])
            if holes[k, max(gy - R, 0): gy + R + 1, max(gx - R, 0): gx + R + 1].any():
                break
            at = got
            if tracks.lengths[n] > s:
                errors.append(float(np.hypot(*(got - tracks.xy[s, n]))))
    return float(np.mean(errors)), len(errors)


def test_tracks_follow_the_render_within_a_pixel():
    err, n = _agreement(_scene()[1])
    assert n >= 100, n
    assert err < 1.0, err
    # the same measurement sees a wrong depth: a flat scene's tracks miss the foreground's parallax
    img_depth = _scene()[1]
    flat_err, _ = _agreement(np.full_like(img_depth, 1.0))
    assert flat_err > 2.0, (flat_err, err)  # measured: 0.24 px true depth, 3.05 px flat


def test_core_format_and_visibility():
    img, depth = _scene()
    cam = _camera()
    path = parse_path({"version": 1, "width": W, "height": H, "strokes": [
        {"role": "camera", "points": [[0.2, 0.5], [0.8, 0.5]]},
        {"role": "path", "points": [[0.5, 0.5], [0.6, 0.4], [0.7, 0.45]]}]})
    tr = camera_tracks(img, cam, torch.from_numpy(depth), width=832, height=480, count=40, seed=1,
                       depth_kind="depth", path=path)
    data = json.loads(tr.to_json())
    assert len(data) == 41 and tr.kinds[0] == "path"
    assert all(1 <= len(t) <= ATI_SAMPLES for t in data)
    assert all(set(p) == {"x", "y"} and 0 <= p["x"] < 832 and 0 <= p["y"] < 480 for t in data for p in t)
    assert len(data[0]) == ATI_SAMPLES  # the drawn stroke stays inside the frame
    crop = CenterCrop.fit(W, H, 832, 480)  # 4:3 picture into 832x480: rows cut off top and bottom
    assert crop.x0 == 0 and crop.y0 == round((H - H * (W / H) / (832 / 480)) / 2)
    start = crop.to_video(np.array([[0.5 * W, 0.5 * H]]))
    assert np.allclose([data[0][0]["x"], data[0][0]["y"]], start[0], atol=0.01)
    # camera moves right: the scene slides left, so points near the left border leave (tracks end) ...
    ends = tr.lengths[1:]
    assert (ends < ATI_SAMPLES).any() and (ends == ATI_SAMPLES).any()
    same = camera_tracks(img, cam, torch.from_numpy(depth), width=832, height=480, count=40, seed=1,
                         depth_kind="depth", path=path)
    assert same.to_json() == tr.to_json()  # seeded
    other = camera_tracks(img, cam, torch.from_numpy(depth), width=832, height=480, count=40, seed=2,
                          depth_kind="depth", path=path)
    assert other.to_json() != tr.to_json()
    preview = draw_tracks(img, tr)
    assert preview.shape == (1, 480, 832, 3) and 0 <= float(preview.min()) and float(preview.max()) <= 1
    # the drawn stroke is white along its samples
    mid = np.round(tr.xy[60, 0]).astype(int)
    assert float(preview[0, mid[1] - 1: mid[1] + 2, mid[0] - 1: mid[0] + 2].amin(-1).max()) > 0.9


def test_occluded_points_end_their_tracks():
    """A background point that the foreground slides over (camera moving right: near things move left faster)
    ends its track where the foreground covers it."""
    img, depth = _scene()
    cam = _camera()
    tr = camera_tracks(img, cam, torch.from_numpy(depth), width=W, height=H, count=256, seed=0, depth_kind="depth")
    bg_left_of_fg = [n for n in range(tr.xy.shape[1])
                     if 60 <= tr.xy[0, n, 0] < 80 and 70 <= tr.xy[0, n, 1] < 120]
    assert bg_left_of_fg
    for n in bg_left_of_fg:
        assert tr.lengths[n] < ATI_SAMPLES, tr.xy[: tr.lengths[n], n][-1]


def test_grid_and_prefix_helpers():
    px = grid_pixels((10.0, 20.0, 110.0, 70.0), 50, seed=4)
    assert len(px) == 50 and len(np.unique(px, axis=0)) == 50
    assert px[:, 0].min() >= 10 and px[:, 0].max() < 110 and px[:, 1].min() >= 20 and px[:, 1].max() < 70
    assert np.array_equal(px, grid_pixels((10.0, 20.0, 110.0, 70.0), 50, seed=4))
    vis = np.array([[1, 1, 1], [1, 0, 1], [0, 1, 1]], bool)
    assert visible_prefix(vis).tolist() == [2, 1, 3]


@pytest.mark.parametrize("kwargs, message", [
    ({"count": MAX_TRACKS + 1}, "count must be between"),
    ({"width": 0}, "width must be"),
    ({"height": 3.5}, "height must be"),
    ({"width": 16384, "height": 16}, "crops the whole"),
    ({"depth_kind": "metres"}, "depth_kind"),
    ({"seed": -1}, "seed must be"),
    ({"camera": "orbit"}, "camera must be"),
    ({"path": "[]"}, "path must be a drawing"),
    ({"depth": torch.full((H, W), float("nan"))}, "NaN"),
    ({"image": torch.rand(8, 8, 3)}, "at least 16x16"),
])
def test_bad_input_says_what_to_fix(kwargs, message):
    img, depth = _scene()
    args = {"image": img, "camera": _camera(5), "depth": torch.from_numpy(depth), "width": 64, "height": 64,
            "count": 4, "depth_kind": "depth"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        camera_tracks(args.pop("image"), args.pop("camera"), args.pop("depth"), **args)


def test_no_tracks_is_core_s_empty_list():
    img, _ = _scene()
    tr = camera_tracks(img, _camera(5), width=64, height=64, count=0)
    assert tr.to_json() == "[]" and tr.warnings
    outside = parse_path({"version": 1, "width": W, "height": H, "strokes": [
        {"role": "path", "points": [[0.01, 0.5], [0.3, 0.5]]}]})  # starts in the part a square video crops off
    tr = camera_tracks(img, _camera(5), width=64, height=64, count=0, path=outside)
    assert tr.to_json() == "[]" and tr.dropped == 1


def test_too_many_tracks_with_strokes():
    img, _ = _scene()
    strokes = [{"role": "path", "points": [[0.5, 0.5], [0.6, 0.5]]}] * 3
    path = parse_path({"version": 1, "width": W, "height": H, "strokes": strokes})
    with pytest.raises(ValueError, match="at most 256"):
        camera_tracks(img, _camera(5), width=64, height=64, count=MAX_TRACKS - 1, path=path)
