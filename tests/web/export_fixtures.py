"""Export the Python results that the widget's JS helpers are tested against (``node --test tests/web/``).

Run from the repo root: ``python tests/web/export_fixtures.py`` (rewrites tests/web/fixtures/path_cases.json).
``tests/unit/web/test_fixtures.py`` fails when the committed file no longer matches what Python computes,
so a change to ``camera/path.py`` cannot silently drift from the JS port in ``web/js/d2v_path_core.js``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "web" / "fixtures" / "path_cases.json"


def _package():
    if "draw_to_video" not in sys.modules:
        spec = importlib.util.spec_from_file_location("draw_to_video", ROOT / "__init__.py",
                                                      submodule_search_locations=[str(ROOT)])
        mod = importlib.util.module_from_spec(spec)
        sys.modules["draw_to_video"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["draw_to_video"]


def _spiral(n: int = 40) -> list:
    return [[0.5 + 0.3 * (i / n) * math.cos(i / 4), 0.5 + 0.3 * (i / n) * math.sin(i / 4), i * 16.0, 0.5]
            for i in range(n)]


# (name, data given to parse_path, width, height); data is kept as text when it is a str.
CASES = [
    ("contract_line", {"version": 1, "width": 1024, "height": 576,
                       "strokes": [{"role": "camera", "points": [[0.2, 0.5], [0.5, 0.5], [0.8, 0.5]]}]}, None, None),
    ("contract_timed_pressure", {"version": 1, "width": 640, "height": 480,
                                 "strokes": [{"role": "camera", "points": _spiral()},
                                             {"role": "focus", "points": [[0.5, 0.4]]},
                                             {"role": "path", "points": [[0.1, 0.9, 0], [0.3, 0.7, 120.5]]}]},
     None, None),
    ("pressure_without_time", {"version": 1, "width": 100, "height": 100,
                               "strokes": [{"role": "camera", "points": [[0.1, 0.1, None, 0.25], [0.9, 0.9, None, 1]]}]},
     None, None),
    ("clamped_outside", {"version": 1, "width": 800, "height": 600,
                         "strokes": [{"role": "camera", "points": [[-0.2, 0.5], [0.5, 1.3], [0.7, 0.7]]}]}, None, None),
    ("dict_points", {"version": 1, "width": 320, "height": 240,
                     "strokes": [{"role": "camera", "points": [{"x": 0.1, "y": 0.2, "t_ms": 0},
                                                               {"x": 0.4, "y": 0.3, "t_ms": 50}]}]}, None, None),
    ("size_from_args", {"strokes": [{"points": [[0.3, 0.3], [0.6, 0.6]]}]}, 512, 512),
    ("pixel_points", [{"x": 100, "y": 50}, {"x": 300, "y": 150}, {"x": 512, "y": 288}], 1024, 576),
    ("kj_coordinates_text", json.dumps([{"x": 10, "y": 20}, {"x": 200, "y": 120}]), 400, 300),
    ("kj_multi_spline", [[{"x": 0, "y": 0}, {"x": 100, "y": 100}], [{"x": 50, "y": 0}, {"x": 50, "y": 100}]], 100, 100),
    ("json_text", '{"version": 1, "width": 1024, "height": 576, "strokes": [{"role": "camera", '
                  '"points": [[0.25, 0.5, 0], [0.75, 0.5, 400]]}]}', None, None),
    ("err_empty_text", "   ", None, None),
    ("err_bad_json", "{not json", None, None),
    ("err_bad_role", {"version": 1, "width": 10, "height": 10, "strokes": [{"role": "dolly", "points": [[0, 0]]}]},
     None, None),
    ("err_no_points", {"version": 1, "width": 10, "height": 10, "strokes": [{"role": "camera", "points": []}]},
     None, None),
    ("err_point_shape", {"version": 1, "width": 10, "height": 10, "strokes": [{"points": [[0.1]]}]}, None, None),
    ("err_string_coord", {"version": 1, "width": 10, "height": 10, "strokes": [{"points": [["a", 0.1]]}]},
     None, None),
    ("err_version", {"version": 2, "width": 10, "height": 10, "strokes": []}, None, None),
    ("err_missing_size", {"strokes": [{"points": [[0.1, 0.1]]}]}, None, None),
    ("err_huge_size", {"version": 1, "width": 1e9, "height": 10, "strokes": []}, None, None),
    ("err_pixels_without_size", [{"x": 1, "y": 2}], None, None),
    ("err_empty_list", [], 100, 100),
    ("err_scalar", 42, None, None),
]


def build() -> dict:
    _package()
    from draw_to_video.camera.path import parse_path

    cases = []
    for name, data, w, h in CASES:
        case = {"name": name, "input": data, "width": w, "height": h}
        try:
            p = parse_path(data, w, h)
            case["expect"] = p.to_dict()
            case["warnings"] = list(p.warnings)
        except ValueError as e:
            case["error"] = str(e)
        cases.append(case)
    return {"generated_by": "tests/web/export_fixtures.py", "source": "camera/path.py parse_path + DrawnPath.to_dict",
            "cases": cases}


def render() -> str:
    return json.dumps(build(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render())
    print(f"wrote {OUT.relative_to(ROOT)}")
