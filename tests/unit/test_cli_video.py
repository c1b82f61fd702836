import subprocess
import sys

import numpy as np
from video_clips import translating_clip

from draw_to_video.video.io import read_frames, write_video


def run(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "draw_to_video", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_interpolate_multiplier_and_target_fps(package_env, tmp_path):
    write_video(translating_clip(5, 3.0, h=64, w=96), 8.0, tmp_path / "in")  # folder of PNGs (12 fps default)
    r = run(["interpolate", "--input", "in", "--multiplier", "3", "--out", "x3"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "5 frames at 12 fps -> 13 frames at 36 fps" in r.stdout
    assert read_frames(tmp_path / "x3")[0].shape == (13, 64, 96, 3)
    r = run(["interpolate", "--input", "in", "--fps", "8", "--target-fps", "24", "--loop", "--out", "loop.mp4"],
            package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    frames, fps = read_frames(tmp_path / "loop.mp4")
    assert frames.shape[0] == 15 and abs(fps - 24) < 1e-6


def test_stabilize_and_metrics(package_env, tmp_path):
    rng = np.random.default_rng(0)
    clip = translating_clip(6, 2.0, h=64, w=96)
    flick = np.clip(clip * (1 + 0.08 * rng.standard_normal((6, 1, 1, 1))), 0, 1).astype(np.float32)
    write_video(flick, 12, tmp_path / "flick")
    r = run(["stabilize", "--input", "flick", "--out", "steady", "--strength", "1"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(["metrics", "--input", "steady", "--reference", "flick", "--json"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert '"warp_error_ratio"' in r.stdout and '"psnr"' in r.stdout


def test_bad_usage_exits_2(package_env, tmp_path):
    write_video(translating_clip(3, 1.0, h=32, w=32), 8, tmp_path / "in")
    for args in (["interpolate", "--input", "in", "--out", "o"],
                 ["interpolate", "--input", "in", "--multiplier", "2", "--target-fps", "24", "--out", "o"],
                 ["interpolate", "--input", "missing.mp4", "--multiplier", "2", "--out", "o"],
                 ["stabilize", "--input", "in", "--out", "o", "--strength", "3"],
                 ["metrics", "--input", "in", "--reference", "missing"]):
        r = run(args, package_env, tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.strip().startswith("error:") and len(r.stderr.strip().splitlines()) == 1, r.stderr
