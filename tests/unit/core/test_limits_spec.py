"""Refused from the inputs alone (issue 29): shot-list specs and camera JSON bounded when parsed, so the nodes'
``validate_inputs`` refuse them before the queue; a path without a camera stroke is refused where the move is read
from it; the shot list reports progress (its Cancel checkpoint) after every frame."""

import copy
import json

import pytest
import torch

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.path import parse_path
from draw_to_video.camera.trajectory import MAX_TRANSLATION, CameraTrajectory
from draw_to_video.core.limits import MAX_FRAMES
from draw_to_video.pipelines.shots import MAX_NAME_CHARS, parse_shot_list, render_shot_list

CAMERA = build_trajectory("orbit_left", frames=5).to_dict()


def _bad_camera(change):
    d = copy.deepcopy(CAMERA)
    change(d)
    return d


@pytest.mark.parametrize("change, match", [
    (lambda d: d.update(version=2), "version 2"),
    (lambda d: d.update(sensor_mm=[0, 0]), "sensor_mm width"),
    (lambda d: d.update(sensor_mm=[36]), "sensor_mm"),
    (lambda d: d["c2w"][2].__setitem__(3, 1e300), "position"),
    (lambda d: d["c2w"][2].__setitem__(7, -2 * MAX_TRANSLATION), "position"),
    (lambda d: d.update(fps=float("nan")), "fps"),
    (lambda d: d.update(fps=10**400), "malformed"),
    (lambda d: d.update(look_at=[0, 0, float("inf")]), "look_at"),
    (lambda d: d.update(aperture=[0.0] * 5), "aperture"),
    (lambda d: d.update(focal_length_mm=[1e9] * 5), "focal_length_mm"),
    (lambda d: d.update(focus_distance=[float("nan")] * 5), "focus_distance"),
    (lambda d: d.update(c2w=d["c2w"] * (MAX_FRAMES // 5 + 1), frames=None), f"at most {MAX_FRAMES}"),
])
def test_camera_json_out_of_bounds_is_refused_in_one_line(change, match):
    with pytest.raises(ValueError, match=match) as e:
        CameraTrajectory.from_dict(_bad_camera(change))
    assert str(e.value).startswith("camera JSON") and "\n" not in str(e.value) and len(str(e.value)) < 300


def test_camera_json_within_bounds_round_trips():
    cam = CameraTrajectory.from_json(json.dumps(CAMERA))
    assert cam.to_dict() == CAMERA
    far = _bad_camera(lambda d: d["c2w"][4].__setitem__(3, 0.9 * MAX_TRANSLATION))
    assert CameraTrajectory.from_dict(far).c2w[4, 0, 3] == 0.9 * MAX_TRANSLATION


@pytest.mark.parametrize("strokes", [[], [{"role": "focus", "points": [[0.5, 0.5]]}],
                                     [{"role": "path", "points": [[0.1, 0.5], [0.9, 0.5]]}]])
def test_auto_needs_a_camera_stroke_a_preset_takes_a_focus_only_path(strokes):
    path = parse_path({"version": 1, "width": 64, "height": 48, "strokes": strokes})
    with pytest.raises(ValueError, match='auto" reads the camera stroke'):
        build_trajectory("auto", frames=5, path=path)
    assert build_trajectory("dolly_in", frames=5, path=path).frames == 5  # a preset aimed by the focus point
    assert build_trajectory("auto", frames=5).preset == "static"  # no drawing at all: nothing moves


def _spec(*shots, **top):
    return {"version": 1, "fps": 12, "width": 32, "height": 24, "shots": list(shots), **top}


@pytest.mark.parametrize("shot, match", [
    ({"image": "x" * 100_000, "preset": "dolly_in", "frames": 4}, "not a usable file name"),
    ({"image": "a/" + "y" * 300 + ".png", "preset": "dolly_in", "frames": 4}, "not a usable file name"),
    ({"image": "a\0.png", "preset": "dolly_in", "frames": 4}, "not a usable file name"),
    ({"image": 0, "camera": _bad_camera(lambda d: d["c2w"][1].__setitem__(3, 1e300)), "frames": 4},
     "shot 0: camera JSON c2w has a position"),
    ({"image": 0, "camera": _bad_camera(lambda d: d.update(version=2)), "frames": 4}, "shot 0: camera JSON version"),
    ({"image": 0, "camera": _bad_camera(lambda d: d.update(sensor_mm=[0, 0])), "frames": 4}, "sensor_mm"),
    ({"image": 0, "path": {"version": 1, "width": 32, "height": 24, "strokes": []}, "frames": 4},
     'shot 0: the path has no stroke with role "camera"'),
    ({"image": 0, "path": {"version": 1, "width": 32, "height": 24,
                           "strokes": [{"role": "focus", "points": [[0.5, 0.5]]}]}, "frames": 4}, "camera"),
    ({"image": 0, "path": {"version": 1, "width": 32, "height": 24,
                           "strokes": [{"role": "camera", "points": [[float("nan"), 0.5]]}]}, "frames": 4}, "shot 0"),
])
def test_bad_shots_are_refused_when_parsed(shot, match):
    with pytest.raises(ValueError, match=match) as e:
        parse_shot_list(json.dumps(_spec(shot)))
    assert "\n" not in str(e.value) and len(str(e.value)) < 400


def test_a_long_but_usable_name_passes_parsing():
    name = "/".join(["d" * 200] * (MAX_NAME_CHARS // 201)) + ".png"
    assert len(name) <= MAX_NAME_CHARS
    assert parse_shot_list(_spec({"image": name, "preset": "dolly_in", "frames": 4})).shots[0].image.endswith(".png")


def test_the_work_of_a_spec_is_bounded_at_parse_time():
    huge = _spec(*[{"image": 0, "preset": "dolly_in", "frames": 1000} for _ in range(64)], width=16, height=16)
    with pytest.raises(ValueError, match="frames in the shot list, all shots together: 64000, at most 10000"):
        parse_shot_list(json.dumps(huge))
    ok = _spec(*[{"image": 0, "preset": "dolly_in", "frames": 1000} for _ in range(10)], width=16, height=16)
    assert parse_shot_list(json.dumps(ok)).total_frames == 10_000
    big = _spec({"image": 0, "preset": "dolly_in", "frames": 1000}, width=4096, height=4096)
    with pytest.raises(ValueError, match="of memory"):
        parse_shot_list(json.dumps(big))


def test_progress_comes_after_every_frame_of_a_shot():
    """The node's progress callback is its Cancel checkpoint: it must be called within a shot, frame by frame."""
    spec = parse_shot_list(_spec({"image": 0, "preset": "dolly_in", "frames": 6},
                                 {"image": 0, "preset": "pan_right", "frames": 5, "transition": "crossfade",
                                  "transition_frames": 2}))
    calls = []
    out = render_shot_list(spec, [torch.rand(24, 32, 3)], on_progress=lambda d, t: calls.append((d, t)))
    assert out.shape == (9, 24, 32, 3)
    assert all(t == 11 for _, t in calls) and calls[-1] == (11, 11)
    assert {d for d, _ in calls} >= set(range(1, 12))  # every frame of both shots reported

    class Stop(Exception):
        pass

    def cancel_at_3(done, _total):
        if done >= 3:
            raise Stop

    with pytest.raises(Stop):
        render_shot_list(spec, [torch.rand(24, 32, 3)], on_progress=cancel_at_3)


def test_every_camera_the_pack_builds_passes_the_camera_json_bounds():
    """The bounds refuse only hostile values: every preset at the ranges' ends, every body and lens, round-trip."""
    from draw_to_video.camera.presets import PRESETS
    from draw_to_video.core.cinema import CAMERA_BODIES, LENS_KINDS

    cases = [dict(preset=p, focal_length_mm=f) for p in PRESETS for f in (8.0, 600.0)]
    cases += [dict(preset="dolly_zoom_in", camera_body=b, lens_kind=k) for b in CAMERA_BODIES for k in LENS_KINDS]
    for case in cases:
        cam = build_trajectory(frames=5, intensity=3, fps=120, handheld=1, **case)
        assert CameraTrajectory.from_json(cam.to_json()).frames == 5, case
