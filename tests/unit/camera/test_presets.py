import numpy as np
import pytest
import strokes as S  # noqa: I001

from draw_to_video.camera.lens import intrinsics
from draw_to_video.camera.motion import image_speed, motion_bucket_from_speed, suggest_motion_bucket
from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.path import parse_path
from draw_to_video.camera.presets import PRESETS
from draw_to_video.camera.trajectory import CameraTrajectory

ALL = list(PRESETS)


def project(cam: CameraTrajectory, world: np.ndarray, w=1024, h=576) -> np.ndarray:
    """(F, N, 2) pixel positions of world points (N, 3) in every frame."""
    w2c = cam.w2c()
    pc = np.einsum("fij,nj->fni", w2c[:, :3, :3], world) + w2c[:, None, :3, 3]
    K = cam.intrinsics(w, h)
    px = np.einsum("fij,fnj->fni", K, pc / pc[..., 2:3])
    return px[..., :2]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("frames", [1, 2, 25, 61])
def test_every_preset_is_a_valid_camera(name, frames):
    cam = build_trajectory(name, frames=frames, fps=12)
    assert cam.frames == frames and cam.c2w.shape == (frames, 4, 4)
    assert np.isfinite(cam.c2w).all() and np.isfinite(cam.fov_deg).all()
    r = cam.c2w[:, :3, :3]
    np.testing.assert_allclose(r @ r.transpose(0, 2, 1), np.broadcast_to(np.eye(3), r.shape), atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-9)
    np.testing.assert_allclose(cam.c2w[0], np.eye(4), atol=1e-9)  # frame 0: origin, looking +z
    assert (cam.fov_deg > 0).all() and (cam.fov_deg < 180).all()
    assert (cam.focus_distance > 0).all()
    assert cam.preset == name
    back = CameraTrajectory.from_json(cam.to_json())
    np.testing.assert_allclose(back.c2w, cam.c2w)
    np.testing.assert_allclose(back.fov_deg, cam.fov_deg)


@pytest.mark.parametrize("name", ALL)
def test_intensity_zero_is_static_and_moves_scale(name):
    still = build_trajectory(name, frames=9, intensity=0.0)
    np.testing.assert_allclose(still.c2w, np.broadcast_to(np.eye(4), still.c2w.shape), atol=1e-9)
    np.testing.assert_allclose(still.fov_deg, still.fov_deg[0])
    if name == "static":
        return
    small = image_speed(build_trajectory(name, frames=9, intensity=0.5)).sum()
    big = image_speed(build_trajectory(name, frames=9, intensity=1.0)).sum()
    assert big > small > 0


@pytest.mark.parametrize("name", ["dolly_zoom_in", "dolly_zoom_out"])
def test_dolly_zoom_keeps_subject_size_within_one_percent(name):
    cam = build_trajectory(name, frames=25, intensity=1.0)
    subject = np.array([[-0.1, 0.0, 1.0], [0.1, 0.0, 1.0], [0.0, -0.1, 1.0], [0.0, 0.1, 1.0]])
    px = project(cam, subject)
    width = np.linalg.norm(px[:, 1] - px[:, 0], axis=1)
    height = np.linalg.norm(px[:, 3] - px[:, 2], axis=1)
    assert np.abs(width / width[0] - 1).max() < 0.01
    assert np.abs(height / height[0] - 1).max() < 0.01
    # ... while the background (depth 3) really changes size: the vertigo look.
    bg = project(cam, np.array([[-0.3, 0, 3.0], [0.3, 0, 3.0]]))
    bg_w = np.linalg.norm(bg[:, 1] - bg[:, 0], axis=1)
    assert abs(bg_w[-1] / bg_w[0] - 1) > 0.15
    # The lens really changes: focal length tracks the subject distance.
    assert abs(cam.focal_length_mm[-1] / cam.focal_length_mm[0] - 1) > 0.25


def _forward(cam):
    return cam.c2w[:, :3, 2]


