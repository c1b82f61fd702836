import numpy as np
import pytest
import torch
from video_clips import texture, translating_clip

from draw_to_video.video.metrics import (
    flicker_index,
    hf_energy_ratio,
    psnr,
    quality_report,
    ssim,
    warp_error,
)
from draw_to_video.video.temporal import temporal_consistency


def flicker(clean: np.ndarray, seed: int = 0, amp: float = 1.0) -> np.ndarray:
    """Global gain, per-channel offsets and a smooth spatial gain field per frame (the benchmark's model)."""
    import cv2

    rng = np.random.default_rng(seed)
    T, H, W, C = clean.shape
    out = []
    for t in range(T):
        field = cv2.resize(rng.standard_normal((3, 4)).astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
        field /= field.std() + 1e-6
        g = 1 + amp * 0.05 * rng.standard_normal()
        o = amp * 0.02 * rng.standard_normal(C)
        out.append(np.clip(clean[t] * g * (1 + amp * 0.05 * field[..., None]) + o, 0, 1))
    return np.stack(out).astype(np.float32)


@pytest.fixture(scope="module")
def clean():
    return translating_clip(12, 2.0, 1.0, h=96, w=160, seed=3)


# ---- metrics -----------------------------------------------------------------------------------------------------

def test_psnr_ssim_basics():
    a = texture(48, 64)
    assert psnr(a, a) == float("inf") and ssim(a, a) == pytest.approx(1.0)
    b = np.clip(a + 0.01, 0, 1)
    assert psnr(a, b) == pytest.approx(40.0, abs=0.2)
    assert 0.9 < ssim(a, b) < 1.0
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(a, a[:10])


def test_flicker_index_and_hf_ratio():
    base = texture(32, 32)
    clip = np.stack([base * g for g in (1.0, 0.9, 1.0)])
    luma = float((base[..., 0] * 0.2126 + base[..., 1] * 0.7152 + base[..., 2] * 0.0722).mean())  # Rec.709
    assert flicker_index(clip) == pytest.approx(0.1 * luma, rel=1e-4)
    assert flicker_index(clip[:1]) == 0.0
    import cv2

    blurred = cv2.GaussianBlur(base, (0, 0), 1.5)
    assert hf_energy_ratio(blurred, base) < 0.5 and hf_energy_ratio(base, base) == pytest.approx(1.0)


def test_warp_error_zero_for_static_and_grows_with_flicker(clean):
    static = np.repeat(clean[:1], 4, 0)
    assert warp_error(static) == pytest.approx(0.0, abs=1e-10)
    assert warp_error(clean[:1]) == 0.0
    e_clean = warp_error(clean)
    e_flicker = warp_error(flicker(clean), clean)
    assert e_clean < 2e-3 and e_flicker > 5 * e_clean
    # the reference implementation's per-channel mean is the paper's value divided by 3
    assert warp_error(clean, channel_mean=True) == pytest.approx(e_clean / 3)
    with pytest.raises(ValueError, match="must match"):
        warp_error(clean, clean[:5])


def test_quality_report(clean):
    rep = quality_report(clean)
    assert rep.frames == 12 and rep.psnr is None and rep.warp_error >= 0
    rep = quality_report(torch.from_numpy(flicker(clean)), clean)
    assert rep.psnr < 40 and rep.warp_error_ratio > 1 and "E_warp" in rep.format()


# ---- temporal consistency ---------------------------------------------------------------------------------------

def test_removes_flicker(clean):
    noisy = flicker(clean, seed=1)
    out = temporal_consistency(noisy).numpy()
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert psnr(out, clean) > psnr(noisy, clean) + 4
    assert warp_error(out, clean) < 0.3 * warp_error(noisy, clean)
    assert flicker_index(out) < 0.5 * flicker_index(noisy)
    assert hf_energy_ratio(out, clean) > 0.9


def test_clean_clip_is_left_nearly_alone(clean):
    out = temporal_consistency(clean).numpy()
    assert psnr(out, clean) > 40


def test_reference_flow_is_used(clean):
    noisy = flicker(clean, seed=2, amp=2.0)
    with_ref = temporal_consistency(noisy, reference=clean).numpy()
    assert psnr(with_ref, clean) > psnr(noisy, clean) + 4
    # a reference of another size works (its flow is resized)
    import cv2

    small = np.stack([cv2.resize(f, (80, 48), interpolation=cv2.INTER_AREA) for f in clean])
    assert temporal_consistency(noisy, reference=small).shape == noisy.shape


def test_strength_zero_and_single_frame_are_identity(clean):
    noisy = flicker(clean)
    assert np.array_equal(temporal_consistency(noisy, strength=0.0).numpy(), noisy)
    assert np.array_equal(temporal_consistency(noisy[:1]).numpy(), noisy[:1])
    half = temporal_consistency(noisy, strength=0.5).numpy()
    full = temporal_consistency(noisy).numpy()
    assert np.allclose(half, np.clip(0.5 * (noisy + full), 0, 1), atol=1e-5)


def test_detail_averaging_calms_noise(clean):
    rng = np.random.default_rng(0)
    noisy = np.clip(clean + 0.03 * rng.standard_normal(clean.shape), 0, 1).astype(np.float32)
    smooth = temporal_consistency(noisy, detail=0.0).numpy()
    assert psnr(smooth, clean) > psnr(noisy, clean) + 2


def test_rgba_alpha_passes_through(clean):
    alpha = np.random.default_rng(0).random((*clean.shape[:3], 1)).astype(np.float32)
    out = temporal_consistency(np.concatenate([flicker(clean), alpha], -1), detail=0.5).numpy()
    assert out.shape[-1] == 4 and np.array_equal(out[..., 3:], alpha)


@pytest.mark.parametrize("kwargs,match", [
    ({"strength": 2.0}, "strength"), ({"sigma": 0.0}, "sigma"), ({"detail": -0.1}, "detail"),
    ({"sigma": float("nan")}, "sigma"),
])
def test_bad_parameters(clean, kwargs, match):
    with pytest.raises(ValueError, match=match):
        temporal_consistency(clean, **kwargs)


def test_bad_inputs(clean):
    with pytest.raises(ValueError, match="reference has 5 frames"):
        temporal_consistency(clean, reference=clean[:5])
    with pytest.raises(ValueError, match="NaN"):
        temporal_consistency(np.full((2, 16, 16, 3), np.nan, np.float32))
    with pytest.raises(ValueError, match="non-empty"):
        temporal_consistency(np.zeros((0, 16, 16, 3), np.float32))


def test_small_frames():
    tiny = translating_clip(3, 1.0, h=16, w=20)
    assert temporal_consistency(tiny).shape == tiny.shape
    with pytest.raises(ValueError, match="too small"):
        temporal_consistency(np.zeros((3, 8, 40, 3), np.float32))


def test_streamed_equals_in_memory(clean):
    """The streaming form (the clip read again for every pass, nothing held) gives the in-memory result."""
    from draw_to_video.video.temporal import iter_temporal_consistency

    noisy = flicker(clean, seed=2)
    for kw in ({}, {"strength": 0.7, "detail": 0.4}):
        want = temporal_consistency(noisy, reference=clean, **kw).numpy()
        got = np.stack(list(iter_temporal_consistency(lambda: iter(noisy), len(noisy), noisy.shape[1:],
                                                      reference=lambda: iter(clean), **kw)))
        assert np.abs(got - want).max() < 1e-5
    with pytest.raises(ValueError, match="fewer frames"):
        list(iter_temporal_consistency(lambda: iter(noisy[:5]), len(noisy), noisy.shape[1:]))


def test_stream_keeps_opencv_threads_to_itself(clean):
    """The stream runs OpenCV on STREAM_CV_THREADS for its own calls only: the consumer, between frames, and
    the caller after the clip (or after stopping early) see their own setting, and the frames do not depend on it."""
    import cv2

    from draw_to_video.video import temporal

    noisy = flicker(clean, seed=5)
    before = cv2.getNumThreads()
    want = temporal.temporal_consistency(noisy).numpy()
    try:
        cv2.setNumThreads(2)
        seen = []
        got = []
        for f in temporal.iter_temporal_consistency(lambda: iter(noisy), len(noisy), noisy.shape[1:]):
            seen.append(cv2.getNumThreads())
            got.append(f)
        assert set(seen) == {2} and cv2.getNumThreads() == 2
        assert np.array_equal(np.stack(got), want)
        stream = temporal.iter_temporal_consistency(lambda: iter(noisy), len(noisy), noisy.shape[1:])
        next(stream)
        stream.close()
        assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)


