"""Make ``import draw_to_video`` mean *this checkout*, whatever is pip-installed.

The repo root is the package (docs/architecture.md), so it is registered under its package name here;
subprocess tests get the same through ``PYTHONPATH`` (see ``package_env``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# Tests write only to temporary folders: no hypothesis example database in the checkout; and every run draws the
# same examples (derandomized), so CI is reproducible.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="d2v-hypothesis-"))
settings.register_profile("d2v", database=None, derandomize=True)
settings.load_profile("d2v")

ROOT = Path(__file__).resolve().parents[1]
_LINK_DIR = Path(tempfile.mkdtemp(prefix="d2v-pkg-"))
(_LINK_DIR / "draw_to_video").symlink_to(ROOT, target_is_directory=True)


def _register_checkout() -> None:
    mod = sys.modules.get("draw_to_video")
    if mod is not None and Path(mod.__file__).resolve().parent == ROOT:
        return
    for name in [m for m in sys.modules if m == "draw_to_video" or m.startswith("draw_to_video.")]:
        del sys.modules[name]
    sys.path.insert(0, str(_LINK_DIR))
    spec = importlib.util.spec_from_file_location("draw_to_video", ROOT / "__init__.py",
                                                  submodule_search_locations=[str(ROOT)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["draw_to_video"] = module
    spec.loader.exec_module(module)


_register_checkout()


@pytest.fixture(scope="session")
def package_env() -> dict:
    """Environment for subprocesses so that ``python -m draw_to_video`` runs this checkout."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(_LINK_DIR), os.environ.get("PYTHONPATH", "")])}

# Test helper modules (tests/support/, e.g. strokes.py) are imported by name; so are the fixtures shared with the
# benchmarks (tools/demo_clip.py, tools/svd_tiny.py).
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "support"))


# --- tests write nothing into the checkout (issue 12) -----------------------------------------------------------
def _checkout_state() -> set[str] | None:
    """``git status --porcelain --ignored`` of the checkout, bytecode caches left out; None outside git."""
    import subprocess

    try:
        r = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    return {line for line in r.stdout.splitlines() if "__pycache__/" not in line and not line.endswith(".pyc")}


_STATE_BEFORE: set[str] | None = None


def pytest_sessionstart(session):
    global _STATE_BEFORE
    _STATE_BEFORE = _checkout_state()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when a test created, changed or deleted a file in the checkout (outside bytecode caches)."""
    if os.environ.get("D2V_RECORD_SCHEMAS") or os.environ.get("D2V_UPDATE_SCREENSHOTS"):
        return  # these opt-in runs rewrite tracked files on purpose
    after = _checkout_state()
    if _STATE_BEFORE is None or after is None or after == _STATE_BEFORE:
        return
    changed = sorted(after ^ _STATE_BEFORE)
    sys.stderr.write("\nERROR: the tests changed the checkout (tests must write only to temporary folders):\n  "
                     + "\n  ".join(changed[:20]) + "\n")
    session.exitstatus = 1
