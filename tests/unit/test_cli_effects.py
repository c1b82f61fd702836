"""CLI: ``effects`` lists every effect; ``effect`` reads a real video, applies one effect and writes a real video."""

import subprocess
import sys

import numpy as np
from demo_clip import demo_clip

from draw_to_video.effects.registry import EFFECTS
from draw_to_video.video.io import read_frames, write_video


def run(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "draw_to_video", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_effects_lists_every_effect(package_env, tmp_path):
    r = run(["effects"], package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(EFFECTS)
    assert sum("[changes the frame count]" in line for line in lines) == 2


def test_effect_on_a_video_file(package_env, tmp_path):
    frames, _ = demo_clip(8, 72, 128)
    write_video(frames.numpy(), 12.0, tmp_path / "in.mp4")
    r = run(["effect", "--input", "in.mp4", "--effect", "letterbox_4:3", "--intensity", "1", "--out", "out.mp4"],
            package_env, tmp_path)
    assert r.returncode == 0, r.stderr
    out, fps = read_frames(tmp_path / "out.mp4")
    assert out.shape == (8, 72, 128, 3) and fps == 12.0
    bar = round((128 - 72 * 4 / 3) / 2)
    assert out[:, :, : bar - 2].max() < 0.06 and out[:, :, bar + 3: 128 - bar - 3].mean() > 0.2  # pillarbox (H.264)
    r = run(["effect", "--input", "in.mp4", "--effect", "film_grain", "--seed", "3", "--out", "a"], package_env,
            tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(["effect", "--input", "in.mp4", "--effect", "film_grain", "--seed", "3", "--out", "b"], package_env,
            tmp_path)
    a, _ = read_frames(tmp_path / "a")
    b, _ = read_frames(tmp_path / "b")
    assert a.shape == (8, 72, 128, 3) and np.array_equal(a, b)  # PNG folders: same seed, same bytes


def test_effect_bad_input_exits_2_with_one_line(package_env, tmp_path):
    frames, _ = demo_clip(2, 32, 32)
    write_video(frames.numpy(), 12.0, tmp_path / "in.gif")
    for args in (["--effect", "nope"], ["--effect", "vignette", "--intensity", "2"],
                 ["--effect", "vignette", "--input", "missing.mp4"]):
        full = ["effect", "--input", "in.gif", "--out", "o.mp4", *args]
        r = run(full, package_env, tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.strip().count("\n") == 0 and r.stderr.startswith("error:"), r.stderr


def test_effect_with_camera_depth_and_mask_files(package_env, tmp_path):
    from PIL import Image

    from draw_to_video.camera.trajectory import CameraTrajectory

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
        r = run(["effect", "--input", "clip", "--effect", effect, "--intensity", "1", *extra, "--out", f"{effect}.gif"],
                package_env, tmp_path)
        assert r.returncode == 0, (effect, r.stderr)
        out, _ = read_frames(tmp_path / f"{effect}.gif")
        assert out.shape == (6, 64, 96, 3)
        assert np.abs(out - frames.numpy()).mean() > 0.005, effect