def test_stream_reads_a_bounded_window_ahead():
    """The stream writes frame t once the frames its recursive averages need are in, and no later: how far the
    reading runs ahead of the writing is the same for a clip twice as long, and within the documented
    ``passes·(2K - 1 + R)`` (K = ceil(2.5·sigma), R = ceil(3·min(sigma, 2)))."""
    import math

    from draw_to_video.video.temporal import TemporalSettings, iter_temporal_consistency

    def lead(T: int, sigma: float) -> int:
        clip = flicker(translating_clip(T, 1.5, h=48, w=64, seed=4), seed=3)
        read, most = 0, 0

        def source():
            nonlocal read
            for f in clip:
                read += 1
                yield f

        for written, _ in enumerate(iter_temporal_consistency(source, T, clip.shape[1:], sigma=sigma), 1):
            most = max(most, read - written)
        return most

    for sigma in (1.0, 2.0):
        K, R = math.ceil(2.5 * sigma), math.ceil(3 * min(sigma, 2.0))
        bound = TemporalSettings().passes * (2 * K - 1 + R)
        assert lead(40, sigma) == lead(80, sigma) <= bound


def test_recursive_decay_matches_the_gaussian_window():
    """Each side's weights 1, lam, lam², ... add up to the truncated Gaussian window's (sigma frames)."""
    import math

    from draw_to_video.video.temporal import _decay

    for sigma in (0.5, 2.0, 6.0):
        K = math.ceil(2.5 * sigma)
        lam = _decay(sigma, K)
        gauss = sum(math.exp(-0.5 * (k / sigma) ** 2) for k in range(1, K + 1))
        assert 0 < lam < 1 and lam / (1 - lam) == pytest.approx(gauss, rel=1e-9)


