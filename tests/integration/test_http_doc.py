"""docs/http-api.md runs as written: its ``bash`` blocks (curl + jq: upload, queue draw_to_video, poll /history,
download; then the multi_shot recipe, waited for and downloaded with the first block's steps 3 and 4) and its
inline ``python -m draw_to_video ...`` commands, against a real ComfyUI, from a folder holding the files the page
names (``me.jpg``, ``stroke.json``, ``spec.json``) and the pack's ``workflows/``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import av
import pytest
from PIL import Image

from draw_to_video.camera.trajectory import CameraTrajectory

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "http-api.md"


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", DOC.read_text(), re.S)


def inline_commands() -> list[str]:
    """The page's inline commands (code spans ``python -m draw_to_video <command> --...``), in order."""
    text = " ".join(DOC.read_text().split())  # a span may be wrapped over two lines
    return re.findall(r"`(python -m draw_to_video \w+ --[^`]+)`", text)


def _frames(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


@pytest.fixture
def workdir(tmp_path) -> Path:
    from skimage import data

    Image.fromarray(data.chelsea()).resize((160, 120)).save(tmp_path / "me.jpg")
    (tmp_path / "stroke.json").write_text(json.dumps({"version": 1, "width": 160, "height": 120, "strokes": [
        {"role": "camera", "points": [[0.5, 0.8], [0.5, 0.6], [0.5, 0.4]]}]}))
    (tmp_path / "spec.json").write_text(json.dumps({"version": 1, "fps": 12, "width": 128, "height": 72, "shots": [
        {"image": 0, "preset": "dolly_in", "frames": 6},
        {"image": 0, "preset": "pan_right", "frames": 6, "transition": "crossfade", "transition_frames": 2}]},
        indent=1))
    (tmp_path / "workflows").symlink_to(ROOT / "workflows", target_is_directory=True)
    return tmp_path


def test_the_page_has_the_commands_this_test_runs():
    blocks = bash_blocks()
    assert len(blocks) == 2 and "# 3." in blocks[0] and "multi_shot" in blocks[1]
    commands = inline_commands()
    assert any(c.startswith("python -m draw_to_video trajectory") for c in commands), commands
    assert any("remote" in c and "multi_shot" in c for c in commands), commands
    assert "camera …" not in DOC.read_text() and "--out cam.json" not in DOC.read_text()


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_the_http_doc_runs_as_written(comfy, workdir, package_env):
    first, shots = bash_blocks()
    wait_and_download = first[first.index("# 3."):]
    script = "\n".join(["set -euo pipefail", first, "mv clip.mp4 single.mp4", shots, wait_and_download])
    env = {**package_env, "S": comfy.url, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    run = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-2000:])
    assert _frames(workdir / "single.mp4") == 49  # the workflow's 25 frames x2 interpolation
    assert _frames(workdir / "clip.mp4") == 10  # 6 + 6 - 2 overlapping

    (workdir / "clip.mp4").unlink()
    for command in inline_commands():
        run = subprocess.run(["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, (command, run.stderr[-2000:])
    assert CameraTrajectory.from_json((workdir / "cam.json").read_text()).frames == 24
    assert _frames(workdir / "clip.mp4") == 10  # remote --set "Shots.spec=$(cat spec.json)"
