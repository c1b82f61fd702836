"""tools/golden.py's comparison: which differences between two recorded runs it reports (the jobs themselves run
in minutes, so they are not run here)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def golden():
    spec = importlib.util.spec_from_file_location("golden_tool", ROOT / "tools" / "golden.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    yield mod
    del sys.modules[spec.name]


def test_identical_runs_report_nothing(golden):
    a = golden.Digests({"demo": {"demo": "aa"}, "metrics": {"<stdout>": "bb"}})
    assert golden.compare_digests(a, golden.Digests(json.loads(json.dumps(a.by_job)))) == []


def test_every_kind_of_difference_is_reported(golden):
    old = golden.Digests({"demo": {"demo": "a" * 64, "x.json": "b" * 64}, "gone": {"o": "c" * 64}})
    new = golden.Digests({"demo": {"demo": "d" * 64, "y.json": "e" * 64}, "extra": {}})
    assert golden.compare_digests(old, new) == [
        f"demo/demo: differs ({'a' * 12} -> {'d' * 12})",
        "demo/x.json: missing now",
        "demo/y.json: new output",
        "gone: did not run",
        "extra: not recorded",
    ]


def test_frames_are_hashed_by_pixels_not_file_bytes(golden, tmp_path):
    import cv2

    img = np.random.default_rng(0).integers(0, 255, (12, 16, 3), dtype=np.uint8)
    for folder, level in (("a", 0), ("b", 9)):
        (tmp_path / folder).mkdir()
        cv2.imwrite(str(tmp_path / folder / "frame_00000.png"), img, [cv2.IMWRITE_PNG_COMPRESSION, level])
    assert (tmp_path / "a/frame_00000.png").read_bytes() != (tmp_path / "b/frame_00000.png").read_bytes()
    assert golden.output_digest(tmp_path / "a") == golden.output_digest(tmp_path / "b")
    img[0, 0, 0] ^= 1
    cv2.imwrite(str(tmp_path / "b" / "frame_00000.png"), img)
    assert golden.output_digest(tmp_path / "a") != golden.output_digest(tmp_path / "b")


def test_json_is_compared_by_content(golden, tmp_path):
    (tmp_path / "a.json").write_text('{"b": 1, "a": [1, 2]}')
    (tmp_path / "b.json").write_text('{\n "a": [1, 2],\n "b": 1\n}\n')
    (tmp_path / "c.json").write_text('{"a": [2, 1], "b": 1}')
    digest = golden.output_digest
    assert digest(tmp_path / "a.json") == digest(tmp_path / "b.json") != digest(tmp_path / "c.json")
