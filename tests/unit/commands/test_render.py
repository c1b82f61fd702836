"""``render`` and ``demo`` subcommands: the real runs as a user starts them (subprocess), errors in-process."""

import json
import subprocess
import sys

import numpy as np
from cli_run import argparse_error, check_message, cli, one_error_line
from PIL import Image

from draw_to_video.core import params
from draw_to_video.video.read import read_frames


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


def _scene(tmp_path):
    img = (np.random.default_rng(0).random((60, 96, 3)) * 255).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "img.png")
    np.save(tmp_path / "depth.npy", np.linspace(1.0, 3.0, 60 * 96, dtype=np.float32).reshape(60, 96))
    path = {"version": 1, "width": 96, "height": 60,
            "strokes": [{"role": "camera", "points": [[0.3, 0.5], [0.5, 0.5], [0.7, 0.5]]}]}
    (tmp_path / "path.json").write_text(json.dumps(path))


def test_render_path_depth_and_folder_output(package_env, tmp_path):
    _scene(tmp_path)
    r = run(["render", "--image", "img.png", "--path", "path.json", "--frames", "4", "--depth", "depth.npy",
             "--depth-kind", "depth", "--fill", "stretch", "--out", "frames"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "truck_right" in r.stdout
    assert len(list((tmp_path / "frames").glob("*.png"))) == 4


def test_render_a_camera_json(capsys, tmp_path, monkeypatch):
    """A camera JSON instead of a path: frames and fps come from the camera."""
    from draw_to_video.camera.moves import build_trajectory

    monkeypatch.chdir(tmp_path)
    _scene(tmp_path)
    (tmp_path / "cam.json").write_text(build_trajectory("orbit_left", frames=3, fps=6.0).to_json())
    code, out, err = cli(["render", "--image", "img.png", "--camera", "cam.json", "--out", "o.gif"], capsys)
    assert code == 0, err
    assert "orbit_left: 3 frames 96x60 at 6 fps" in out
    assert Image.open(tmp_path / "o.gif").n_frames == 3


def test_render_bad_input_exits_2_with_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "img.png")
    np.save(tmp_path / "nan.npy", np.full((20, 30), np.nan, np.float32))
    (tmp_path / "p.json").write_text('{"version": 1, "width": 30, "height": 20, '
                                     '"strokes": [{"role": "camera", "points": [[0.5, 0.8], [0.5, 0.2]]}]}')
    base = ["render", "--image", "img.png", "--path", "p.json"]
    for args, says in (
        (["render", "--image", "missing.png", "--path", "p.json", "--out", "o.mp4"], "image not found"),
        ([*base, "--depth", "nan.npy", "--out", "o.mp4"], "NaN"),
        ([*base, "--depth", "missing.npy", "--out", "o.mp4"], "depth file not found"),
        (["render", "--image", "img.png", "--camera", "missing.json", "--out", "o.mp4"], "camera file not found"),
    ):
        code, _, err = cli(args, capsys)
        assert code == 2 and "Traceback" not in err, (args, err)
        last = err.strip().splitlines()[-1]  # (after the progress bar when the render ran)
        assert last.startswith("error: ") and says in last, (args, err)


def test_render_refuses_an_unwritable_output_before_reading_anything(capsys, tmp_path, monkeypatch):
    """--out is checked while the arguments are parsed: the missing image is never even looked at."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    for out, says in (("o.txt", "unsupported output 'o.txt'"), ("o.xyz", ".mp4"), ("afile/o.mp4", "is a file")):
        code, _, err = cli(["render", "--image", "missing.png", "--path", "p.json", "--out", out], capsys)
        assert code == 2 and argparse_error(err).startswith("argument --out: ") and says in err, (out, err)
        assert "image not found" not in err


def test_render_argument_errors_read_like_the_params(capsys):
    r = params.RENDER
    for flag, name, value in (("--frames", "frames", 0), ("--depth-of-field", "depth_of_field", 9),
                              ("--motion-blur", "motion_blur", 1.5)):
        code, _, err = cli(["render", "--image", "i.png", "--path", "p.json", "--out", "o.mp4", flag, value], capsys)
        spec = params.TRAJECTORY[name] if name == "frames" else r[name]
        assert code == 2 and argparse_error(err) == f"argument {flag}: {check_message(spec, value, name)}"
    code, _, err = cli(["render", "--image", "i.png", "--path", "p.json", "--out", "o.mp4", "--fill", "blur"], capsys)
    assert code == 2 and argparse_error(err).startswith("argument --fill: unknown fill 'blur'; use one of: background")
    code, _, err = cli(["render", "--image", "img.png", "--out", "o.mp4"], capsys)  # no path, camera or preset
    assert code == 2 and one_error_line(err) and "--preset" in err and "--path" in err
    for value in ("0.5", "huge", "5"):
        code, _, err = cli(["render", "--image", "i.png", "--preset", "arc", "--out", "o.mp4", "--overscan", value],
                           capsys)
        assert code == 2 and argparse_error(err).startswith("argument --overscan: overscan must be"), value


def test_render_a_preset_without_a_path_and_write_the_report(capsys, tmp_path, monkeypatch):
    """``render --image X --preset NAME`` needs no drawing; ``--report`` says what happened."""
    monkeypatch.chdir(tmp_path)
    _scene(tmp_path)
    code, out, err = cli(["render", "--image", "img.png", "--preset", "truck_right", "--frames", "5", "--out",
                          "o.mp4", "--report", "r.json"], capsys)
    assert code == 0, err
    rep = json.loads((tmp_path / "r.json").read_text())
    assert (rep["frames"], rep["width"], rep["height"]) == (5, 96, 60)
    assert len(rep["coverage"]) == 5 and all(0.0 <= c <= 1.0 for c in rep["coverage"])
    assert rep["coverage"][0] > 0.95  # frame 0 is the picture itself (zoomed: a noise image tears a little)
    assert rep["overscan"] > 1.05  # a sideways move needs some zoom to stay inside the picture
    assert rep["depth"]["source"] == "estimated"
    assert rep["depth"]["p5"] <= rep["depth"]["p50"] <= rep["depth"]["p95"]
    assert 0.9 < rep["depth"]["p50"] < 1.1  # normalized: median depth 1
    assert set(rep["timing_ms"]) == {"read", "depth", "render", "encode", "total"}
    assert rep["timing_ms"]["total"] >= rep["timing_ms"]["render"] > 0
    assert min(rep["timing_ms"].values()) >= 0, rep["timing_ms"]  # handing frames to the writer counts once
    assert "overscan" in out and "report written to" in out
    assert read_frames(tmp_path / "o.mp4")[0].shape[0] == 5
    # a depth file, overscan off and a fixed factor
    for flag, expect in (("off", 1.0), ("1.25", 1.25)):
        code, _, err = cli(["render", "--image", "img.png", "--preset", "truck_right", "--frames", "3", "--depth",
                            "depth.npy", "--depth-kind", "depth", "--overscan", flag, "--out", "f", "--report",
                            "r.json"], capsys)
        assert code == 0, err
        rep = json.loads((tmp_path / "r.json").read_text())
        assert rep["overscan"] == expect and rep["depth"]["source"] == "file"


def test_shots_writes_the_spec_frame_count_and_refuses_a_bad_spec(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Image.fromarray(np.tile(np.linspace(0, 255, 48, dtype=np.uint8)[None, :, None], (32, 1, 3))).save("a.png")
    Image.open(params.__file__.replace("core/params.py", "assets/example.jpg")).save("b.jpg")
    spec = {"version": 1, "fps": 8, "width": 48, "height": 32, "shots": [
        {"image": "a.png", "preset": "truck_left", "frames": 5},
        {"image": "b.jpg", "preset": "dolly_in", "frames": 6, "transition": "crossfade", "transition_frames": 2}]}
    (tmp_path / "shots.json").write_text(json.dumps(spec))
    code, out, err = cli(["shots", "--spec", "shots.json", "--out", "out.mp4"], capsys)
    assert code == 0, err
    assert "2 shots, 9 frames 48x32" in out
    frames, fps = read_frames(tmp_path / "out.mp4")
    assert frames.shape == (9, 32, 48, 3) and fps == 8.0
    spec["shots"][1]["transition"] = "dissolve"
    (tmp_path / "bad.json").write_text(json.dumps(spec))
    code, _, err = cli(["shots", "--spec", "bad.json", "--out", "out.mp4"], capsys)
    assert code == 2 and one_error_line(err) and "shot 1: transition 'dissolve' is unknown" in err


def test_render_writes_the_depth_it_used_and_reports_line_bend(capsys, tmp_path, monkeypatch):
    """``--depth-out`` writes the depth the render used (fed back as ``--depth`` it renders the same geometry), and
    ``--report`` carries ``line_bend`` and ``lean_deg`` per frame; a --depth-out that is not .npy is refused before
    any work."""
    monkeypatch.chdir(tmp_path)
    img = np.full((60, 96, 3), 50, np.uint8)
    img[15:45, 30:70] = 220  # a bright box: long straight edges for line_bend to measure
    Image.fromarray(img).save("box.png")
    code, _, err = cli(["render", "--image", "box.png", "--preset", "orbit_left", "--frames", "4", "--out", "o.mp4",
                        "--report", "r.json", "--depth-out", "used/d.npy"], capsys)
    assert code == 0, err
    rep = json.loads((tmp_path / "r.json").read_text())
    depth = np.load(tmp_path / "used" / "d.npy", allow_pickle=False)
    assert depth.dtype == np.float32 and depth.shape == (60, 96) and 0.9 < float(np.median(depth)) < 1.1
    bend = rep["line_bend"]
    assert len(bend) == 4 and bend[0] < 1e-3 and all(0.0 <= b < 0.015 for b in bend)
    assert len(rep["lean_deg"]) == 4 and rep["lean_deg"][0] < 1e-3 and all(a >= 0.0 for a in rep["lean_deg"])
    code, _, err = cli(["render", "--image", "box.png", "--preset", "orbit_left", "--frames", "4", "--out", "p.mp4",
                        "--report", "q.json", "--depth", "used/d.npy", "--depth-kind", "depth"], capsys)
    assert code == 0, err
    again = json.loads((tmp_path / "q.json").read_text())
    assert np.allclose(again["line_bend"], bend, atol=1e-4) and np.allclose(again["coverage"], rep["coverage"])
    code, _, err = cli(["render", "--image", "box.png", "--preset", "arc", "--out", "x.mp4", "--depth-out",
                        "d.png"], capsys)
    assert code == 2 and one_error_line(err) and "--depth-out" in err and ".npy" in err
    assert not (tmp_path / "x.mp4").exists()
