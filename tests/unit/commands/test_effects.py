"""CLI: ``effects`` lists every effect; ``effect`` reads a real video, applies one effect and writes a real video."""

import subprocess
import sys

import numpy as np
from cli_run import argparse_error, check_message, cli, one_error_line
from demo_clip import demo_clip

from draw_to_video.core import params
from draw_to_video.effects.registry import EFFECTS
from draw_to_video.video.read import read_frames
from draw_to_video.video.write import write_video


def test_effects_lists_every_effect(capsys):
    code, out, err = cli(["effects"], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(EFFECTS)
    assert sum("[changes the frame count]" in line for line in lines) == 2


def test_effect_on_a_video_file(package_env, tmp_path):
    """End to end, as a user runs it (a process of its own)."""
    frames, _ = demo_clip(8, 72, 128)
    write_video(frames.numpy(), 12.0, tmp_path / "in.mp4")
    r = subprocess.run([sys.executable, "-m", "draw_to_video", "effect", "--input", "in.mp4", "--effect",
                        "letterbox_4:3", "--intensity", "1", "--out", "out.mp4"], capture_output=True, text=True,
                       env=package_env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    out, fps = read_frames(tmp_path / "out.mp4")
    assert out.shape == (8, 72, 128, 3) and fps == 12.0
    bar = round((128 - 72 * 4 / 3) / 2)
    assert out[:, :, : bar - 2].max() < 0.06 and out[:, :, bar + 3: 128 - bar - 3].mean() > 0.2  # pillarbox (H.264)


def test_same_seed_same_bytes(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frames, _ = demo_clip(8, 72, 128)
    write_video(frames.numpy(), 12.0, tmp_path / "in.mp4")
    for out in ("a", "b"):
        code, _, err = cli(["effect", "--input", "in.mp4", "--effect", "film_grain", "--seed", "3", "--out", out],
                           capsys)
        assert code == 0, err
    a, _ = read_frames(tmp_path / "a")
    b, _ = read_frames(tmp_path / "b")
    assert a.shape == (8, 72, 128, 3) and np.array_equal(a, b)  # PNG folders: same seed, same bytes


def test_effect_bad_input_exits_2_with_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frames, _ = demo_clip(2, 32, 32)
    write_video(frames.numpy(), 12.0, tmp_path / "in.gif")
    for args in (["--effect", "nope"], ["--effect", "vignette", "--input", "missing.mp4"]):
        code, _, err = cli(["effect", "--input", "in.gif", "--out", "o.mp4", *args], capsys)
        assert code == 2 and one_error_line(err), (args, err)
    e = params.EFFECT
    for flag, name, value in (("--intensity", "intensity", 2), ("--seed", "seed", -1)):
        code, _, err = cli(["effect", "--input", "in.gif", "--out", "o.mp4", "--effect", "vignette", flag, value],
                           capsys)
        assert code == 2 and argparse_error(err) == f"argument {flag}: {check_message(e[name], value, name)}"


def test_effect_with_camera_depth_and_mask_files(capsys, tmp_path, monkeypatch):
    from PIL import Image

    from draw_to_video.camera.trajectory import CameraTrajectory

    monkeypatch.chdir(tmp_path)
    frames, near = demo_clip(6, 64, 96)
    write_video(frames.numpy(), 12.0, tmp_path / "clip")  # a folder of PNGs
    Image.fromarray((near[0].numpy() * 255).astype(np.uint8)).save(tmp_path / "depth.png")
    m = np.zeros((64, 96), np.uint8)
    m[20:44, 30:66] = 255
    Image.fromarray(m).save(tmp_path / "mask.png")
    c2w = np.tile(np.eye(4), (6, 1, 1))
    c2w[:, 0, 3] = np.linspace(0, 0.3, 6)
    cam = CameraTrajectory(c2w=c2w, fov_deg=np.full(6, 60.0), focal_length_mm=np.full(6, 31.2),
                           focus_distance=np.full(6, 2.0), aperture=np.full(6, 2.8))
    (tmp_path / "cam.json").write_text(cam.to_json())
    for effect, extra in (("depth_of_field", ["--depth", "depth.png", "--camera", "cam.json"]),
                          ("motion_blur", ["--camera", "cam.json"]),
                          ("tenet_reverse", ["--mask", "mask.png"])):
        code, _, err = cli(["effect", "--input", "clip", "--effect", effect, "--intensity", "1", *extra, "--out",
                            f"{effect}.gif"], capsys)
        assert code == 0, (effect, err)
        out, _ = read_frames(tmp_path / f"{effect}.gif")
        assert out.shape == (6, 64, 96, 3)
        assert np.abs(out - frames.numpy()).mean() > 0.005, effect


def test_streamed_effect_equals_the_whole_clip(capsys, tmp_path):
    """Per-frame effects stream in chunks; the chunked result is the whole-clip result (film grain's noise is
    drawn per clip frame index, whatever the chunk)."""
    import torch

    from draw_to_video.effects.registry import apply_effect
    from draw_to_video.pipelines.finish import STREAM_CHUNK
    from draw_to_video.video.write import to_uint8

    frames, _ = demo_clip(2 * STREAM_CHUNK + 3, 48, 64)
    write_video(frames.numpy(), 12.0, tmp_path / "in")  # PNG frames: lossless
    src = torch.from_numpy(read_frames(tmp_path / "in")[0])
    for name in ("film_grain", "color_grade_teal_orange"):
        code, _, err = cli(["effect", "--input", str(tmp_path / "in"), "--effect", name, "--seed", "5",
                            "--intensity", "1", "--out", str(tmp_path / name)], capsys)
        assert code == 0, err
        got = (read_frames(tmp_path / name)[0] * 255 + 0.5).astype(np.uint8)
        want = to_uint8(apply_effect(name, src, 1.0, 5))
        assert got.shape == want.shape and np.abs(got.astype(int) - want).max() <= 1
        assert np.abs(got.astype(int) - to_uint8(src)).mean() > 1.0  # the effect did something


def test_a_colour_grade_runs_without_torch_and_matches_the_node(package_env, tmp_path):
    """``effect --effect color_grade_*`` takes the torch-free path (effects/grades.py in numpy, uint8 in and out):
    torch is never imported, and the frames equal the torch effect's (the node's) up to one level of rounding."""
    import torch

    from draw_to_video.effects.registry import apply_effect
    from draw_to_video.video.write import to_uint8

    frames, _ = demo_clip(6, 72, 128)
    src = to_uint8(frames)
    write_video(src, 12.0, tmp_path / "in")  # a folder of PNGs
    probe = ("import runpy, sys; sys.argv = ['draw_to_video', 'effect', '--input', 'in', '--effect', "
             "'color_grade_teal_orange', '--intensity', '0.8', '--out', 'out']; "
             "code = 0\ntry:\n    runpy.run_module('draw_to_video', run_name='__main__')\n"
             "except SystemExit as e:\n    code = e.code\nprint('torch' in sys.modules, code)")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=package_env, cwd=tmp_path,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-2:] == ["False", "0"], r.stdout
    got = to_uint8(read_frames(tmp_path / "out")[0])
    want = to_uint8(apply_effect("color_grade_teal_orange", torch.from_numpy(src).float() / 255.0, 0.8, 0))
    diff = np.abs(got.astype(int) - want.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01, (diff.max(), (diff > 0).mean())
