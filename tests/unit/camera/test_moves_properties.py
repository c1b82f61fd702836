"""Property-based tests: random strokes thrown at the parser, the intent analysis and the trajectory builder."""

import json
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from draw_to_video.camera.intent import analyze_intent
from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.path import parse_path, smooth
from draw_to_video.camera.presets import PRESETS

coord = st.floats(min_value=-0.5, max_value=1.5, allow_nan=False, allow_infinity=False)
point = st.one_of(st.tuples(coord, coord), st.tuples(coord, coord, st.floats(0, 1e5), st.floats(0, 1)))
stroke = st.lists(point, min_size=1, max_size=300)
anything = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
                        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                        max_leaves=20)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(stroke, st.sampled_from(list(PRESETS) + ["auto"]), st.integers(1, 40), st.floats(0, 2))
def test_random_strokes_give_valid_trajectories(points, preset, frames, intensity):
    d = {"version": 1, "width": 640, "height": 360,
         "strokes": [{"role": "camera", "points": [list(p) for p in points]}]}
    path = parse_path(json.dumps(d))
    xy = path.camera_stroke().xy
    assert ((xy >= 0) & (xy <= 1)).all()
    cam = build_trajectory(preset, frames=frames, intensity=intensity, path=path, handheld=0.3, seed=1)
    assert cam.frames == frames
    assert np.isfinite(cam.c2w).all() and np.isfinite(cam.fov_deg).all() and np.isfinite(cam.focus_distance).all()
    r = cam.c2w[:, :3, :3]
    assert np.abs(r @ r.transpose(0, 2, 1) - np.eye(3)).max() < 1e-6
    result = analyze_intent(path)
    assert 0 <= result.confidence <= 1 and result.preset in PRESETS
    json.dumps(result.to_dict())


@SETTINGS
@given(anything)
def test_parser_never_raises_anything_but_value_error(data):
    try:
        parse_path(json.dumps(data) if not isinstance(data, float) or math.isfinite(data) else "1", 100, 100)
    except ValueError:
        pass


@SETTINGS
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=500), st.floats(0, 3))
def test_smooth_is_finite_and_keeps_endpoints(points, strength):
    xy = np.array(points, dtype=float)
    out = smooth(xy, strength=strength, n_out=32)
    assert out.shape == (32, 2) and np.isfinite(out).all()
    assert np.allclose(out[0], xy[0]) and np.allclose(out[-1], xy[-1]) or len({tuple(p) for p in points}) == 1