def test_directions_of_simple_moves():
    assert build_trajectory("dolly_in").c2w[-1, 2, 3] > 0.2
    assert build_trajectory("dolly_out").c2w[-1, 2, 3] < -0.2
    assert build_trajectory("truck_left").c2w[-1, 0, 3] < -0.1
    assert build_trajectory("truck_right").c2w[-1, 0, 3] > 0.1
    assert build_trajectory("pedestal_up").c2w[-1, 1, 3] < -0.05  # y points down
    assert _forward(build_trajectory("pan_left"))[-1, 0] < -0.15
    assert _forward(build_trajectory("pan_right"))[-1, 0] > 0.15
    assert _forward(build_trajectory("tilt_up"))[-1, 1] < -0.1
    assert _forward(build_trajectory("tilt_down"))[-1, 1] > 0.1
    z_in = build_trajectory("crash_zoom_in")
    assert z_in.fov_deg[-1] < z_in.fov_deg[0] * 0.6 and np.allclose(z_in.c2w[:, :3, 3], 0)
    roll = build_trajectory("dutch_roll").c2w[-1, :3, 0]
    assert roll[1] > 0.1  # the camera's x axis tips towards image-down: a clockwise roll


@pytest.mark.parametrize("name", ["orbit_left", "orbit_right", "arc", "crane_up", "crane_down", "bullet_time",
                                  "spiral_in", "spiral_out"])
def test_aimed_moves_keep_the_subject_in_place(name):
    cam = build_trajectory(name, frames=25)
    px = project(cam, np.array([cam.look_at]))[:, 0]
    assert np.abs(px - px[0]).max() < 1.0, f"subject drifts {np.abs(px - px[0]).max():.2f} px"
    assert np.linalg.norm(cam.c2w[-1, :3, 3]) > 0.1


def test_orbit_sides():
    assert build_trajectory("orbit_left").c2w[-1, 0, 3] < -0.2
    assert build_trajectory("orbit_right").c2w[-1, 0, 3] > 0.2
    cam = build_trajectory("orbit_left")
    dist = np.linalg.norm(cam.c2w[:, :3, 3] - np.array(cam.look_at), axis=1)
    np.testing.assert_allclose(dist, dist[0], rtol=1e-9)  # a true circle around the subject


def test_easing_is_jerk_free_for_smooth_presets():
    cam = build_trajectory("dolly_in", frames=101)
    z = cam.c2w[:, 2, 3]
    v = np.diff(z)
    assert v[0] < v.max() * 0.01 and v[-1] < v.max() * 0.01  # starts and stops at rest
    a = np.diff(v)
    assert abs(a[0]) < np.abs(a).max() * 0.2  # no acceleration step at the start (smoothstep would be 1.0)


def test_handheld_is_seeded_and_smooth():
    a = build_trajectory("handheld", frames=48, seed=3)
    b = build_trajectory("handheld", frames=48, seed=3)
    c = build_trajectory("handheld", frames=48, seed=4)
    np.testing.assert_array_equal(a.c2w, b.c2w)
    assert not np.allclose(a.c2w, c.c2w)
    # smooth: frame-to-frame rotation small compared to the total wander
    from draw_to_video.camera.geometry import rotation_angle_deg

    steps = rotation_angle_deg(a.c2w[1:, :3, :3].transpose(0, 2, 1) @ a.c2w[:-1, :3, :3])
    assert steps.max() < 0.8 and rotation_angle_deg(a.c2w[:, :3, :3]).max() > 0.1
    pos = a.c2w[:, :3, 3]
    d1, d2 = np.abs(np.diff(pos, axis=0)).mean(), np.abs(np.diff(pos, 2, axis=0)).mean()
    assert d2 < 0.5 * d1  # band-limited drift, not white noise (which would give d2 ≈ 1.4 d1)


def test_handheld_amount_adds_shake_to_any_preset():
    base = build_trajectory("dolly_in", frames=30)
    shaky = build_trajectory("dolly_in", frames=30, handheld=1.0, seed=1)
    assert not np.allclose(base.c2w, shaky.c2w)
    np.testing.assert_allclose(shaky.c2w[0], np.eye(4), atol=1e-9)


def test_auto_uses_the_drawing():
    path = parse_path(S.path_dict(S.humanize(S.circle(ccw=True), 0)))
    cam = build_trajectory("auto", path=path)
    assert cam.preset == "orbit_left" and cam.intent == "orbit"
    assert build_trajectory("auto").preset == "static"


