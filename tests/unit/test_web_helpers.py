"""Run the widget's JS unit tests (``node --test tests/web/``) from pytest, so the README's test command covers them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (Node.js >= 18 runs the JS tests)")
def test_node_unit_tests_pass():
    proc = subprocess.run(["node", "--test", "tests/web/"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout and "# pass " in proc.stdout
