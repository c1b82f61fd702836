"""Keyframe interpolation (video/inbetween.py, pipelines/keyframes.py, the ``keyframes`` command): quality on large
known motion, endpoints, determinism, camera guidance and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
import torch
from cli_run import argparse_error, cli, one_error_line
from PIL import Image

from draw_to_video.core import params
from draw_to_video.pipelines.keyframes import keyframe_clip
from draw_to_video.video.inbetween import camera_flow, frame_times, interpolate_keyframes
from draw_to_video.video.metrics import psnr
from draw_to_video.video.read import read_frames


def save_png(img: np.ndarray, path) -> None:
    Image.fromarray((np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)).save(path)

PHOTO = skimage.data.astronaut().astype(np.float32) / 255.0  # 512x512 real photo


def crop(dx: int, dy: int, h: int = 192, w: int = 256) -> np.ndarray:
    """A window of the photo moved by (dx, dy): the camera pans by -dx, -dy (the content moves the other way)."""
    return np.ascontiguousarray(PHOTO[120 + dy:120 + dy + h, 100 + dx:100 + dx + w])


def test_large_translation_gives_the_true_middle_frame():
    # 48 px and 20 px between the keyframes: the middle frame is the photo moved by half of that
    start, end, truth = crop(0, 0), crop(48, 20), crop(24, 10)
    mid = interpolate_keyframes(start, end, 1, include_endpoints=False)[0].numpy()
    inner = (slice(24, -24), slice(40, -40))  # away from the border strips that only one keyframe shows
    ours = float(psnr(mid[inner], truth[inner]))
    cross = float(psnr(0.5 * (start + end)[inner], truth[inner]))
    assert ours > 30.0, ours
    assert ours > cross + 10.0, (ours, cross)


def test_times_run_evenly_from_start_to_end():
    start, end = crop(0, 0), crop(30, 0)
    out = interpolate_keyframes(start, end, 5).numpy()
    assert out.shape == (7, *start.shape)
    # each frame's content has moved k/6 of the way: compare with the true crops (integer shifts 5 px apart)
    for k in range(1, 6):
        inner = (slice(16, -16), slice(36, -36))
        assert float(psnr(out[k][inner], crop(5 * k, 0)[inner])) > 30.0, k


def test_endpoints_are_the_keyframes_and_can_be_left_out():
    start, end = crop(0, 0), crop(20, 8)
    with_ends = interpolate_keyframes(start, end, 3, include_endpoints=True)
    without = interpolate_keyframes(start, end, 3, include_endpoints=False)
    assert with_ends.shape[0] == 5 and without.shape[0] == 3
    assert np.array_equal(with_ends[0].numpy(), start) and np.array_equal(with_ends[-1].numpy(), end)
    assert torch.equal(with_ends[1:-1], without)
    assert frame_times(3, True) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_deterministic():
    start, end = crop(0, 0), crop(40, -12)
    a = interpolate_keyframes(start, end, 2)
    b = interpolate_keyframes(torch.from_numpy(start)[None], torch.from_numpy(end)[None], 2)
    assert torch.equal(a, b)


def test_camera_flow_of_a_static_camera_is_zero_and_a_pan_shifts_everything():
    from draw_to_video.camera.moves import build_trajectory

    depth = np.ones((48, 64), np.float32)
    static = build_trajectory("static", frames=5)
    assert np.abs(camera_flow(static, depth, (48, 64))).max() < 1e-4
    pan = build_trajectory("pan_right", frames=9)
    flow = camera_flow(pan, depth, (48, 64))
    assert flow[..., 0].mean() < -1.0  # the camera turns right: the picture moves left
    assert np.abs(camera_flow(pan, depth, (48, 64), 0.0)).max() < 1e-4  # time 0 = the first pose
    half = camera_flow(pan, depth, (48, 64), 0.5)[..., 0].mean()
    assert flow[..., 0].mean() < half < 0  # part of the way at mid-move


def test_a_given_camera_move_guides_the_flow():
    import cv2

    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.pipelines.render import render_clip

    img = torch.from_numpy(cv2.resize(PHOTO, (256, 256), interpolation=cv2.INTER_AREA))
    cam = build_trajectory("orbit_left", frames=17)
    res = render_clip(img, cam, None, overscan="off", move_cap="off")
    frames, depth = res.frames.numpy(), res.depth.numpy()
    a, b, truth = frames[0], frames[-1], frames[8]
    plain = keyframe_clip(a, b, 1, include_endpoints=False)[0].numpy()
    guided = keyframe_clip(a, b, 1, include_endpoints=False, camera=cam, depth=depth, depth_kind="depth")[0].numpy()
    assert float(psnr(guided, truth)) > float(psnr(plain, truth)) + 1.0
    assert float(psnr(guided, truth)) > float(psnr(0.5 * (a + b), truth)) + 5.0


def test_bad_input_says_what_to_fix():
    start, end = crop(0, 0), crop(8, 0)
    with pytest.raises(ValueError, match="same size.*resize"):
        interpolate_keyframes(start, end[:100], 1)
    resized = interpolate_keyframes(start, end[::2, ::2], 1, resize=True)
    assert resized.shape == (3, *start.shape)
    nan = start.copy()
    nan[3, 3, 0] = np.nan
    with pytest.raises(ValueError, match="start image contain.* NaN"):
        interpolate_keyframes(nan, end, 1)
    with pytest.raises(ValueError, match="frames must be between 1 and 240"):
        keyframe_clip(start, end, 0)
    with pytest.raises(ValueError, match="frames must be between 1 and 240"):
        keyframe_clip(start, end, 241)
    with pytest.raises(ValueError, match="give one image"):
        interpolate_keyframes(np.stack([start, start]), end, 1)
    with pytest.raises(ValueError, match="too small"):
        interpolate_keyframes(start[:8, :8], end[:8, :8], 1)
    with pytest.raises(ValueError, match="channels"):
        interpolate_keyframes(start, end[..., :1], 1)
    with pytest.raises(ValueError, match="camera must be"):
        keyframe_clip(start, end, 1, camera="orbit")


def test_keyframes_command(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_png(crop(0, 0), tmp_path / "a.png")
    save_png(crop(24, 8), tmp_path / "b.png")
    code, out, err = cli(["keyframes", "--start", "a.png", "--end", "b.png", "--frames", "4", "--out", "clip.mp4"],
                         capsys)
    assert code == 0, err
    frames, fps = read_frames(tmp_path / "clip.mp4")
    assert frames.shape[0] == 6 and abs(fps - params.KEYFRAMES["fps"].default) < 1e-6
    code, _, err = cli(["keyframes", "--start", "a.png", "--end", "b.png", "--frames", "2", "--no-endpoints",
                        "--out", "mid"], capsys)
    assert code == 0, err
    assert read_frames(tmp_path / "mid")[0].shape[0] == 2
    save_png(crop(0, 0, 96, 128), tmp_path / "small.png")
    code, _, err = cli(["keyframes", "--start", "a.png", "--end", "small.png", "--out", "x.mp4"], capsys)
    assert code == 2 and one_error_line(err) and "turn on resize" in err
    code, _, err = cli(["keyframes", "--start", "a.png", "--end", "b.png", "--frames", "0", "--out", "x.mp4"], capsys)
    assert code == 2 and "frames must be between 1 and 240" in argparse_error(err)
    code, _, err = cli(["keyframes", "--start", "nope.png", "--end", "b.png", "--out", "x.mp4"], capsys)
    assert code == 2 and one_error_line(err) and "not found" in err
