import json
import subprocess
import sys

import numpy as np
import strokes as S  # noqa: I001


def run(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "draw_to_video", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def test_presets_lists_every_preset(package_env, tmp_path):
    from draw_to_video.camera.presets import PRESETS

    r = run(["presets"], package_env, tmp_path)
    assert r.returncode == 0
    names = [line.split()[0] for line in r.stdout.strip().splitlines()]
    assert names == list(PRESETS) and len(names) >= 24


def test_trajectory_writes_json_and_prints_intent(package_env, tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(S.path_dict(S.humanize(S.spiral(True), 1))))
    r = run(["trajectory", "--path", "p.json", "--frames", "14", "--json", "cam.json", "--cameractrl", "poses.txt",
             "--motionctrl", "rt.json", "--tracks", "tracks.json"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "intent: spiral_in" in r.stdout
    cam = json.loads((tmp_path / "cam.json").read_text())
    assert cam["frames"] == 14 and cam["preset"] == "spiral_in"
    assert len((tmp_path / "poses.txt").read_text().strip().splitlines()) == 15
    assert np.array(json.loads((tmp_path / "rt.json").read_text())).shape == (14, 12)
    assert len(json.loads((tmp_path / "tracks.json").read_text())[0]) == 121


def test_invalid_input_exit_2_one_line(package_env, tmp_path):
    (tmp_path / "bad.json").write_text('{"version": 1, "width": 10, "height": 10, "strokes": [{"points": [[NaN, 1]]}]}')
    for args in (["trajectory", "--path", "bad.json"], ["trajectory", "--path", "missing.json"]):
        r = run(args, package_env, tmp_path)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