def test_scene_cut_keeps_each_shot_its_colours():
    """Two shots of different brightness: the cut is found (flicker does not make cuts), and neither shot's colours
    are pulled towards the other's around it."""
    from draw_to_video.video.temporal import frame_thumb, scene_cuts

    a = translating_clip(8, 2.0, 1.0, h=96, w=160, seed=3)
    b = translating_clip(8, -1.0, 2.0, h=96, w=160, seed=8) * 0.5 + 0.4
    clean = np.concatenate([a, b]).astype(np.float32)
    noisy = flicker(clean, seed=4)
    cuts = scene_cuts(np.stack([frame_thumb(f, 3) for f in noisy]))
    assert cuts.tolist() == [False] * 7 + [True] + [False] * 7
    out = temporal_consistency(noisy).numpy()
    near = slice(5, 11)
    assert psnr(out[near], clean[near]) > psnr(noisy[near], clean[near]) + 3


def occluder_clip(n: int = 10, seed: int = 3):
    """A textured background panning 1 px/frame with a flat square crossing it at 6 px/frame the other way, then
    a scene cut to another picture. Returns (clean clip, square masks (T,H,W) bool, index of the first frame after
    the cut)."""
    h, w = 96, 160
    bg = translating_clip(n, 1.0, 0.0, h=h, w=w, seed=seed)
    masks = np.zeros((n, h, w), bool)
    for t in range(n):
        x0 = 110 - 6 * t
        masks[t, 30:66, x0:x0 + 30] = True
    a = np.where(masks[..., None], np.array([0.95, 0.85, 0.2], np.float32), bg)
    b = translating_clip(n, -1.0, 1.0, h=h, w=w, seed=seed + 5) * 0.6 + 0.2
    return np.concatenate([a, b]).astype(np.float32), np.concatenate([masks, np.zeros_like(masks)]), n


def test_noise_is_removed_without_ghosts_at_occlusions_and_cuts():
    """Per-pixel noise (sigma 0.01) on top of flicker is averaged out along the flow, while the pixels a moving
    square uncovers or covers, and the frames either side of a scene cut, keep their own content: the detail
    average adds no error there (a ghost of the square or of the other shot would add ~0.3)."""
    clean, masks, cut = occluder_clip()
    rng = np.random.default_rng(7)
    noisy = np.clip(flicker(clean, seed=5, amp=0.5) + 0.01 * rng.standard_normal(clean.shape), 0, 1).astype(
        np.float32)
    out = temporal_consistency(noisy).numpy()  # the default detail averages
    keep = temporal_consistency(noisy, detail=1.0).numpy()  # every frame's own detail (and noise)
    floor = warp_error(clean)
    assert warp_error(out, clean) - floor < 0.5 * (warp_error(keep, clean) - floor)  # the noise goes
    assert psnr(out, clean) > psnr(keep, clean) + 0.5
    err, err_keep = np.abs(out - clean).mean(-1), np.abs(keep - clean).mean(-1)
    changed = np.zeros_like(masks)
    changed[1:] = masks[1:] ^ masks[:-1]  # uncovered or newly covered this frame
    changed[cut] = False
    assert err[changed].mean() < err_keep[changed].mean() + 0.003
    for t in (cut - 1, cut):  # the last frame of the first shot, the first of the second
        assert err[t].mean() <= err_keep[t].mean() + 0.001
