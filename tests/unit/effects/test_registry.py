"""Exclusive Effects: the contract every effect keeps, and each effect's defining property."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from demo_clip import demo_clip

from draw_to_video.camera.trajectory import CameraTrajectory
from draw_to_video.effects import geometric, glitch, grades, looks
from draw_to_video.effects.registry import EFFECTS, KINDS, apply_effect, get_effect

RETIMING = [n for n, s in EFFECTS.items() if s.retimes]
PLAIN = [n for n, s in EFFECTS.items() if not s.retimes]


@pytest.fixture(scope="module")
def clip():
    frames, near = demo_clip(6, 36, 64)
    return frames, near


def _camera(b: int, dx: float = 0.0, yaw_deg: float = 0.0, fps: float = 12.0, look_at=None) -> CameraTrajectory:
    c2w = np.tile(np.eye(4), (b, 1, 1))
    for i in range(b):
        a = math.radians(yaw_deg) * i / max(1, b - 1)
        c2w[i, :3, :3] = [[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]]
        c2w[i, 0, 3] = dx * i
    return CameraTrajectory(c2w=c2w, fov_deg=np.full(b, 60.0), focal_length_mm=np.full(b, 31.2),
                            focus_distance=np.ones(b), aperture=np.full(b, 2.8), fps=fps, look_at=look_at)


# --- the common contract -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(EFFECTS))
def test_intensity_zero_is_identity(clip, name):
    frames, near = clip
    out = apply_effect(name, frames, 0.0, 5, depth=near)
    assert out.shape == frames.shape and torch.equal(out, frames)
    assert out.data_ptr() != frames.data_ptr()  # a copy, never the caller's tensor


@pytest.mark.parametrize("name", list(EFFECTS))
def test_same_seed_same_bytes_range_and_shape(clip, name):
    frames, near = clip
    a = apply_effect(name, frames, 0.8, 123, depth=near)
    b = apply_effect(name, frames, 0.8, 123, depth=near)
    assert torch.equal(a, b)
    assert a.dtype == frames.dtype and a.shape[1:] == frames.shape[1:]
    assert float(a.min()) >= 0.0 and float(a.max()) <= 1.0
    if EFFECTS[name].retimes:
        assert a.shape[0] >= 2
    else:
        assert a.shape[0] == frames.shape[0]
    assert not torch.equal(a, frames) or name.startswith("letterbox_1.85")  # 1.85 on 16:9 is a 1-px bar at most


@pytest.mark.parametrize("name", list(EFFECTS))
@pytest.mark.parametrize("b,h,w", [(1, 9, 17), (2, 5, 3), (3, 40, 24)])
def test_any_frame_count_and_size(name, b, h, w):
    g = torch.Generator().manual_seed(b * 100 + h)
    frames = torch.rand(b, h, w, 3, generator=g)
    depth = torch.rand(1, h, w, 3, generator=g)
    mask = (torch.rand(h, w, generator=g) > 0.5).float()
    out = apply_effect(name, frames, 1.0, 7, depth=depth, mask=mask, camera=_camera(b, 0.05, 5.0))
    assert out.shape[1:] == (h, w, 3)
    assert torch.isfinite(out).all() and float(out.min()) >= 0 and float(out.max()) <= 1
    if not EFFECTS[name].retimes:
        assert out.shape[0] == b


def test_seeded_effects_depend_on_the_seed(clip):
    frames, _ = clip
    for name in ("film_grain", "quantum_glitch", "handheld_shake", "light_leak"):
        a = apply_effect(name, frames, 1.0, 1)
        b = apply_effect(name, frames, 1.0, 2)
        assert not torch.equal(a, b), name


def test_global_rng_is_untouched(clip):
    frames, _ = clip
    torch.manual_seed(0)
    np.random.seed(0)
    expected_t, expected_n = torch.rand(3), np.random.rand(3)
    torch.manual_seed(0)
    np.random.seed(0)
    for name in ("film_grain", "quantum_glitch", "handheld_shake", "light_leak", "whip_pan_transition"):
        apply_effect(name, frames, 1.0, 3)
    assert torch.equal(torch.rand(3), expected_t) and np.array_equal(np.random.rand(3), expected_n)


@pytest.mark.parametrize("bad,match", [
    (torch.full((2, 8, 8, 3), float("nan")), "NaN"),
    (torch.zeros(0, 8, 8, 3), "empty"),
    (torch.zeros(8, 8, 3), "batch"),
    (torch.zeros(2, 8, 8, 5), "RGB"),
    (torch.zeros(2, 8, 8, 3, dtype=torch.uint8), "float"),
])
def test_bad_frames_raise_clear_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        apply_effect("vignette", bad, 0.5, 0)


@pytest.mark.parametrize("name", list(EFFECTS))
def test_every_effect_checks_its_intensity(name):
    """Every entry of the table goes through the argument checks (a NaN or out-of-range intensity is refused)."""
    frames = torch.rand(2, 8, 8, 3, generator=torch.Generator().manual_seed(0))
    for bad in (float("nan"), 1.5, -0.1):
        with pytest.raises(ValueError, match="intensity"):
            apply_effect(name, frames, bad, 0)


def test_bad_arguments_raise_clear_errors(clip):
    frames, _ = clip
    with pytest.raises(ValueError, match="intensity"):
        apply_effect("vignette", frames, 1.5, 0)
    with pytest.raises(ValueError, match="intensity"):
        apply_effect("vignette", frames, float("nan"), 0)
    with pytest.raises(ValueError, match="seed"):
        apply_effect("film_grain", frames, 0.5, -1)
    with pytest.raises(ValueError, match="unknown effect"):
        apply_effect("nope", frames, 0.5, 0)
    with pytest.raises(ValueError, match="mask"):
        apply_effect("tenet_reverse", frames, 0.5, 0, mask=torch.zeros(2, 3, 4, 5, 6))
    with pytest.raises(ValueError, match="depth"):
        apply_effect("depth_of_field", frames, 0.5, 0, depth=torch.full((8, 8), float("inf")))


def test_registry_documents_every_effect():
    for name, spec in EFFECTS.items():
        assert spec.name == name and len(spec.description) > 15
        assert spec.kind in KINDS and spec.fn.__module__ == f"draw_to_video.effects.{spec.kind}"
        assert not spec.retimes or spec.kind == "time"
    assert KINDS == ("looks", "lens", "geometric", "time", "glitch")
    assert set(RETIMING) == {"bullet_time", "speed_ramp"}
    assert {EFFECTS[n].kind for n in ("chromatic_aberration", "depth_of_field", "motion_blur")} == {"lens"}
    assert EFFECTS["tenet_reverse"].kind == "time" and EFFECTS["quantum_glitch"].kind == "glitch"
    required = {"bullet_time", "inception_fold", "quantum_glitch", "tenet_reverse", "dolly_zoom", "speed_ramp",
                "motion_blur", "handheld_shake", "whip_pan_transition", "film_grain", "vignette", "light_leak",
                "chromatic_aberration", "depth_of_field"}
    assert required <= set(EFFECTS)
    assert {f"color_grade_{p}" for p in ("natural", "cinematic", "vibrant", "teal_orange", "bleach_bypass")} \
        <= set(EFFECTS)
    assert {"letterbox_2.39", "letterbox_1.85", "letterbox_4:3"} <= set(EFFECTS)


# --- tenet reverse -------------------------------------------------------------------------------------------
def test_tenet_reverse_masked_region_is_the_reversed_clip(clip):
    frames, _ = clip
    b, h, w, _ = frames.shape
    mask = torch.zeros(h, w)
    mask[8:28, 16:48] = 1.0
    out = apply_effect("tenet_reverse", frames, 1.0, 0, mask=mask)
    rev = frames.flip(0)
    inner = (slice(None), slice(11, 25), slice(19, 45))
    torch.testing.assert_close(out[inner], rev[inner], atol=1e-5, rtol=0)
    outer = (slice(None), slice(0, 4), slice(None))  # rows far from the mask
    torch.testing.assert_close(out[outer], frames[outer], atol=1e-5, rtol=0)


def test_tenet_reverse_default_region_is_a_central_ellipse(clip):
    frames, _ = clip
    b, h, w, _ = frames.shape
    out = apply_effect("tenet_reverse", frames, 1.0, 0)
    torch.testing.assert_close(out[:, h // 2, w // 2], frames.flip(0)[:, h // 2, w // 2], atol=1e-6, rtol=0)
    torch.testing.assert_close(out[:, 0, 0], frames[:, 0, 0], atol=1e-6, rtol=0)
    half = apply_effect("tenet_reverse", frames, 0.5, 0)
    torch.testing.assert_close(half[:, h // 2, w // 2], 0.5 * (frames + frames.flip(0))[:, h // 2, w // 2],
                               atol=1e-5, rtol=0)


def test_tenet_reverse_mask_per_frame():
    frames = torch.rand(4, 10, 10, 3, generator=torch.Generator().manual_seed(1))
    mask = torch.zeros(4, 10, 10)
    mask[2] = 1.0  # only frame 2 is reversed
    out = apply_effect("tenet_reverse", frames, 1.0, 0, mask=mask)
    torch.testing.assert_close(out[2], frames[1], atol=1e-5, rtol=0)
    torch.testing.assert_close(out[0], frames[0], atol=1e-5, rtol=0)


# --- letterbox -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key,ratio", [("2.39", 2.39), ("1.85", 1.85), ("4:3", 4 / 3)])
@pytest.mark.parametrize("h,w", [(576, 1024), (100, 100), (37, 250), (1, 7)])
def test_letterbox_bars_exactly_where_the_ratio_says(key, ratio, h, w):
    frames = torch.rand(2, h, w, 3, generator=torch.Generator().manual_seed(h)) * 0.9 + 0.05
    out = apply_effect(f"letterbox_{key}", frames, 1.0, 0)
    black = (out == 0).all(-1).all(0)  # [H, W] pixels black in every frame
    rows_black = black.all(1)
    cols_black = black.all(0)
    if w / h < ratio:  # bars top and bottom
        visible = int((~rows_black).sum())
        assert visible == round(w / ratio) or abs(visible - w / ratio) <= 0.5 + 1e-9
        top = int(rows_black.int().argmin())
        assert rows_black[:top].all() and not rows_black[top:top + visible].any() and rows_black[top + visible:].all()
        assert abs(top - (h - visible - top)) <= 1  # centred
        torch.testing.assert_close(out[:, top:top + visible], frames[:, top:top + visible], atol=0, rtol=0)
    else:  # pillarbox
        visible = int((~cols_black).sum())
        assert abs(visible - h * ratio) <= 0.5 + 1e-9
        left = int(cols_black.int().argmin())
        assert cols_black[:left].all() and not cols_black[left:left + visible].any()
        torch.testing.assert_close(out[:, :, left:left + visible], frames[:, :, left:left + visible], atol=0, rtol=0)


def test_letterbox_numbers_for_1024x576():
    assert looks.letterbox_bars(576, 1024, 2.39) == (74, 74, 0, 0)  # 1024/2.39 = 428.45 → 428 visible rows
    assert looks.letterbox_bars(576, 1024, 1.85) == (11, 11, 0, 0)  # 1024/1.85 = 553.5 → 554 visible rows
    assert looks.letterbox_bars(576, 1024, 4 / 3) == (0, 0, 128, 128)  # 576·4/3 = 768 visible columns
    assert looks.letterbox_bars(576, 1024, 2.39, 0.5) == (37, 37, 0, 0)  # half-way in


# --- colour grade --------------------------------------------------------------------------------------------
def test_grade_presets_carry_the_seed_values():
    c = grades.GRADE_PRESETS["cinematic"]
    assert (c.temperature, c.tint, c.saturation, c.contrast, c.highlights, c.shadows) == (4800, -5, 0.9, 1.4, -0.2, 0.3)
    n = grades.GRADE_PRESETS["natural"]
    assert (n.temperature, n.tint, n.saturation, n.contrast, n.highlights, n.shadows) == (5500, 0, 1.1, 1.2, -0.1, 0.1)
    v = grades.GRADE_PRESETS["vibrant"]
    assert (v.temperature, v.tint, v.saturation, v.contrast, v.highlights, v.shadows) == (6000, 5, 1.2, 1.1, 0.1, 0.0)


def test_grade_temperature_direction_and_neutral_grey():
    grey = torch.full((1, 4, 4, 3), 0.5)
    cool = apply_effect("color_grade_cinematic", grey, 1.0, 0)[0, 0, 0]
    warm = apply_effect("color_grade_vibrant", grey, 1.0, 0)[0, 0, 0]
    natural = apply_effect("color_grade_natural", grey, 1.0, 0)[0, 0, 0]
    assert cool[2] > cool[0] + 0.02  # 4800 K: cooler (bluer)
    assert warm[0] > warm[2] + 0.01  # 6000 K: warmer
    assert float(natural.max() - natural.min()) < 1e-5  # 5500 K, tint 0: grey stays grey


def test_grade_contrast_saturation_and_bleach(clip):
    frames, _ = clip

    def chroma(x):
        return float((x - x.mean(-1, keepdim=True)).abs().mean())

    def luma_std(x):
        return float((x @ torch.tensor([0.2126, 0.7152, 0.0722])).std())

    assert chroma(apply_effect("color_grade_vibrant", frames, 1.0, 0)) > chroma(frames)
    assert luma_std(apply_effect("color_grade_cinematic", frames, 1.0, 0)) > luma_std(frames)
    assert chroma(apply_effect("color_grade_bleach_bypass", frames, 1.0, 0)) < chroma(frames)
    to = apply_effect("color_grade_teal_orange", frames, 1.0, 0)
    ramp = torch.linspace(0.05, 0.95, 32).view(1, 1, 32, 1).expand(1, 4, 32, 3).contiguous()
    tr = apply_effect("color_grade_teal_orange", ramp, 1.0, 0)[0, 0]
    assert tr[4, 2] > tr[4, 0]  # shadows lean teal (blue over red)
    assert tr[26, 0] > tr[26, 2]  # highlights lean orange
    assert to.shape == frames.shape


def test_grade_tone_curve_is_monotone_and_keeps_the_ends():
    for g in grades.GRADE_PRESETS.values():
        a = grades.tone_cubic(g)
        x = np.linspace(0, 1, 1001)
        y = a[0] + a[1] * x + a[2] * x ** 2 + a[3] * x ** 3
        assert abs(y[0]) < 1e-12 and abs(y[-1] - 1) < 1e-12
        assert np.all(np.diff(y) > 0)


# --- lens and looks ------------------------------------------------------------------------------------------
def test_vignette_darkens_corners_only(clip):
    frames, _ = clip
    out = apply_effect("vignette", frames, 1.0, 0)
    h, w = frames.shape[1:3]
    torch.testing.assert_close(out[:, h // 2, w // 2], frames[:, h // 2, w // 2])
    assert (out[:, 0, 0] < frames[:, 0, 0] * 0.5).all()
    assert (out <= frames + 1e-7).all()


def test_film_grain_is_zero_mean_animated_noise():
    frames = torch.full((3, 64, 64, 3), 0.5)
    out = apply_effect("film_grain", frames, 1.0, 9)
    noise = out - frames
    assert abs(float(noise.mean())) < 0.005
    assert 0.02 < float(noise.std()) < 0.08
    assert not torch.allclose(noise[0], noise[1])  # fresh grain every frame


def test_light_leak_only_adds_light(clip):
    frames, _ = clip
    out = apply_effect("light_leak", frames, 1.0, 4)
    assert (out >= frames - 1e-6).all()
    gain = (out - frames).mean(dim=(0, 1, 2))
    assert gain[0] > gain[2]  # warm


def test_chromatic_aberration_moves_red_and_blue_not_green(clip):
    frames, _ = clip
    out = apply_effect("chromatic_aberration", frames, 1.0, 0)
    assert torch.equal(out[..., 1], frames[..., 1])
    assert float((out[..., 0] - frames[..., 0]).abs().max()) > 0.01
    assert float((out[..., 2] - frames[..., 2]).abs().max()) > 0.01


def _texture(b=2, h=32, w=64, seed=0):
    return torch.rand(b, h, w, 3, generator=torch.Generator().manual_seed(seed))


def _hf(x):  # high-frequency energy
    return float((x[:, :, 1:] - x[:, :, :-1]).abs().mean() + (x[:, 1:] - x[:, :-1]).abs().mean())


def test_depth_of_field_keeps_the_focal_plane_sharp():
    frames = _texture(2, 32, 64)
    depth = torch.zeros(32, 64)
    depth[:, :32] = 1.0  # left half near, right half far
    focus = torch.zeros(32, 64)
    focus[10:20, 5:15] = 1.0  # focus on the near half
    out = apply_effect("depth_of_field", frames, 1.0, 0, depth=depth, mask=focus)
    torch.testing.assert_close(out[:, :, :28], frames[:, :, :28])
    assert _hf(out[:, :, 36:]) < 0.5 * _hf(frames[:, :, 36:])
    cam = _camera(2)  # focus distance 1 = median depth: the far half (disparity below the median) blurs less?
    out_cam = apply_effect("depth_of_field", frames, 1.0, 0, depth=depth, camera=cam)
    assert out_cam.shape == frames.shape


def test_depth_of_field_without_depth_is_sharp_in_the_centre():
    frames = _texture(1, 64, 64)
    out = apply_effect("depth_of_field", frames, 1.0, 0)
    torch.testing.assert_close(out[:, 28:36, 28:36], frames[:, 28:36, 28:36])
    assert _hf(out[:, :8, :8]) < 0.6 * _hf(frames[:, :8, :8])


# --- geometric -----------------------------------------------------------------------------------------------
def test_handheld_shake_moves_smoothly_and_hides_borders():
    b = 24
    path = geometric.shake_path(b, 3)
    assert np.abs(np.diff(path, axis=0)).max() < 0.6 * np.abs(path).max()  # smooth: small steps
    w, h = 1024, 576
    tx, ty, roll = path[:, 0] * 0.018 * w, path[:, 1] * 0.018 * w * 0.8, path[:, 2] * math.radians(1.2)
    s = geometric.cover_scale(w, h, tx, ty, roll)
    for i in range(b):  # output corners land inside the source frame
        c, si = math.cos(roll[i]), math.sin(roll[i])
        for cx, cy in ((-w / 2, -h / 2), (w / 2, -h / 2), (-w / 2, h / 2), (w / 2, h / 2)):
            x = c * cx / s - si * cy / s - tx[i]
            y = si * cx / s + c * cy / s - ty[i]
            assert abs(x) <= w / 2 + 1e-6 and abs(y) <= h / 2 + 1e-6
    frames = _texture(b, 36, 64)
    out = apply_effect("handheld_shake", frames, 1.0, 3)
    assert not torch.allclose(out, frames)


def test_dolly_zoom_keeps_the_subject_and_swells_the_rest():
    frames = _texture(5, 48, 80)
    out = apply_effect("dolly_zoom", frames, 1.0, 0)
    torch.testing.assert_close(out[0], frames[0], atol=1e-5, rtol=0)  # starts from the untouched frame
    torch.testing.assert_close(out[-1, 22:26, 38:42], frames[-1, 22:26, 38:42], atol=2e-3, rtol=0)
    assert float((out[-1, :6] - frames[-1, :6]).abs().mean()) > 0.1  # the edges zoomed
    # zoom, not blur-only: the last frame's corner content comes from nearer the centre
    assert _hf(out[-1:, :10, :10]) < _hf(frames[-1:, :10, :10])


def test_motion_blur_follows_the_camera_direction():
    h, w = 32, 64
    xs = torch.arange(w).view(1, w).expand(h, w)
    ys = torch.arange(h).view(h, 1).expand(h, w)
    img = torch.stack([(xs // 2 % 2).float(), (ys // 2 % 2).float(), torch.full((h, w), 0.5)], -1)
    frames = img.expand(4, h, w, 3).contiguous()
    cam = _camera(4, dx=0.06)  # sideways translation: horizontal image motion
    out = apply_effect("motion_blur", frames, 1.0, 0, camera=cam)

    def var_x(c):
        return float((c[:, :, 1:] - c[:, :, :-1]).abs().mean())

    def var_y(c):
        return float((c[:, 1:] - c[:, :-1]).abs().mean())

    assert var_x(out[..., 0]) < 0.5 * var_x(frames[..., 0])  # vertical stripes smeared along x
    assert var_y(out[..., 1]) > 0.8 * var_y(frames[..., 1])  # horizontal stripes survive


def test_motion_blur_from_flow_leaves_a_static_clip_alone():
    frames = _texture(3, 32, 48).expand(3, 32, 48, 3).contiguous()
    frames = frames[:1].expand(3, 32, 48, 3).contiguous()
    out = apply_effect("motion_blur", frames, 1.0, 0)
    torch.testing.assert_close(out, frames)


def test_motion_blur_from_flow_blurs_a_moving_clip():
    base = _texture(1, 48, 96)[0]
    frames = torch.stack([torch.roll(base, 4 * i, dims=1) for i in range(4)])
    out = apply_effect("motion_blur", frames, 1.0, 0)
    assert _hf(out[1:3]) < 0.8 * _hf(frames[1:3])


def test_whip_pan_touches_only_the_middle():
    frames = _texture(20, 24, 40)
    out = apply_effect("whip_pan_transition", frames, 1.0, 0)
    n = round(20 * 0.5)
    start = (20 - n) // 2
    torch.testing.assert_close(out[:start], frames[:start])
    torch.testing.assert_close(out[start + n:], frames[start + n:])
    changed = [(out[i] - frames[i]).abs().mean() > 0.05 for i in range(start, start + n)]
    assert all(changed)
    assert _hf(out[start + n // 2: start + n // 2 + 1]) < 0.6 * _hf(frames[:1])  # heavy blur at the peak


def test_inception_fold_starts_flat_and_folds():
    frames = _texture(8, 36, 64)
    out = apply_effect("inception_fold", frames, 1.0, 0)
    torch.testing.assert_close(out[0], frames[0], atol=1e-4, rtol=0)  # the sheet starts flat and fills the view
    diffs = [float((out[i] - frames[i]).abs().mean()) for i in range(8)]
    assert diffs[1] > 0.01 and diffs[4] > 0.05 and diffs[-1] > 0.15  # folding from the first frames to the last
    a = geometric.fold_params(8, 1.0)
    assert np.all(np.diff(a[:, 0]) > 0) and np.all(np.diff(a[:, 1]) > 0)  # both halves keep moving


def test_quantum_glitch_bursts_and_scanlines():
    frames = torch.full((40, 32, 48, 3), 0.5)
    out = apply_effect("quantum_glitch", frames, 1.0, 11)
    diff = (out - frames).abs().mean(dim=(1, 2, 3))
    strong = diff > 0.03
    assert 1 <= int(strong.sum()) < 40
    sched_lo = glitch.glitch_schedule(400, 0.1, 0)
    sched_hi = glitch.glitch_schedule(400, 1.0, 0)
    assert (sched_hi > 0).sum() > (sched_lo > 0).sum()
    quiet = out[~strong]
    assert (quiet[:, 1::2] < quiet[:, 0::2]).all()  # faint scanlines on every frame


# --- retiming ------------------------------------------------------------------------------------------------
def test_time_maps_are_monotone_and_keep_the_ends():
    from draw_to_video.effects import time as retime

    for curve in (retime.speed_ramp_curve(1.0), retime.bullet_time_curve(1.0), retime.bullet_time_curve(0.3)):
        for b in (2, 5, 24):
            t = retime.time_map(b, curve)
            assert t[0] == 0 and t[-1] == b - 1 and np.all(np.diff(t) > 0)
    ramp = retime.time_map(48, retime.speed_ramp_curve(1.0))
    step = np.diff(ramp)
    assert step[len(step) // 2] < 0.3 and step[0] > 1.2  # slow in the middle, fast at the ends
    bt = retime.time_map(48, retime.bullet_time_curve(1.0))
    assert len(bt) > 1.4 * 48 and np.diff(bt).min() < 0.1  # near-freeze


def test_speed_ramp_keeps_first_and_last_frames(clip):
    frames, _ = clip
    out = apply_effect("speed_ramp", frames, 1.0, 0)
    torch.testing.assert_close(out[0], frames[0])
    torch.testing.assert_close(out[-1], frames[-1])


def test_bullet_time_lengthens_and_orbits(clip):
    frames, _ = clip
    out = apply_effect("bullet_time", frames, 1.0, 0)
    assert out.shape[0] > frames.shape[0]
    mid = out.shape[0] // 4  # the orbit swings out before the middle
    assert float((out[mid] - out[0]).abs().mean()) > 0.02
    torch.testing.assert_close(out[0], frames[0], atol=1e-5, rtol=0)
    single = apply_effect("bullet_time", frames[:1], 1.0, 0)
    assert single.shape[0] == 12


def test_effect_spec_is_callable_and_filters_inputs(clip):
    frames, near = clip
    spec = get_effect("vignette")
    out = spec(frames, 0.5, 0, camera=object(), mask=object(), depth=object())  # unused inputs are ignored
    assert out.shape == frames.shape


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("name", PLAIN)
def test_cuda_matches_cpu(clip, name):
    frames, near = clip
    cpu = apply_effect(name, frames, 0.8, 3, depth=near)
    gpu = apply_effect(name, frames.cuda(), 0.8, 3, depth=near.cuda())
    assert gpu.device.type == "cuda"
    assert float((gpu.cpu() - cpu).abs().mean()) < 2e-3


def test_box_blur_matches_a_convolution():
    import torch.nn.functional as F

    from draw_to_video.core.filters import box_blur_x

    x = torch.rand(2, 3, 5, 40, generator=torch.Generator().manual_seed(0))
    y = box_blur_x(x, torch.tensor([3.0, 0.0]))
    ref = F.conv2d(F.pad(x[:1], (3, 3, 0, 0), mode="replicate"), torch.ones(3, 1, 1, 7) / 7, groups=3)
    torch.testing.assert_close(y[:1], ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(y[1:], x[1:], atol=1e-5, rtol=0)  # float32 prefix sums
    half = box_blur_x(x[:1], torch.tensor([2.5]))  # fractional radius: between the 5- and 7-tap boxes
    lo = box_blur_x(x[:1], torch.tensor([2.0]))
    hi = box_blur_x(x[:1], torch.tensor([3.0]))
    assert float(((half - lo) * (hi - half)).min()) >= -1e-6


def test_camera_aware_effects_follow_the_camera(clip):
    frames, _ = clip
    still = apply_effect("motion_blur", frames, 1.0, 0, camera=_camera(frames.shape[0]))
    torch.testing.assert_close(still, frames)  # a camera that does not move blurs nothing
    left = apply_effect("whip_pan_transition", frames, 1.0, 0, camera=_camera(6, yaw_deg=-20))
    right = apply_effect("whip_pan_transition", frames, 1.0, 0, camera=_camera(6, yaw_deg=20))
    assert not torch.equal(left, right)  # the whip follows the camera's pan direction
    wide = apply_effect("inception_fold", frames, 1.0, 0, camera=_camera(6))  # the camera's 60° fov
    assert wide.shape == frames.shape


def test_bullet_time_orbit_follows_the_camera_turn(clip):
    frames, _ = clip
    a = apply_effect("bullet_time", frames, 1.0, 0, camera=_camera(6, yaw_deg=15))
    b = apply_effect("bullet_time", frames, 1.0, 0, camera=_camera(6, yaw_deg=-15))
    assert a.shape == b.shape and not torch.allclose(a, b)
    torch.testing.assert_close(a[0], b[0])  # same start, mirrored swing


def test_dolly_zoom_with_a_mask_keeps_the_subject_pixels():
    frames = _texture(5, 48, 80)
    mask = torch.zeros(48, 80)
    mask[14:34, 30:50] = 1.0
    out = apply_effect("dolly_zoom", frames, 1.0, 0, mask=mask)
    torch.testing.assert_close(out[:, 18:30, 34:46], frames[:, 18:30, 34:46], atol=1e-4, rtol=0)  # subject stays
    assert float((out[-1, :8] - frames[-1, :8]).abs().mean()) > 0.1  # the background zoomed
    torch.testing.assert_close(out[0], frames[0], atol=1e-4, rtol=0)  # no zoom yet on the first frame
