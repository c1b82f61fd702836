"""The widget's JS tests (``node --test tests/web/``) run here, once, so the README's test command covers them.

This is the only place they run (``.ci/run`` does not call ``node --test`` itself). Without Node.js the test is
skipped, except in CI (``CI`` set), where a missing tier must not pass silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_node_unit_tests_pass():
    if shutil.which("node") is None:
        message = "node is not installed: Node.js >= 18 runs the widget's JS tests (tests/web/)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    proc = subprocess.run(["node", "--test", "tests/web/"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    tail = proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    passed = re.search(r"^# pass (\d+)$", proc.stdout, re.M)
    failed = re.search(r"^# fail (\d+)$", proc.stdout, re.M)
    assert passed and failed, tail
    assert int(failed.group(1)) == 0 and int(passed.group(1)) > 0, tail
