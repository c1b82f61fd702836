import math
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from video_clips import texture, translating_clip

from draw_to_video.video.flow import backward_warp
from draw_to_video.video.interpolate import interpolate_at, interpolate_clip, iter_interpolate, plan_clip
from draw_to_video.video.metrics import psnr

# ---- exact frame counts and timestamps --------------------------------------------------------------------------

@pytest.mark.parametrize("B,m", [(2, 2), (5, 2), (14, 3), (25, 4), (7, 1)])
def test_multiplier_counts_and_times(B, m):
    plan = plan_clip(B, multiplier=m, source_fps=8.0)
    assert len(plan) == (B - 1) * m + 1
    assert plan.times == [Fraction(k, m) for k in range((B - 1) * m + 1)]
    assert plan.times[-1] == B - 1
    assert plan.fps == pytest.approx(8.0 * m)
    looped = plan_clip(B, multiplier=m, source_fps=8.0, loop=True)
    assert len(looped) == B * m and looped.times[-1] == Fraction(B * m - 1, m)


@pytest.mark.parametrize("B,s,f,n", [(25, 12, 24, 49), (25, 12, 30, 61), (14, 8, 24, 40), (25, 24, 12, 13),
                                     (25, 25, 24, 24), (10, 24000 / 1001, 60, 23)])
def test_target_fps_counts(B, s, f, n):
    plan = plan_clip(B, target_fps=f, source_fps=s)
    assert len(plan) == n
    step = Fraction(str(float(s))).limit_denominator(1_000_000) / Fraction(str(float(f))).limit_denominator(1_000_000)
    assert plan.times == [k * step for k in range(n)]
    assert plan.times[-1] <= B - 1 < plan.times[-1] + step
    assert plan.fps == f


def test_target_fps_loop_is_evenly_spread_over_one_period():
    plan = plan_clip(8, target_fps=24, source_fps=8, loop=True)
    assert len(plan) == 24 and plan.times == [Fraction(k, 3) for k in range(24)]
    odd = plan_clip(10, target_fps=25, source_fps=12, loop=True)  # 10 * 25/12 = 20.83 -> 21 frames
    assert len(odd) == 21 and odd.times == [Fraction(10 * k, 21) for k in range(21)]


@settings(max_examples=60, deadline=None)
@given(B=st.integers(1, 60), s=st.sampled_from([6.0, 8.0, 12.0, 23.976, 25.0, 30.0]),
       f=st.sampled_from([10.0, 24.0, 29.97, 48.0, 60.0]), loop=st.booleans())
def test_plan_properties(B, s, f, loop):
    plan = plan_clip(B, target_fps=f, source_fps=s, loop=loop)
    t = plan.times
    assert t[0] == 0 and all(a < b for a, b in zip(t, t[1:], strict=False))
    assert t[-1] < B if loop else t[-1] <= B - 1
    fs, ff = Fraction(str(s)), Fraction(str(f))
    expected = max(1, round(B * ff / fs)) if loop else math.floor((B - 1) * ff / fs) + 1
    assert len(plan) == expected


def test_clip_length_and_source_frames_exact():
    clip = translating_clip(4, 3.0)
    out, fps = interpolate_clip(torch.from_numpy(clip), multiplier=3, source_fps=10)
    assert out.shape == (10, *clip.shape[1:]) and fps == 30
    for i in range(4):
        assert torch.equal(out[3 * i], torch.from_numpy(clip[i]))
    out, fps = interpolate_clip(clip, target_fps=25, source_fps=10)  # step 0.4
    assert out.shape[0] == math.floor(3 / 0.4) + 1 == 8 and fps == 25
    assert torch.equal(out[5], torch.from_numpy(clip[2]))  # t = 2.0


# ---- quality ------------------------------------------------------------------------------------------------------

def test_static_clip_is_identity():
    clip = np.repeat(texture(64, 80)[None], 3, 0)
    out, _ = interpolate_clip(clip, multiplier=4)
    assert np.abs(out.numpy() - clip[0]).max() < 1e-4


@pytest.mark.parametrize("quality,margin", [("balanced", 0.5), ("high", 0.5), ("fast", 6.0)])
def test_pure_translation_within_half_db_of_true_flow(quality, margin):
    """balanced/high: within 0.5 dB of interpolating with the true flow; fast trades accuracy for speed."""
    dx, dy = 5.0, 2.0
    clip = translating_clip(3, dx, dy, h=144, w=192, step=0.5)  # t = 0, 0.5, 1
    pred = interpolate_at(clip[[0, 2]], [0.5], quality=quality).numpy()[0]
    # the same warping and blending with the TRUE flow: the best this kind of interpolation can do
    H, W = clip.shape[1:3]
    f0 = np.broadcast_to(np.float32([-dx / 2, -dy / 2]), (H, W, 2)).copy()
    oracle = 0.5 * backward_warp(clip[0], f0) + 0.5 * backward_warp(clip[2], -f0)
    inner = (slice(8, -8), slice(8, -8))
    ours, best = psnr(pred[inner], clip[1][inner]), psnr(oracle[inner], clip[1][inner])
    assert best > 35
    assert ours >= best - margin, (ours, best)


def test_far_better_than_linear_blend_on_motion():
    clip = translating_clip(3, 12.0, -4.0, h=192, w=256, step=0.5)
    pred = interpolate_at(clip[[0, 2]], [0.5]).numpy()[0]
    blend = 0.5 * (clip[0] + clip[2])
    assert psnr(pred, clip[1]) > psnr(blend, clip[1]) + 10


