"""The JSON fixtures the widget's JS helpers are tested against must match what Python computes now."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _exporter():
    spec = importlib.util.spec_from_file_location("d2v_export_fixtures", ROOT / "tests" / "web" / "export_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_path_fixtures_match_python():
    mod = _exporter()
    committed = mod.OUT.read_text()
    assert committed == mod.render(), ("tests/web/fixtures/path_cases.json is stale: run "
                                       "`python tests/web/export_fixtures.py` and commit the result")


def test_fixtures_cover_valid_clamped_and_invalid_inputs():
    cases = _exporter().build()["cases"]
    assert sum("error" in c for c in cases) >= 8
    assert any(c.get("warnings") for c in cases)
    assert any(len(c.get("expect", {}).get("strokes", [])) >= 3 for c in cases)
