"""The streamed finish (clip decoded to a temp file, each step fed frame by frame) equals the in-memory chain."""

import numpy as np
import pytest
from cli_run import cli

from draw_to_video.pipelines.finish import Effect, Interpolate, Stabilize, can_stream, finish_clip, iter_finish
from draw_to_video.video.read import read_frames
from draw_to_video.video.write import write_video


def _clip(n=7, h=40, w=56, seed=3):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([np.sin(7 * xx), np.cos(6 * yy), np.sin(5 * (xx + yy))], -1) * 0.35 + 0.5
    frames = [np.roll(base, 2 * i, axis=1) * (1 + 0.05 * rng.standard_normal()) for i in range(n)]
    return (np.clip(np.stack(frames), 0, 1) * 255 + 0.5).astype(np.uint8)


def test_can_stream_only_per_frame_chains_without_masks():
    assert can_stream(["color_grade_cinematic", "vignette"])
    assert not can_stream(["color_grade_cinematic"], mask=np.ones((4, 4)))
    assert not can_stream(["color_grade_cinematic", "speed_ramp"])  # retimes: needs the whole clip


@pytest.mark.parametrize("stab", [True, False])
def test_iter_finish_equals_finish_clip(stab):
    clip = _clip()
    chain = [Effect("color_grade_cinematic", 0.8), Effect("film_grain", 0.5, seed=4)]
    whole = finish_clip(clip.astype(np.float32) / 255, 10.0, stabilize=Stabilize() if stab else None,
                        interpolate=Interpolate(multiplier=3), effects=chain)
    chunks, fps, steps = iter_finish(lambda: iter(clip), len(clip), clip.shape[1:], 10.0,
                                     stabilize=Stabilize() if stab else None, interpolate=Interpolate(multiplier=3),
                                     effects=chain)
    got = np.concatenate([c.numpy() for c in chunks])
    assert fps == whole.fps == 30.0 and steps == whole.steps
    assert got.shape == tuple(whole.frames.shape) == (19, 40, 56, 3)
    # uint8 frames streamed, float frames in memory: float rounding (1e-6) that the detail average's noise gate and
    # its recursion carry to about 2e-5 with stabilize: 0.005 of an 8-bit level
    assert np.abs(got - whole.frames.numpy()).max() < 1e-4


def test_finish_command_streams_to_the_same_frames(tmp_path, capsys):
    clip = _clip(n=9)
    write_video(clip, 12.0, tmp_path / "in")
    args = ["finish", "--input", str(tmp_path / "in"), "--stabilize", "--multiplier", "2",
            "--effect", "color_grade_cinematic"]
    code, out, err = cli([*args, "--out", str(tmp_path / "streamed")], capsys)
    assert code == 0, err
    whole = finish_clip(read_frames(tmp_path / "in")[0], 12.0, stabilize=True, interpolate=Interpolate(2),
                        effects=[Effect("color_grade_cinematic")])
    got = read_frames(tmp_path / "streamed")[0]
    assert got.shape == tuple(whole.frames.shape)
    assert np.abs(got - whole.frames.numpy()).max() <= 1 / 255 + 1e-6