def test_interpolate_at_arbitrary_order_and_repeats():
    clip = translating_clip(4, 4.0)
    times = [2.5, 0.25, 3, 0.25, 1.75, 0, 2.5]
    out = interpolate_at(clip, times)
    assert out.shape == (7, *clip.shape[1:])
    assert torch.equal(out[1], out[3]) and torch.equal(out[0], out[6])
    assert torch.equal(out[2], torch.from_numpy(clip[3])) and torch.equal(out[5], torch.from_numpy(clip[0]))
    single = interpolate_at(clip, [1.75])
    assert torch.allclose(single[0], out[4])


def test_scene_cut_is_held_not_morphed():
    a, b = texture(80, 96, seed=1, smooth=1.5), texture(80, 96, seed=2, smooth=1.5)[::-1].copy()
    out, _ = interpolate_clip(np.stack([a, b]), multiplier=4)
    o = out.numpy()
    assert np.array_equal(o[1], a) and np.array_equal(o[3], b)  # t = 0.25 holds a, t = 0.75 holds b
    assert np.array_equal(o[2], a)  # midway the earlier shot goes on (as ffmpeg's minterpolate does)


def test_loop_goes_back_to_the_first_frame():
    clip = translating_clip(3, 3.0)
    out, _ = interpolate_clip(clip, multiplier=2, loop=True)
    assert out.shape[0] == 6
    # the last frame sits between frame 2 and frame 0, which differ by a 6 px shift back
    assert psnr(out[5].numpy(), clip[0]) > 15 and not torch.equal(out[5], torch.from_numpy(clip[2]))


# ---- edge cases --------------------------------------------------------------------------------------------------

def test_one_and_two_frames():
    one = texture(32, 40)[None]
    out, fps = interpolate_clip(one, multiplier=3, source_fps=12)
    assert out.shape[0] == 1 and fps == 36 and np.array_equal(out[0].numpy(), one[0])
    out, _ = interpolate_clip(one, multiplier=3, loop=True)
    assert out.shape[0] == 3 and all(np.array_equal(f.numpy(), one[0]) for f in out)
    assert interpolate_at(one, [0, 0]).shape[0] == 2
    with pytest.raises(ValueError, match=r"\[0, 0\]"):
        interpolate_at(one, [0.5])
    two = translating_clip(2, 2.0)
    out, _ = interpolate_clip(two, multiplier=4)
    assert out.shape[0] == 5


def test_rgba_and_gray_inputs():
    rgb = translating_clip(2, 3.0, h=96, w=128)
    alpha = np.ones((2, 96, 128, 1), np.float32) * np.float32([[[[0.2]]], [[[0.6]]]])
    out, _ = interpolate_clip(np.concatenate([rgb, alpha], -1), multiplier=2)
    assert out.shape == (3, 96, 128, 4)
    a = out[1, ..., 3].numpy()  # alpha is interpolated with the colour
    assert a.min() >= 0.2 - 1e-5 and a.max() <= 0.6 + 1e-5 and abs(float(np.median(a)) - 0.4) < 0.05
    assert torch.equal(out[0], torch.from_numpy(np.concatenate([rgb, alpha], -1)[0]))
    gray = rgb[..., :1]
    assert interpolate_clip(gray, multiplier=2)[0].shape == (3, 96, 128, 1)


@pytest.mark.parametrize("bad,match", [
    (np.zeros((0, 8, 8, 3), np.float32), "empty"),
    (np.full((2, 24, 24, 3), np.nan, np.float32), "NaN"),
    (np.zeros((2, 24, 24, 7), np.float32), "channels"),
    (np.zeros((8, 8), np.float32), "B,H,W,C"),
    (np.zeros((2, 8, 40, 3), np.float32), "too small"),
])
def test_bad_frames_fail_clearly(bad, match):
    with pytest.raises(ValueError, match=match):
        interpolate_clip(bad, multiplier=2)


def test_mismatched_sizes_fail_clearly():
    with pytest.raises(ValueError, match="same size"):
        interpolate_clip([np.zeros((8, 8, 3), np.float32), np.zeros((8, 10, 3), np.float32)], multiplier=2)


@pytest.mark.parametrize("kwargs,match", [
    ({"multiplier": 0}, "multiplier"), ({"multiplier": 2.5}, "multiplier"),
    ({"target_fps": 24}, "source_fps"), ({"target_fps": -1, "source_fps": 8}, "target_fps"),
    ({"target_fps": 1e6, "source_fps": 1}, "limit"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        interpolate_clip(translating_clip(3, 1.0, h=24, w=24), **kwargs)


def test_times_out_of_range():
    with pytest.raises(ValueError, match="times"):
        interpolate_at(translating_clip(3, 1.0, h=24, w=24), [0.5, 2.5])
    with pytest.raises(ValueError, match="NaN"):
        interpolate_at(translating_clip(3, 1.0, h=24, w=24), [float("nan")])


# ---- streaming ---------------------------------------------------------------------------------------------------

def test_streaming_is_lazy_and_memory_bounded():
    n, h, w = 200, 48, 64
    base = texture(h, w)
    pulled = []

    def source():
        for i in range(n):
            pulled.append(i)
            yield np.roll(base, i, axis=1)

    plan = plan_clip(n, multiplier=2)
    frame_bytes = h * w * 3 * 4
    tracemalloc.start()
    count = 0
    for k, frame in enumerate(iter_interpolate(source(), plan)):
        # never more than the current pair (plus one frame of look-ahead) is pulled from the source
        assert len(pulled) <= k // 2 + 2
        count += 1
        del frame
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == len(plan) == 2 * n - 1
    assert peak < 60 * frame_bytes, peak  # bounded by a pair's working set, not by the 200-frame clip
