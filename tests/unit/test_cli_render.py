"""``render`` and ``demo`` subcommands, run as a user would (subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from draw_to_video.commands.render import FILL_CHOICES
from draw_to_video.video.io import read_frames

ROOT = Path(__file__).resolve().parents[2]


def run(args, env, cwd):
    env = {**env, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "draw_to_video", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_demo_writes_a_watchable_mp4_with_a_progress_bar(package_env, tmp_path):
    r = run(["demo", "--frames", "6", "--out", "demo.mp4"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "video written to" in r.stdout and str(tmp_path / "demo.mp4") in r.stdout
    assert "6/6" in r.stderr and "frame" in r.stderr  # tqdm's bar
    frames, fps = read_frames(tmp_path / "demo.mp4")
    assert frames.shape == (6, 360, 640, 3) and fps == 12.0
    assert np.abs(frames[-1] - frames[0]).mean() > 0.02


def test_render_path_camera_depth_and_folder_output(package_env, tmp_path):
    img = (np.random.default_rng(0).random((60, 96, 3)) * 255).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "img.png")
    depth = np.linspace(1.0, 3.0, 60 * 96, dtype=np.float32).reshape(60, 96)
    np.save(tmp_path / "depth.npy", depth)
    path = {"version": 1, "width": 96, "height": 60,
            "strokes": [{"role": "camera", "points": [[0.3, 0.5], [0.5, 0.5], [0.7, 0.5]]}]}
    (tmp_path / "path.json").write_text(json.dumps(path))
    r = run(["render", "--image", "img.png", "--path", "path.json", "--frames", "4", "--depth", "depth.npy",
             "--depth-kind", "depth", "--fill", "stretch", "--out", "frames"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "truck_right" in r.stdout
    assert len(list((tmp_path / "frames").glob("*.png"))) == 4
    # a camera JSON instead of a path (frames and fps come from the camera)
    from draw_to_video.camera.moves import build_trajectory

    (tmp_path / "cam.json").write_text(build_trajectory("orbit_left", frames=3, fps=6.0).to_json())
    r = run(["render", "--image", "img.png", "--camera", "cam.json", "--out", "o.gif"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "o.gif").n_frames == 3


def test_render_bad_input_exits_2_with_one_line(package_env, tmp_path):
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "img.png")
    np.save(tmp_path / "nan.npy", np.full((20, 30), np.nan, np.float32))
    (tmp_path / "p.json").write_text('{"version": 1, "width": 30, "height": 20, '
                                     '"strokes": [{"role": "camera", "points": [[0.5, 0.8], [0.5, 0.2]]}]}')
    cases = [
        ["render", "--image", "missing.png", "--path", "p.json", "--out", "o.mp4"],
        ["render", "--image", "img.png", "--path", "p.json", "--depth", "nan.npy", "--out", "o.mp4"],
        ["render", "--image", "img.png", "--path", "p.json", "--frames", "0", "--out", "o.mp4"],
        ["render", "--image", "img.png", "--path", "p.json", "--out", "o.txt"],
    ]
    for args in cases:
        r = run(args, package_env, tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.strip().splitlines()[-1].startswith("error:"), r.stderr
    r = run(["render", "--image", "img.png", "--out", "o.mp4"], package_env, tmp_path)  # neither --path nor --camera
    assert r.returncode == 2


def test_fill_choices_match_the_renderer():
    from draw_to_video.render.reproject import FILL_MODES

    assert tuple(FILL_CHOICES) == tuple(FILL_MODES)
