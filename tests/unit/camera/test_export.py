import json

import numpy as np
import pytest
import strokes as S  # noqa: I001

from draw_to_video.camera.export import (
    ATI_TRACK_POINTS,
    from_cameractrl_lines,
    from_motionctrl_rt,
    path_from_tracks,
    to_cameractrl_lines,
    to_motionctrl_rt,
    tracks_from_path,
    tracks_to_json,
)
from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.path import parse_path
from draw_to_video.camera.trajectory import CameraTrajectory


@pytest.fixture
def cam():
    return build_trajectory("orbit_left", frames=16, fps=8, handheld=0.5, seed=2)


def test_json_contract_fields(cam):
    d = json.loads(cam.to_json())
    assert d["version"] == 1 and d["frames"] == 16 and d["convention"] == "opencv_c2w"
    assert len(d["c2w"]) == 16 and all(len(m) == 16 for m in d["c2w"])
    for key in ("fov_deg", "focal_length_mm", "focus_distance", "aperture"):
        assert len(d[key]) == 16
    assert d["sensor_mm"] == [36.0, 24.0] and d["preset"] == "orbit_left" and len(d["look_at"]) == 3


def test_json_round_trip(cam):
    back = CameraTrajectory.from_json(cam.to_json())
    np.testing.assert_allclose(back.c2w, cam.c2w)
    for key in ("fov_deg", "focal_length_mm", "focus_distance", "aperture"):
        np.testing.assert_allclose(getattr(back, key), getattr(cam, key))
    assert (back.fps, back.preset, back.intent, back.look_at) == (cam.fps, cam.preset, cam.intent, cam.look_at)


@pytest.mark.parametrize("mutate, fragment", [
    (lambda d: d.update(c2w=[[1, 0, 0]]), "shape"),
    (lambda d: d.update(frames=3), "frames=3"),
    (lambda d: d["c2w"][0].__setitem__(0, float("nan")), "NaN"),
    (lambda d: d["c2w"][1].__setitem__(0, 2.0), "orthonormal"),
    (lambda d: d.update(fov_deg=[0.0] * 16), "fov_deg"),
    (lambda d: d.update(convention="opengl"), "convention"),
    (lambda d: d.pop("c2w"), "missing"),
])
def test_bad_camera_json(cam, mutate, fragment):
    d = cam.to_dict()
    mutate(d)
    with pytest.raises(ValueError, match=fragment):
        CameraTrajectory.from_dict(d)
    with pytest.raises(ValueError, match="not valid JSON"):
        CameraTrajectory.from_json("{")


def test_motionctrl_round_trip(cam):
    rt = to_motionctrl_rt(cam)
    assert len(rt) == 16 and all(len(r) == 12 for r in rt)
    np.testing.assert_allclose(np.array(rt[0]), np.eye(4)[:3].reshape(12), atol=1e-12)
    back = from_motionctrl_rt(rt, fov_deg=cam.fov_deg, fps=cam.fps)
    np.testing.assert_allclose(back.c2w, cam.c2w, atol=1e-12)
    with pytest.raises(ValueError, match="12"):
        from_motionctrl_rt([[1, 2, 3]])


def test_cameractrl_round_trip(cam):
    text = to_cameractrl_lines(cam, 1024, 576)
    lines = text.strip().splitlines()
    assert lines[0].startswith("#") and len(lines) == 17
    first = [float(v) for v in lines[1].split()]
    assert len(first) == 19 and first[0] == 0 and first[3:5] == [0.5, 0.5]
    back = from_cameractrl_lines(text, 1024, 576)
    np.testing.assert_allclose(back.c2w, cam.c2w, atol=1e-7)
    np.testing.assert_allclose(back.fov_deg, cam.fov_deg, rtol=1e-7)
    assert back.fps == pytest.approx(cam.fps)
    with pytest.raises(ValueError, match="19"):
        from_cameractrl_lines("header\n1 2 3", 10, 10)


def test_tracks_round_trip():
    d = S.path_dict(S.circle(ccw=True))
    d["strokes"].append({"role": "path", "points": S.line(0.1, 0.1, 0.9, 0.9).tolist()})
    d["strokes"].append({"role": "focus", "points": [[0.5, 0.5]]})
    path = parse_path(d)
    tracks = tracks_from_path(path)
    assert len(tracks) == 2 and all(len(t) == ATI_TRACK_POINTS for t in tracks)
    assert set(tracks[0][0]) == {"x", "y"}
    back = path_from_tracks(tracks_to_json(path), path.width, path.height)
    assert [s.role for s in back.strokes] == ["camera", "path"]
    np.testing.assert_allclose(back.strokes[1].xy[0], [0.1, 0.1], atol=1e-3)
    np.testing.assert_allclose(back.strokes[1].xy[-1], [0.9, 0.9], atol=1e-3)
