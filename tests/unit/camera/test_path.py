import json
import math

import numpy as np
import pytest

from draw_to_video.camera.path import (
    MAX_POINTS,
    parse_path,
    progress_from_timing,
    resample,
    smooth,
)


def contract(points, **extra):
    return {"version": 1, "width": 640, "height": 360, "strokes": [{"role": "camera", "points": points}], **extra}


def test_contract_format_all_columns():
    p = parse_path(json.dumps(contract([[0.1, 0.2, 0, 0.5], [0.3, 0.4, 16.5, 0.7]])))
    s = p.camera_stroke()
    assert (p.width, p.height) == (640, 360)
    np.testing.assert_allclose(s.points, [[0.1, 0.2, 0, 0.5], [0.3, 0.4, 16.5, 0.7]])
    assert s.has_timing


def test_contract_optional_columns_are_nan():
    s = parse_path(contract([[0.1, 0.2], [0.3, 0.4]])).camera_stroke()
    assert np.isnan(s.points[:, 2:]).all() and not s.has_timing


def test_roles_and_focus_point():
    d = contract([[0.1, 0.2], [0.3, 0.4]])
    d["strokes"] += [{"role": "focus", "points": [[0.6, 0.7]]}, {"role": "path", "points": [[0, 0], [1, 1]]}]
    p = parse_path(d)
    assert [s.role for s in p.strokes] == ["camera", "focus", "path"]
    assert p.focus_point() == (0.6, 0.7)


def test_bare_pixel_points_seed_format():
    p = parse_path([{"x": 64, "y": 36}, {"x": 320, "y": 180}], width=640, height=360)
    np.testing.assert_allclose(p.camera_stroke().xy, [[0.1, 0.1], [0.5, 0.5]])


def test_kjnodes_coordinates_string_and_multiple_splines():
    coords = json.dumps([[{"x": 0, "y": 0}, {"x": 320, "y": 360}], [{"x": 640, "y": 0}, {"x": 0, "y": 0}]])
    p = parse_path(coords, 640, 360)
    assert [s.role for s in p.strokes] == ["camera", "path"]
    np.testing.assert_allclose(p.strokes[0].xy, [[0, 0], [0.5, 1.0]])
    single = parse_path({"coordinates": json.dumps([{"x": 320, "y": 180}])}, 640, 360)
    np.testing.assert_allclose(single.camera_stroke().xy, [[0.5, 0.5]])


def test_out_of_range_points_are_clamped_and_reported():
    p = parse_path(contract([[-0.2, 0.5], [1.4, 0.5], [0.5, 0.5]]))
    np.testing.assert_allclose(p.camera_stroke().xy[:, 0], [0, 1, 0.5])
    assert len(p.warnings) == 1 and "2 point(s)" in p.warnings[0] and "clamped" in p.warnings[0]


@pytest.mark.parametrize("bad, fragment", [
    ("", "empty"),
    ("{not json", "not valid JSON"),
    ("42", "object or list"),
    ('{"width": 10, "height": 10}', '"strokes"'),
    (json.dumps(contract("nope")), "'points' list"),
    (json.dumps(contract([])), "non-empty"),
    (json.dumps(contract([[0.1]])), "[x, y]"),
    (json.dumps(contract([[0.1, "a"]])), "must be a number"),
    (json.dumps(contract([[0.1, None]])), "required"),
    (json.dumps(contract([[0.1, 0.2, 0, 0, 9]])), "[x, y]"),
    (json.dumps({"version": 2, "width": 1, "height": 1, "strokes": []}), "version"),
    (json.dumps({"version": 1, "width": 0, "height": 10, "strokes": []}), "width"),
    (json.dumps({"version": 1, "width": 10, "strokes": []}), "height"),
    (json.dumps({"version": 1, "width": 10, "height": 10, "strokes": [{"role": "x", "points": [[0, 0]]}]}), "role"),
    (json.dumps({"version": 1, "width": 10, "height": 10, "strokes": [5]}), "stroke 0"),
    ("[]", "no points"),
])
def test_bad_input_messages(bad, fragment):
    with pytest.raises(ValueError) as e:
        parse_path(bad)
    assert fragment in str(e.value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_rejected(value):
    with pytest.raises(ValueError, match="finite"):
        parse_path(contract([[0.1, 0.2], [value, 0.3]]))
    with pytest.raises(ValueError, match="finite"):
        parse_path([{"x": 1, "y": value}], 10, 10)
    # json.dumps writes NaN/Infinity tokens, which Python's JSON reader accepts: they must still be refused.
    with pytest.raises(ValueError, match="finite"):
        parse_path(json.dumps(contract([[0.1, value]])))


def test_pixel_points_need_size():
    with pytest.raises(ValueError, match="width"):
        parse_path([{"x": 1, "y": 2}])


def test_too_many_points():
    pts = [[0.5, 0.5]] * (MAX_POINTS + 1)
    with pytest.raises(ValueError, match="at most"):
        parse_path(contract(pts))


def test_camera_stroke_required_message():
    p = parse_path({"version": 1, "width": 10, "height": 10, "strokes": [{"role": "focus", "points": [[0, 0]]}]})
    assert p.camera_stroke() is None
    with pytest.raises(ValueError, match='role "camera"'):
        p.camera_stroke(required=True)


def test_to_json_round_trip():
    d = contract([[0.1, 0.2, 0, 0.5], [0.3, 0.4, 20, 0.25]])
    d["strokes"].append({"role": "focus", "points": [[0.6, 0.7]]})
    p = parse_path(d)
    q = parse_path(p.to_json())
    assert q == p


def test_resample_by_arc_length_is_even():
    xy = np.array([[0, 0], [0.1, 0], [0.11, 0], [1, 0]], dtype=float)
    out = resample(xy, 11)
    np.testing.assert_allclose(np.diff(out[:, 0]), 0.1, atol=1e-12)


def test_resample_single_point_and_duplicates():
    np.testing.assert_allclose(resample(np.array([[0.3, 0.4]]), 5), np.tile([0.3, 0.4], (5, 1)))
    np.testing.assert_allclose(resample(np.array([[0.3, 0.4], [0.3, 0.4]]), 3), np.tile([0.3, 0.4], (3, 1)))


@pytest.mark.parametrize("n", [2, 3, 5, 100_000])
def test_smooth_handles_tiny_and_huge_strokes(n):
    rng = np.random.default_rng(1)
    xy = np.stack([np.linspace(0, 1, n), 0.5 + rng.normal(0, 0.01, n)], 1)
    out = smooth(xy, n_out=64)
    assert out.shape == (64, 2) and np.isfinite(out).all()
    np.testing.assert_allclose(out[0], xy[0])
    np.testing.assert_allclose(out[-1], xy[-1])
    if n >= 100:
        assert np.std(np.diff(out[:, 1])) < np.std(np.diff(xy[:, 1]))


def test_progress_from_timing_follows_drawing_speed():
    # First half of the stroke drawn in 100 ms, second half in 900 ms.
    xy = np.array([[0, 0.5], [0.5, 0.5], [1.0, 0.5]])
    p = parse_path(contract([[*xy[0], 0], [*xy[1], 100], [*xy[2], 1000]])).camera_stroke()
    prog = progress_from_timing(p, 11)
    assert prog[0] == 0 and prog[-1] == pytest.approx(1)
    assert prog[1] == pytest.approx(0.5)  # at 100 ms the first half is done
    assert np.all(np.diff(prog) >= 0)
