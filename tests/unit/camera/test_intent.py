import numpy as np
import pytest
import strokes as S  # noqa: I001

from draw_to_video.camera.intent import analyze_intent
from draw_to_video.camera.path import parse_path

CASES = [
    ("orbit_ccw", lambda: S.circle(ccw=True), "orbit", "orbit_left"),
    ("orbit_cw", lambda: S.circle(ccw=False), "orbit", "orbit_right"),
    ("orbit_overdrawn", lambda: S.circle(ccw=False, turns=1.3), "orbit", "orbit_right"),
    ("spiral_in", lambda: S.spiral(inward=True), "spiral_in", "spiral_in"),
    ("spiral_out", lambda: S.spiral(inward=False), "spiral_out", "spiral_out"),
    ("up", lambda: S.line(0.5, 0.85, 0.52, 0.2), "dolly_in", "dolly_in"),
    ("down", lambda: S.line(0.45, 0.2, 0.47, 0.8), "dolly_out", "dolly_out"),
    ("right", lambda: S.line(0.15, 0.5, 0.85, 0.55), "truck_right", "truck_right"),
    ("left", lambda: S.line(0.85, 0.4, 0.2, 0.45), "truck_left", "truck_left"),
    ("zigzag", S.zigzag, "handheld", "handheld"),
    ("whip", S.whip, "whip_pan", "whip_pan"),
    ("arc", S.arc, "arc", "arc"),
    ("s_curve", S.s_curve, "follow_path", "follow_path"),
]


@pytest.mark.parametrize("name, make, intent, preset", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", range(6))
def test_intent_on_hand_drawn_strokes(name, make, intent, preset, seed):
    xy = S.humanize(make(), seed=seed)
    result = analyze_intent(parse_path(S.path_dict(xy)))
    assert (result.intent, result.preset) == (intent, preset), result.features
    assert 0 < result.confidence <= 1
    assert result.features["points"] == len(xy)


def test_tap_is_a_push_towards_the_point():
    r = analyze_intent(parse_path(S.path_dict(np.array([[0.3, 0.4], [0.302, 0.401], [0.301, 0.399]]))))
    assert (r.intent, r.preset) == ("push", "dolly_in")
    assert r.features["tap_x"] == pytest.approx(0.301)


def test_single_point_is_a_tap():
    assert analyze_intent(np.array([[0.5, 0.5]])).intent == "push"


def test_orbit_direction_is_handedness():
    cw = analyze_intent(parse_path(S.path_dict(S.circle(ccw=False))))
    ccw = analyze_intent(parse_path(S.path_dict(S.circle(ccw=True))))
    assert cw.direction == 1 and ccw.direction == -1


def test_features_are_json_friendly():
    """The widget's route sends ``to_dict()`` as JSON: plain finite numbers (no numpy ints/bools, no NaN) that
    survive a round trip, carrying the result and the features it was decided on."""
    import json

    r = analyze_intent(parse_path(S.path_dict(S.spiral(True))))
    d = r.to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert (d["intent"], d["preset"], d["direction"]) == (r.intent, r.preset, r.direction)
    assert d["confidence"] == pytest.approx(r.confidence, abs=5e-4) and 0 < d["confidence"] <= 1
    assert len(d["features"]) >= 5
    for name, value in d["features"].items():
        assert isinstance(value, (bool, int, float, str)), (name, type(value))
    assert d["features"]["points"] == 160


def test_no_camera_stroke_is_a_clear_error():
    p = parse_path({"version": 1, "width": 4, "height": 4, "strokes": [{"role": "focus", "points": [[0, 0]]}]})
    with pytest.raises(ValueError, match="camera"):
        analyze_intent(p)
