"""Framing quads of the Draw Path widget's preview and the cleaning of forwarded trajectory settings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from draw_to_video.camera.framing import analyze_drawing, check_params, frame_quad
from draw_to_video.camera.lens import focal_from_fov
from draw_to_video.camera.trajectory import CameraTrajectory


def _traj(c2ws, fov=50.0, focus=1.0):
    c2w = np.stack(c2ws)
    f = len(c2w)
    fov_deg = np.full(f, fov)
    return CameraTrajectory(c2w=c2w, fov_deg=fov_deg, focal_length_mm=focal_from_fov(fov_deg),
                            focus_distance=np.full(f, focus), aperture=np.full(f, 4.0))


def _pose(t=(0, 0, 0), yaw_deg=0.0):
    a = np.radians(yaw_deg)
    m = np.eye(4)
    m[:3, :3] = [[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]]
    m[:3, 3] = t
    return m


FULL = [[0, 0], [1, 0], [1, 1], [0, 1]]


def test_first_frame_is_the_whole_image():
    q = frame_quad(_traj([_pose(), _pose((0, 0, 0.5))]), 0, 1024, 576)
    np.testing.assert_allclose(q, FULL, atol=1e-9)


def test_dolly_in_frames_the_central_part_seen_at_the_focus_distance():
    # camera 0.5 forward, subject at 0.5 in front of it: the view covers the central half of the source image
    q = frame_quad(_traj([_pose(), _pose((0, 0, 0.5))], focus=0.5), -1, 1024, 576)
    np.testing.assert_allclose(q, [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]], atol=1e-9)


def test_truck_right_shifts_the_frame_right_and_pan_left_shifts_it_left():
    truck = frame_quad(_traj([_pose(), _pose((0.2, 0, 0))]), -1, 1000, 1000)
    assert np.all(truck[:, 0] > np.array(FULL)[:, 0] + 0.1)
    np.testing.assert_allclose(truck[:, 1], np.array(FULL)[:, 1], atol=1e-9)
    pan = frame_quad(_traj([_pose(), _pose(yaw_deg=-10)]), -1, 1000, 1000)
    assert pan[:, 0].mean() < 0.4


def test_corners_stay_finite_when_the_camera_turns_away():
    q = frame_quad(_traj([_pose(), _pose(yaw_deg=120)]), -1, 640, 480)
    assert np.all(np.isfinite(q)) and np.all(q >= -4) and np.all(q <= 5)


def test_check_params_keeps_the_forwarded_settings_and_caps_the_preview():
    p = check_params({"preset": "orbit_left", "frames": 1000, "fps": 12, "seed": 3, "use_drawing_speed": True,
                      "handheld": 1.0, "aperture": 2.8, "__class__": "x"})
    assert p == {"preset": "orbit_left", "frames": 240, "fps": 12, "seed": 3, "use_drawing_speed": True}
    assert check_params(None) == {} and check_params({}) == {}
    assert check_params({"sensor": "aps_c_23.6x15.6"}) == {"sensor_mm": (23.6, 15.6)}


@pytest.mark.parametrize("settings,named", [
    ({"frames": 1e9}, "frames"), ({"frames": 0}, "frames"), ({"fps": 0}, "fps"), ({"fps": math.nan}, "fps"),
    ({"intensity": math.inf}, "intensity"), ({"frames": "many"}, "frames"), ({"fps": [1]}, "fps"),
    ({"seed": 10**40}, "seed"), ({"use_drawing_speed": 1}, "use_drawing_speed"), ({"easing": "x" * 100}, "easing"),
    ({"sensor": "nonsense"}, "sensor"), ({"handheld": 99}, "handheld"), ({"preset": "no_such_preset"}, "preset"),
    ({"preset": 3}, "preset"), ([1, 2], "params"),
])
def test_check_params_refuses_what_the_nodes_refuse_in_one_line(settings, named):
    with pytest.raises(ValueError) as e:
        check_params(settings)
    msg = str(e.value)
    assert named in msg and "\n" not in msg and len(msg) < 400, msg


def test_analyze_without_camera_stroke_says_what_to_draw():
    focus_only = {"version": 1, "width": 64, "height": 64, "strokes": [{"role": "focus", "points": [[0.5, 0.5]]}]}
    r = analyze_drawing(focus_only)
    assert r.intent is None and r.first_quad is None
    assert "camera stroke" in r.warnings[-1]


def test_analyze_rejects_bad_paths_with_value_error():
    with pytest.raises(ValueError, match="not valid JSON"):
        analyze_drawing("{nope")
