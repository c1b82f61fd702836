"""Camera keyframes: several camera strokes joined with continuous position and velocity (camera/segments.py)."""

import json

import numpy as np
import pytest

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.path import parse_path
from draw_to_video.camera.segments import end_slopes, segment_bounds

MOVES = [("dolly_in", [[0.5, 0.8], [0.5, 0.5]]), ("truck_right", [[0.5, 0.5], [0.8, 0.5]]),
         ("orbit_left", [[0.8, 0.5], [0.6, 0.3]]), ("pan_left", [[0.6, 0.3], [0.3, 0.3]]),
         ("crane_up", [[0.3, 0.3], [0.3, 0.1]]), ("zoom", None)]


def _path(n, times=None):
    strokes = []
    for k in range(n):
        name, pts = MOVES[k % 5]
        s = {"role": "camera", "points": pts, "preset": name}
        if times is not None:
            s["t"] = times[k]
        strokes.append(s)
    return parse_path(json.dumps({"version": 1, "width": 1024, "height": 576, "strokes": strokes}))


def _quat(c2w):
    from scipy.spatial.transform import Rotation
    q = Rotation.from_matrix(c2w[:, :3, :3]).as_quat()
    for i in range(1, len(q)):
        if q[i] @ q[i - 1] < 0:
            q[i] = -q[i]
    return q


def _join_slopes(values, j):
    """Second-order one-sided finite-difference slopes just left and right of frame j."""
    left = end_slopes(values[: j + 1])[1]
    right = end_slopes(values[j:])[0]
    return left, right


@pytest.mark.parametrize("n", [2, 3, 5])
def test_position_rotation_and_velocity_continuous_at_every_join(n):
    cam = build_trajectory(frames=12 * n + 1, fps=12, path=_path(n))
    joins = cam.metadata["keyframes"][1:-1]
    assert len(joins) == n - 1 and cam.frames == 12 * n + 1
    pos, quat, focal = cam.c2w[:, :3, 3], _quat(cam.c2w), np.log(cam.focal_length_mm)[:, None]
    step = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    assert step.max() < 0.05  # no jump in position
    for j in joins:
        for name, v in (("position", pos), ("rotation", quat), ("focal", focal)):
            left, right = _join_slopes(v, j)
            scale = max(np.abs(left).max(), np.abs(right).max(), 1e-4)
            assert np.abs(left - right).max() < 0.02 * scale + 1e-9, (name, j, left, right)


def test_join_is_c1_under_refinement():
    """A corner (C0 only) keeps a velocity jump of the same size per unit time when frames double; a C1 join's
    frame-to-frame velocity change shrinks about 4x (second differences of a smooth curve scale as 1/N^2)."""
    def jump(frames):
        cam = build_trajectory(frames=frames, fps=12, path=_path(2))
        pos = cam.c2w[:, :3, 3]
        j = cam.metadata["keyframes"][1]
        return np.linalg.norm(pos[j + 1] - 2 * pos[j] + pos[j - 1])

    assert jump(81) / jump(41) < 0.35


def test_times_split_the_clip_and_are_scaled_to_fit():
    cam = build_trajectory(frames=25, fps=12, path=_path(3, [0.5, 1.5, 2.0]))
    assert cam.metadata["keyframes"] == [0, 6, 18, 24] and not cam.metadata["warnings"]
    cam = build_trajectory(frames=25, fps=12, path=_path(2, [1.0, 4.0]))
    assert cam.metadata["keyframes"] == [0, 6, 24] and "scaled" in cam.metadata["warnings"][0]


@pytest.mark.parametrize("times, match", [([1.0, None], "every camera stroke"), ([1.5, 1.0], "strictly increasing"),
                                          ([0.01, 2.0], "at least 2")])
def test_bad_times_refused(times, match):
    with pytest.raises(ValueError, match=match):
        segment_bounds(times, 25, 12.0)


@pytest.mark.parametrize("t", [-1, 0, "1", True, float("nan")])
def test_bad_t_in_path_refused(t):
    with pytest.raises(ValueError, match='"t"'):
        parse_path(json.dumps({"version": 1, "width": 8, "height": 8,
                               "strokes": [{"role": "camera", "points": [[0, 0]], "t": t}]}).replace("NaN", "NaN"))


def test_unknown_stroke_preset_refused_and_round_trip():
    p = _path(2, [1.0, 2.0])
    assert parse_path(p.to_json()) == p and p.strokes[1].t == 2.0 and p.strokes[1].preset == "truck_right"
    bad = json.loads(p.to_json())
    bad["strokes"][0]["preset"] = "nope"
    with pytest.raises(ValueError, match="camera stroke 0: unknown preset"):
        build_trajectory(frames=25, path=parse_path(json.dumps(bad)))


def test_single_camera_stroke_unchanged():
    one = parse_path(json.dumps({"version": 1, "width": 1024, "height": 576,
                                 "strokes": [{"role": "camera", "points": [[0.5, 0.8], [0.5, 0.4]]}]}))
    assert build_trajectory(frames=25, path=one).preset != "keyframes"


def test_an_auto_segment_reads_its_drawn_direction_like_a_single_stroke():
    """A leftward whip pan drawn as the second segment turns the same way as the same stroke drawn alone."""
    whip = [[0.8, 0.5], [0.3, 0.5], [0.6, 0.5], [0.2, 0.5]]
    dolly = [[0.5, 0.8], [0.5, 0.6], [0.5, 0.4]]

    def path(*strokes):
        return parse_path(json.dumps({"version": 1, "width": 1024, "height": 576,
                                      "strokes": [{"role": "camera", "points": p} for p in strokes]}))

    def yaw(c2w):
        return np.degrees(np.arctan2(c2w[:, 0, 2], c2w[:, 2, 2]))

    alone = build_trajectory(frames=25, path=path(whip))
    joined = build_trajectory(frames=49, path=path(dolly, whip))
    assert alone.preset == "whip_pan" and joined.metadata["segment_presets"][1] == "whip_pan"
    turn_alone = yaw(alone.c2w)[-1] - yaw(alone.c2w)[0]
    turn_joined = yaw(joined.c2w)[-1] - yaw(joined.c2w)[24]
    assert abs(turn_alone) > 10 and np.sign(turn_joined) == np.sign(turn_alone)
