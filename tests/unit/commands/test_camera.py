"""``presets`` and ``trajectory`` subcommands."""

import json
import subprocess
import sys

import numpy as np
import strokes as S  # noqa: I001
from cli_run import argparse_error, check_message, cli, one_error_line

from draw_to_video.core import params


def test_presets_lists_every_preset(capsys):
    from draw_to_video.camera.presets import PRESETS

    code, out, _ = cli(["presets"], capsys)
    assert code == 0
    names = [line.split()[0] for line in out.strip().splitlines()]
    assert names == list(PRESETS) and len(names) >= 24


def test_trajectory_writes_json_and_prints_intent(package_env, tmp_path):
    """End to end, as a user runs it (a process of its own)."""
    (tmp_path / "p.json").write_text(json.dumps(S.path_dict(S.humanize(S.spiral(True), 1))))
    r = subprocess.run([sys.executable, "-m", "draw_to_video", "trajectory", "--path", "p.json", "--frames", "14",
                        "--json", "cam.json", "--cameractrl", "poses.txt", "--motionctrl", "rt.json",
                        "--tracks", "tracks.json"], capture_output=True, text=True, env=package_env, cwd=tmp_path,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "intent: spiral_in" in r.stdout
    cam = json.loads((tmp_path / "cam.json").read_text())
    assert cam["frames"] == 14 and cam["preset"] == "spiral_in"
    assert len((tmp_path / "poses.txt").read_text().strip().splitlines()) == 15
    assert np.array(json.loads((tmp_path / "rt.json").read_text())).shape == (14, 12)
    assert len(json.loads((tmp_path / "tracks.json").read_text())[0]) == 121


def test_invalid_input_exit_2_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text('{"version": 1, "width": 10, "height": 10, "strokes": [{"points": [[NaN, 1]]}]}')
    for args in (["trajectory", "--path", "bad.json"], ["trajectory", "--path", "missing.json"]):
        code, _, err = cli(args, capsys)
        assert code == 2 and one_error_line(err), (args, err)
    code, _, err = cli(["trajectory", "--path", "missing.json"], capsys)
    assert "path file not found: missing.json" in err


def test_trajectory_ranges_are_the_params_ranges(capsys, tmp_path):
    """Out-of-range values fail while parsing, with the words core/params uses everywhere."""
    t = params.TRAJECTORY
    for flag, name, value in (("--frames", "frames", 0), ("--frames", "frames", 1001), ("--intensity", "intensity", 4),
                              ("--handheld", "handheld", -1), ("--seed", "seed", -1)):
        code, _, err = cli(["trajectory", "--path", "p.json", flag, value], capsys)
        assert code == 2, (flag, value)
        assert argparse_error(err) == f"argument {flag}: {check_message(t[name], value, name)}"
    code, _, err = cli(["trajectory", "--path", "p.json", "--fps", "fast"], capsys)
    assert code == 2 and argparse_error(err) == "argument --fps: fps must be a number, got 'fast'"
    code, _, err = cli(["trajectory", "--path", "p.json", "--preset", "nope"], capsys)
    assert code == 2 and "invalid choice: 'nope'" in err


def test_trajectory_from_a_preset_alone(capsys, tmp_path, monkeypatch):
    """``trajectory --preset NAME`` needs no drawing (the subject straight ahead); 'auto' without one says what
    to give."""
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(["trajectory", "--preset", "dolly_in", "--frames", "9", "--json", "cam.json",
                          "--cameractrl", "poses.txt"], capsys)
    assert code == 0, err
    cam = json.loads((tmp_path / "cam.json").read_text())
    assert cam["preset"] == "dolly_in" and cam["frames"] == 9
    assert cam["c2w"][-1][11] > cam["c2w"][0][11]  # moved forward (+z)
    assert "preset: dolly_in" in out
    assert len((tmp_path / "poses.txt").read_text().strip().splitlines()) == 10
    for args in (["trajectory"], ["trajectory", "--preset", "arc", "--tracks", "t.json"]):
        code, _, err = cli(args, capsys)
        assert code == 2 and one_error_line(err), (args, err)


def test_trajectory_with_keyframed_strokes_reports_the_joins(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keys.json").write_text(json.dumps({"version": 1, "width": 1024, "height": 576, "strokes": [
        {"role": "camera", "points": [[0.5, 0.8], [0.5, 0.5]], "t": 1.0, "preset": "dolly_in"},
        {"role": "camera", "points": [[0.5, 0.5], [0.8, 0.5]], "t": 3.0, "preset": "truck_right"}]}))
    code, out, err = cli(["trajectory", "--path", "keys.json", "--frames", "25", "--json", "cam.json"], capsys)
    assert code == 0, err
    assert "preset: keyframes, 25 frames" in out and "warning: the keyframe times end at 3 s" in out
    assert "keyframes at frames [0, 8, 24] (segments: dolly_in, truck_right)" in out
    assert json.loads((tmp_path / "cam.json").read_text())["frames"] == 25
    bad = json.loads((tmp_path / "keys.json").read_text())
    bad["strokes"][1]["t"] = 0.5
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    code, _, err = cli(["trajectory", "--path", "bad.json"], capsys)
    assert code == 2 and one_error_line(err) and "strictly increasing" in err
