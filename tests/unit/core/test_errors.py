"""Bad input in short, one-line errors: core/errors and the path/camera JSON limits (issue 12)."""

import json

import pytest

from draw_to_video.camera.path import MAX_PATH_BYTES, MAX_POINTS, MAX_STROKES, parse_path
from draw_to_video.camera.trajectory import CameraTrajectory
from draw_to_video.core.errors import excerpt, loads_json, one_line
from draw_to_video.core.params import TRAJECTORY


def test_excerpt_is_short_and_one_line():
    assert excerpt("abc") == "'abc'"
    long = excerpt("x" * 5_000_000)
    assert len(long) < 120 and "5000000 characters" in long
    assert "\n" not in excerpt("a\nb" * 100) and len(excerpt("a\nb" * 100)) < 120
    assert excerpt(list(range(10**6))) == "<list of 1000000 items>"
    assert excerpt(b"\x00" * 10**6).endswith("(1000000 bytes)")


def test_one_line_and_loads_json():
    assert one_line("a\n  b\tc") == "a b c" and len(one_line("y" * 10**6)) == 500
    for text, says in (("[" * 100_000, "nested too deeply"), ("{", "not valid JSON"), (b"\xff", "it is not"),
                       ("x" * 101, "at most 100")):
        with pytest.raises(ValueError, match=says):
            loads_json(text, "it", max_bytes=100 if len(text) == 101 else None)


def _path(strokes):
    return json.dumps({"version": 1, "width": 64, "height": 48, "strokes": strokes})


@pytest.mark.parametrize("text,says", [
    ("[" * 100_000, "nested too deeply"),
    ('{"strokes": ' + "[" * 100_000, "nested too deeply"),
    ('{"coordinates": ' + "[" * 100_000, "nested too deeply"),
    ("x" * (MAX_PATH_BYTES + 1), f"at most {MAX_PATH_BYTES}"),
    (_path([{"role": "camera", "points": [[0.5, 0.5]]}] * (MAX_STROKES + 1)), f"at most {MAX_STROKES}"),
    (_path([{"role": "camera", "points": [[0.5, 0.5]] * (MAX_POINTS + 1)}]), f"at most {MAX_POINTS}"),
    (json.dumps([{"x": 1, "y": 2}] * (MAX_POINTS + 1)), f"at most {MAX_POINTS}"),
    (_path([{"role": "r" * 5_000_000, "points": [[0.5, 0.5]]}]), "5000000 characters"),
    (_path([{"role": "camera", "points": [[0.5, True]]}]), "must be a number, got True"),
    (_path([{"role": "camera", "points": [[0.5, 0.5], [float("nan"), 0.5]]}]), "finite"),
    (_path([{"role": "camera", "points": [["0.5", 0.5]]}]), "must be a number"),
    (_path([{"role": "camera", "points": [[0.5, 0.5, 1, 2, 3]]}]), "must be [x, y]"),
    (_path([{"role": "camera", "points": [[0.5] * 1000]}]), "must be [x, y]"),
])
def test_bad_paths_are_refused_in_one_short_line(text, says):
    with pytest.raises(ValueError) as e:
        parse_path(text, 64, 48)
    msg = str(e.value)
    assert says in msg and "\n" not in msg and len(msg) < 300, msg[:400]


def test_the_fast_reading_of_numeric_points_matches_the_careful_one():
    rows = [[0.1, 0.2], [0.3, 0.4, 10, 0.5], [0.5, 0.6, None, 0.7], {"x": 0.7, "y": 0.8}]
    careful = parse_path(_path([{"role": "camera", "points": rows}]))  # dicts and None: the per-value path
    fast = parse_path(_path([{"role": "camera", "points": [[0.1, 0.2]]}]))
    assert careful.strokes[0].points.shape == (4, 4)
    assert fast.strokes[0].points[0, :2].tolist() == [0.1, 0.2]
    ints = parse_path(_path([{"role": "camera", "points": [[0, 1], [1, 0]]}]))
    assert ints.strokes[0].points[:, :2].tolist() == [[0.0, 1.0], [1.0, 0.0]]
    timed = parse_path(_path([{"role": "camera", "points": [[0.1, 0.2, 0, 0.5], [0.3, 0.4, 16, 0.6]]}]))
    assert timed.strokes[0].has_timing and timed.strokes[0].points[1].tolist() == [0.3, 0.4, 16.0, 0.6]


def test_camera_json_errors_are_short():
    good = json.loads(CameraTrajectory.from_json(
        json.dumps({"c2w": [[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]], "fov_deg": [50]})).to_json())
    for bad, says in (({**good, "fov_deg": ["x" * 10**6]}, "wrong shape or type"), ({**good, "frames": "many"},
                      "frames='many'"), ({**good, "fps": [1]}, "fps must be a number"),
                      ({"fov_deg": [50]}, "missing the field 'c2w'"), ({**good, "convention": "y" * 10**6}, "…")):
        with pytest.raises(ValueError) as e:
            CameraTrajectory.from_json(json.dumps(bad))
        assert says in str(e.value) and len(str(e.value)) < 300, str(e.value)[:400]
    with pytest.raises(ValueError, match="nested too deeply"):
        CameraTrajectory.from_json("[" * 100_000)


def test_range_errors_quote_an_excerpt():
    with pytest.raises(ValueError) as e:
        TRAJECTORY["frames"].check("9" * 10**6, "frames")
    assert len(str(e.value)) < 200
