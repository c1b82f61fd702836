"""Moves within what one photo holds (render/reach.py, camera/trajectory.shorten_move, the aim of a preset): the
cap stops a move where the picture runs out, frame 0 stays the picture, presets aim at the subject."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from cli_run import argparse_error, cli

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.trajectory import move_progress, shorten_move
from draw_to_video.pipelines.render import render_clip
from draw_to_video.render.reach import (
    MIN_COVERAGE,
    MoveCap,
    coverage_warning,
    find_aim,
    find_move_cap,
    orbit_degrees,
)


def photo(name: str = "astronaut", h: int = 120, w: int = 180) -> torch.Tensor:
    import cv2
    from skimage import data

    return torch.from_numpy(cv2.resize(getattr(data, name)(), (w, h), interpolation=cv2.INTER_AREA)).float() / 255


def test_a_shortened_move_keeps_frame_0_the_frames_and_the_easing():
    cam = build_trajectory(preset="michael_bay", frames=25)  # 360°, linear, shaken
    assert orbit_degrees(cam) == pytest.approx(360.0, abs=6.0)
    short = shorten_move(cam, 0.1)
    assert short.frames == cam.frames and np.allclose(short.c2w[0], cam.c2w[0])
    assert orbit_degrees(short) == pytest.approx(36.0, abs=3.0)
    m = move_progress(short)
    assert np.all(np.diff(m) >= 0) and m[-1] == pytest.approx(1.0)
    assert shorten_move(cam, 1.0) is cam
    eased = build_trajectory(preset="orbit_left", frames=21)  # ease in and out: the same profile, smaller
    half = shorten_move(eased, 0.5)
    assert orbit_degrees(half) == pytest.approx(0.5 * orbit_degrees(eased), rel=0.05)
    steps = np.linalg.norm(np.diff(half.c2w[:, :3, 3], axis=0), axis=1)
    assert steps[10] > 3 * steps[0] and steps[10] > 3 * steps[-1]  # still slow at both ends
    with pytest.raises(ValueError, match="fraction"):
        shorten_move(cam, -0.5)


def test_a_move_the_photo_holds_is_not_capped_and_a_full_orbit_is():
    img = photo()
    depth = torch.ones(img.shape[:2])
    fits = find_move_cap(img, depth, build_trajectory(preset="dolly_in", frames=9))
    assert fits.fraction == 1.0 and not fits.capped and fits.describe() == ""
    bay = find_move_cap(img, depth, build_trajectory(preset="michael_bay", frames=25))
    assert bay.capped and 0.0 < bay.fraction < 0.25
    assert bay.full_coverage < 0.5 <= MIN_COVERAGE <= bay.coverage
    note = bay.describe()
    assert note.startswith("orbit capped at ") and "° of 3" in note and "generative workflow" in note


def test_render_clip_caps_michael_bay_and_off_renders_the_full_orbit_with_a_warning():
    img = photo("rocket", 96, 144)
    cam = build_trajectory(preset="michael_bay", frames=13)
    capped = render_clip(img, cam)
    assert capped.move_cap.capped and float(capped.coverage.min()) >= 0.85  # measured small, rendered full
    assert float(capped.coverage[0]) == 1.0 and float((capped.frames[0] - img).abs().max()) < 1e-4  # the photo
    assert coverage_warning(capped.coverage) == "" or float(capped.coverage.min()) < MIN_COVERAGE
    full = render_clip(img, cam, move_cap="off")
    assert full.move_cap is None and float(full.coverage.min()) < 0.5
    warning = coverage_warning(full.coverage)
    assert warning.startswith("frames ") and "lower the intensity" in warning and "generative" in warning
    with pytest.raises(ValueError, match="unknown move_cap"):
        render_clip(img, cam, move_cap="sometimes")


def test_the_coverage_warning_names_the_frames():
    assert coverage_warning([1.0, 0.95, 0.91]) == ""
    text = coverage_warning(np.array([1.0, 0.8, 0.7, 0.95, 0.5]))
    assert text.startswith("frames 1-2, 4 show under 90 % real pixels (worst 50 % at frame 4)")
    assert MoveCap(0.5, 0.92, 0.1, 0.4).describe().startswith("move capped at 50 % of its travel")


def test_a_preset_aims_at_the_subject_not_the_centre():
    """The astronaut photo cropped so the subject the built-in segmentation finds (the one the built-in depth
    shows: the same segmentation) sits off centre: the aim is that subject's centroid, nearer than the median
    depth; a focus point given wins, with the depth there."""
    import cv2
    from skimage import data

    crop = data.astronaut()[:, 140:]
    img = torch.from_numpy(cv2.resize(crop, (225, 150), interpolation=cv2.INTER_AREA)).float() / 255
    aim = find_aim(img)
    ys, xs = np.nonzero(aim.segmentation.mask)
    h, w = aim.segmentation.mask.shape
    assert aim.source == "subject" and abs(aim.x - 0.5) > 0.2 and aim.depth < 0.95
    assert (aim.x, aim.y) == pytest.approx(((xs.mean() + 0.5) / w, (ys.mean() + 0.5) / h))
    depth = torch.full(img.shape[:2], 1.2)
    given = find_aim(img, depth, (0.9, 0.1))
    assert (given.x, given.y, given.source) == (0.9, 0.1, "focus") and given.depth == pytest.approx(1.2)


def test_the_subject_is_segmented_once_per_render(tmp_path, monkeypatch):
    """The aim and the built-in depth share one segmentation: the depth made from the aim's is the depth that
    segmentation gives (the same as segmenting again from the same seed), and ``render_file`` with a preset runs
    GrabCut once, not once for the aim and again for the depth."""
    import draw_to_video.render.segment as segment
    from draw_to_video.core.frames import downscale_to_max
    from draw_to_video.pipelines.render import render_file
    from draw_to_video.render.estimate import WORK_SIZE, estimate_depth

    img = photo("chelsea", 150, 225)
    aim = find_aim(img, None, (0.3, 0.5))
    assert aim.segmentation is not None and aim.segmentation.mask.shape == (85, 128)
    assert torch.equal(estimate_depth(img, segmentation=aim.segmentation), estimate_depth(img, subject=(0.3, 0.5)))
    with pytest.raises(ValueError, match="working copy"):
        estimate_depth(photo("chelsea", 100, 100), segmentation=aim.segmentation)
    assert aim.segmentation.mask.shape == downscale_to_max(img, WORK_SIZE).shape[:2]

    calls = []
    real = segment.cv2.grabCut
    monkeypatch.setattr(segment.cv2, "grabCut", lambda *a: calls.append(1) or real(*a))
    _image(tmp_path)
    done = render_file(tmp_path / "img.png", tmp_path / "o.mp4", preset="arc", frames=5)
    assert done.frames == 5 and len(calls) == 1


def test_the_subject_depth_sets_the_pivot_and_the_vertigo_travel():
    near = build_trajectory(preset="orbit_left", frames=9, focus=(0.7, 0.5), subject_depth=0.5)
    look = np.asarray(near.look_at)
    assert look[2] == pytest.approx(0.5) and look[0] > 0  # right of the centre, at its depth
    dist = np.linalg.norm(near.c2w[:, :3, 3] - look, axis=1)
    assert np.allclose(dist, dist[0], rtol=1e-6)  # the camera circles the subject
    for d in (0.5, 1.0):
        cam = build_trajectory(preset="hitchcock", frames=9, subject_depth=d)
        assert cam.c2w[-1, 2, 3] == pytest.approx((1 - 24 / 85) * d, rel=1e-6)  # never reaches the subject
    with pytest.raises(ValueError, match="focus must be"):
        build_trajectory(preset="arc", focus=(1.5, 0.2))
    with pytest.raises(ValueError, match="subject_depth"):
        build_trajectory(preset="arc", subject_depth=0.0)


def _image(tmp_path):
    from PIL import Image

    Image.fromarray((photo("coffee", 80, 120).numpy() * 255).astype(np.uint8)).save(tmp_path / "img.png")


def test_cli_focus_move_cap_and_report(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _image(tmp_path)
    for bad in ("0.5", "a,b", "1.2,0.5"):
        code, _, err = cli(["render", "--image", "img.png", "--preset", "arc", "--focus", bad, "--out", "o.mp4"],
                           capsys)
        assert code == 2 and argparse_error(err).startswith("argument --focus: focus must be X,Y"), bad
    code, out, err = cli(["render", "--image", "img.png", "--preset", "michael_bay", "--frames", "9", "--focus",
                          "0.5,0.6", "--out", "o.mp4", "--report", "r.json"], capsys)
    assert code == 0, err
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["move_cap"]["fraction"] < 0.3 and rep["move_cap"]["note"].startswith("orbit capped at")
    assert "orbit capped at" in out and len(rep["stretched"]) == 9
    assert rep["coverage"][0] == 1.0
    code, out, err = cli(["render", "--image", "img.png", "--preset", "michael_bay", "--frames", "9", "--move-cap",
                          "off", "--out", "o.mp4", "--report", "r.json"], capsys)
    assert code == 0, err
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["move_cap"] == {"fraction": 1.0, "note": ""} and rep["coverage_warning"].startswith("frames ")
    assert "warning: frames " in out


def test_a_vertigo_through_the_near_ground_is_capped_and_holds_with_an_aspect_crop():
    """hitchcock travels 72 % of the subject's distance: over a ground plane whose bottom row is nearer than that,
    the camera would pass part of the picture; the cap stops it before, also on a 2.39:1 crop."""
    h, w = 96, 160
    img = photo("astronaut", h, w)
    ground = (1.6 - 1.2 * torch.linspace(0, 1, h))[:, None].expand(h, w).contiguous()  # 1.6 at the top, 0.4 below
    cam = build_trajectory(preset="hitchcock", frames=13)
    cap = find_move_cap(img, ground, cam)
    assert cap.capped and cap.full_coverage == 0.0 and "would pass part of the picture" in cap.describe("hitchcock")
    wide = build_trajectory(preset="hitchcock", frames=13, aspect="2.39:1")
    res = render_clip(img, wide, ground, depth_kind="depth")
    _, fh, fw, _ = res.frames.shape
    assert abs(fw / fh - 2.39) < 0.1 and res.move_cap.capped
    assert float(res.coverage.min()) >= 0.85 and float(res.coverage[0]) == 1.0
    assert np.isfinite(res.overscan_info.needed)  # nothing of the picture passes the camera