def test_tap_pushes_towards_the_tapped_point():
    path = parse_path(S.path_dict(np.array([[0.8, 0.3], [0.801, 0.3]])))
    cam = build_trajectory("auto", path=path)
    assert cam.intent == "push" and cam.preset == "dolly_in"
    assert cam.look_at[0] > 0.2 and cam.look_at[1] < 0  # right of centre, above it


def test_focus_stroke_sets_the_subject():
    path = parse_path(S.path_dict(S.circle(ccw=False), focus=(0.25, 0.5)))
    cam = build_trajectory("orbit_right", path=path)
    assert cam.look_at[0] < -0.1
    px = project(cam, np.array([cam.look_at]))[:, 0]
    assert abs(px[0, 0] - 0.25 * 1024) < 60


def test_drawing_speed_replay():
    xy = S.line(0.5, 0.9, 0.5, 0.1, n=3)
    path = parse_path(S.path_dict(xy, t_ms=[0, 100, 1000]))
    fast_then_slow = build_trajectory("dolly_in", frames=11, path=path, use_drawing_speed=True)
    z = fast_then_slow.c2w[:, 2, 3]
    assert z[1] == pytest.approx(z[-1] / 2, rel=0.05)


def test_follow_path_follows_the_curve_sideways():
    path = parse_path(S.path_dict(S.line(0.2, 0.5, 0.9, 0.45)))
    cam = build_trajectory("follow_path", path=path)
    assert cam.c2w[-1, 0, 3] > 0.1 and cam.c2w[-1, 2, 3] > 0.1


def test_speed_and_acceleration_limits():
    free = build_trajectory("dolly_in", frames=25, fps=12)
    limited = build_trajectory("dolly_in", frames=25, fps=12, max_speed=0.1)
    v = np.abs(np.diff(limited.c2w[:, 2, 3])) * 12
    assert v.max() <= 0.1 + 1e-9 and not limited.metadata["completed"]
    assert free.metadata["completed"]
    acc = build_trajectory("dolly_in", frames=25, fps=12, max_accel=0.2)
    a = np.abs(np.diff(acc.c2w[:, 2, 3], 2)) * 144
    assert a.max() <= 0.2 + 1e-6


@pytest.mark.parametrize("kwargs, fragment", [
    ({"preset": "nope"}, "unknown preset"),
    ({"frames": 0}, "frames"),
    ({"frames": 2.5}, "whole number"),
    ({"fps": float("nan")}, "fps"),
    ({"intensity": -1}, "intensity"),
    ({"intensity": 1e9}, "intensity"),
    ({"focal_length_mm": 0}, "focal_length_mm"),
    ({"easing": "bouncy"}, "easing"),
])
def test_bad_parameters(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        build_trajectory(**kwargs)


def test_motion_bucket_monotone_and_in_range():
    speeds = np.linspace(0, 0.2, 50)
    buckets = [motion_bucket_from_speed(s) for s in speeds]
    assert buckets[0] == 1 and buckets[-1] == 255
    assert all(b2 >= b1 for b1, b2 in zip(buckets, buckets[1:]))
    assert suggest_motion_bucket(build_trajectory("static")) == 1
    assert suggest_motion_bucket(build_trajectory("whip_pan")) > suggest_motion_bucket(build_trajectory("pan_left"))


def test_image_speed_of_pure_zoom_matches_focal_ratio():
    cam = build_trajectory("crash_zoom_in", frames=2, easing="linear")
    speed = image_speed(cam, 1000, 1000)
    # a 9x9 grid spanning 5..95% of the frame scales by focal ratio about the centre
    ratio = cam.focal_length_mm[1] / cam.focal_length_mm[0]
    g = np.linspace(0.05, 0.95, 9) * 1000 - 500
    expected = np.mean(np.hypot(*np.meshgrid(g, g))) * (ratio - 1) / 1000
    assert speed[0] == pytest.approx(expected, rel=1e-6)


def test_intrinsics_use_horizontal_fov():
    K = intrinsics(90.0, 1000, 500)
    assert K[0, 0] == pytest.approx(500) and K[1, 1] == pytest.approx(500)
    assert (K[0, 2], K[1, 2]) == (500, 250)
