"""conditioning/svd.py: SVD conditioning structure, latent noise masks, the dual-clock release, frames and buckets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from draw_to_video.camera.trajectory import CameraTrajectory, resample_trajectory
from draw_to_video.conditioning import svd as g


def karras(n: int, sigma_min=0.002, sigma_max=700.0, rho=7.0) -> torch.Tensor:
    """A Karras schedule of ``n`` steps (+ the trailing 0), as ComfyUI's 'karras' scheduler gives SVD."""
    ramp = torch.linspace(0, 1, n, dtype=torch.float64)
    s = (sigma_max ** (1 / rho) + ramp * (sigma_min ** (1 / rho) - sigma_max ** (1 / rho))) ** rho
    return torch.cat([s, torch.zeros(1, dtype=torch.float64)]).float()


def dolly(frames: int, distance: float, pan_deg: float = 0.0) -> CameraTrajectory:
    c2w = np.tile(np.eye(4), (frames, 1, 1))
    for i, a in enumerate(np.linspace(0.0, 1.0, frames)):
        th = np.radians(pan_deg * a)
        c2w[i, :3, :3] = [[np.cos(th), 0, np.sin(th)], [0, 1, 0], [-np.sin(th), 0, np.cos(th)]]
        c2w[i, 2, 3] = distance * a
    ones = np.ones(frames)
    return CameraTrajectory(c2w=c2w, fov_deg=ones * 60.0, focal_length_mm=ones * 31.2, focus_distance=ones,
                            aperture=ones * 8.0, fps=12.0)


# --- conditioning ---------------------------------------------------------------------------------------------
def test_conditioning_structure_equals_core_node():
    """Same structure, keys, values and tensors as core SVD_img2vid_Conditioning.encode builds them."""
    pooled = torch.randn(1, 1, 1024)
    t = torch.randn(1, 4, 9, 16)
    pos, neg = g.svd_conditioning(pooled, t, 127, 6, 0.02)
    assert len(pos) == 1 and len(neg) == 1
    assert pos[0][0] is pooled
    assert pos[0][1].keys() == {"motion_bucket_id", "fps", "augmentation_level", "concat_latent_image"}
    assert pos[0][1]["concat_latent_image"] is t
    assert (pos[0][1]["motion_bucket_id"], pos[0][1]["fps"], pos[0][1]["augmentation_level"]) == (127, 6, 0.02)
    assert torch.equal(neg[0][0], torch.zeros_like(pooled))
    assert torch.equal(neg[0][1]["concat_latent_image"], torch.zeros_like(t))
    assert {k: v for k, v in neg[0][1].items() if k != "concat_latent_image"} == \
        {k: v for k, v in pos[0][1].items() if k != "concat_latent_image"}
    lat = g.empty_latent(14, 1024, 576)
    assert lat.keys() == {"samples"} and lat["samples"].shape == (14, 4, 72, 128)
    assert not lat["samples"].any()
    assert g.empty_latent(3, 100, 60)["samples"].shape == (3, 4, 7, 12)  # floors like the core node


# --- masks ------------------------------------------------------------------------------------------------------
def test_latent_holes_max_pool_and_dilate():
    holes = torch.zeros(3, 64, 96)
    holes[1, 10, 50] = 1  # one pixel -> its latent cell (row 1, col 6)
    holes[2, :, :8] = 1  # a left strip of 8 px -> latent column 0
    cells = g.latent_holes(holes, (8, 12), dilate=0)
    assert cells.shape == (3, 8, 12)
    assert cells[0].sum() == 0
    assert cells[1].sum() == 1 and cells[1, 1, 6] == 1
    assert torch.equal(cells[2, :, 0], torch.ones(8)) and cells[2, :, 1:].sum() == 0
    grown = g.latent_holes(holes, (8, 12), dilate=1)
    assert grown[1].sum() == 9 and grown[1, 0:3, 5:8].all()
    assert grown[2, :, :2].all() and grown[2, :, 2:].sum() == 0


def test_guidance_noise_mask_values():
    cells = torch.zeros(4, 5, 6)
    cells[2, 1:3, 2:4] = 1
    cells[0, 0, 0] = 1  # even a hole in frame 0 is kept: frame 0 is the input image
    for strength in (1.0, 0.7, 0.0):
        m = g.guidance_noise_mask(cells, strength)
        assert m.shape == (4, 1, 5, 6) and m.dtype == torch.float32
        assert not m[0].any(), "frame 0 must be kept (mask 0)"
        assert torch.all(m[2, 0, 1:3, 2:4] == 1), "holes must be free (mask 1)"
        visible = m[1:, 0][cells[1:] < 0.5]
        assert torch.allclose(visible, torch.full_like(visible, 1 - strength))
    with pytest.raises(ValueError, match="strength"):
        g.guidance_noise_mask(cells, 1.5)
    with pytest.raises(ValueError, match="holes"):
        g.latent_holes(torch.zeros(4, 4), (1, 1))


# --- the dual clock ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps,release,locked_steps", [(10, 0.4, 4), (10, 0.0, 0), (10, 1.0, 10), (2, 0.5, 1),
                                                        (25, 0.3, 8), (3, 0.5, 2)])
def test_mask_function_releases_at_the_right_sigma(steps, release, locked_steps):
    sigmas = karras(steps)
    frames = 3
    mask = g.guidance_noise_mask(torch.zeros(frames, 2, 2), 1.0).expand(frames, 4, 2, 2).clone()
    fn = g.DualClockMask(release=release, frames=frames)
    assert g.release_step(steps, release) == locked_steps
    for i in range(steps):
        sigma = sigmas[i].repeat(frames)  # KSamplerX0Inpaint passes the per-sample sigma [B]
        out = fn(sigma, mask, {"model": None, "sigmas": sigmas})
        assert out.shape == mask.shape
        if i < locked_steps:
            assert torch.equal(out, mask), f"step {i} (sigma {float(sigmas[i]):.4g}) should still be locked"
        else:
            assert not out[0].any(), "frame 0 stays kept after the release"
            assert torch.all(out[1:] == 1), f"step {i} (sigma {float(sigmas[i]):.4g}) should run free"
        if i + 1 < steps and i < locked_steps:  # a two-stage sampler's midpoint inside a locked step is locked
            mid = torch.sqrt(sigmas[i] * sigmas[i + 1]).repeat(frames)
            assert torch.equal(fn(mid, mask, {"sigmas": sigmas}), mask)


def test_mask_function_chains_an_existing_one():
    sigmas = karras(4)
    mask = torch.zeros(2, 4, 2, 2)
    seen = []

    def previous(sigma, m, extra_options):
        seen.append(float(m.mean()))
        return m * 0.5

    fn = g.DualClockMask(release=0.5, frames=2, then=previous)
    assert torch.equal(fn(sigmas[0].repeat(2), mask, {"sigmas": sigmas}), mask * 0.5)
    out = fn(sigmas[3].repeat(2), mask, {"sigmas": sigmas})
    assert torch.all(out[1] == 0.5) and not out[0].any() and seen == [0.0, 0.5]


def test_released_mask_keeps_frame_zero_of_each_clip():
    mask = torch.zeros(6, 4, 2, 2)  # two clips of 3 frames batched
    out = g.released_mask(mask, 3)
    assert not out[0].any() and not out[3].any()
    assert torch.all(out[[1, 2, 4, 5]] == 1)
    assert torch.all(g.released_mask(mask, 3, keep_first=False) == 1)


def test_dual_clock_sampling_loop_holds_visible_cells_until_release():
    """The mask function inside ComfyUI's inpainting blend (KSamplerX0Inpaint: x*m + noised_latent*(1-m), then
    out*m + latent*(1-m)) with an Euler loop: release 1 returns the render in visible cells, release 0 doesn't."""
    torch.manual_seed(0)
    frames, steps = 3, 6
    sigmas = karras(steps)
    render = torch.randn(frames, 4, 4, 4)
    cells = torch.zeros(frames, 4, 4)
    cells[1:, :, :2] = 1  # left half of frames 1.. are holes
    mask = g.guidance_noise_mask(cells, 1.0).expand(frames, 4, 4, 4)
    noise = torch.randn_like(render)

    def run(release):
        fn = g.DualClockMask(release=release, frames=frames)
        x = render + noise * sigmas[0]
        for i in range(steps):
            s = sigmas[i]
            m = fn(s.repeat(frames), mask, {"sigmas": sigmas})
            x = x * m + (render + noise * s) * (1 - m)
            denoised = torch.tanh(x) * 0.5  # a stand-in "model": anything that is not the render
            denoised = denoised * m + render * (1 - m)
            x = denoised + (x - denoised) / s * sigmas[i + 1]  # Euler step
        return x

    locked, free = run(1.0), run(0.0)
    vis = torch.zeros_like(mask, dtype=torch.bool)
    vis[1:, :, :, 2:] = True
    assert torch.allclose(locked[vis], render[vis], atol=1e-5)
    assert not torch.allclose(free[vis], render[vis], atol=1e-2)
    assert torch.allclose(locked[0], render[0], atol=1e-5) and torch.allclose(free[0], render[0], atol=1e-5)


# --- frames, trajectories, buckets -----------------------------------------------------------------------------
def test_resolve_frames_and_resample():
    cam = dolly(25, 0.5, pan_deg=20)
    assert g.resolve_frames(0, None) == 14 and g.resolve_frames(0, cam) == 25 and g.resolve_frames(7, cam) == 7
    with pytest.raises(ValueError):
        g.resolve_frames(-1, cam)
    assert resample_trajectory(cam, 25) is cam
    r = resample_trajectory(cam, 14)
    assert r.frames == 14
    np.testing.assert_allclose(r.c2w[0], cam.c2w[0], atol=1e-9)
    np.testing.assert_allclose(r.c2w[-1], cam.c2w[-1], atol=1e-9)
    np.testing.assert_allclose(r.c2w[:, 2, 3], np.linspace(0, 0.5, 14), atol=1e-9)
    yaw = np.degrees(np.arctan2(r.c2w[:, 0, 2], r.c2w[:, 2, 2]))
    np.testing.assert_allclose(yaw, np.linspace(0, 20, 14), atol=1e-6)
    assert r.fps == pytest.approx(12.0 * 13 / 24)
    still = resample_trajectory(dolly(1, 0.0), 5)
    assert still.frames == 5 and np.allclose(still.c2w, np.eye(4))


def test_guide_size_limit_is_a_clear_error():
    g.check_guide_size(25, 1024, 576)
    with pytest.raises(ValueError, match="lower video_frames"):
        g.check_guide_size(4096, 1024, 576)


def test_resolve_motion_bucket_without_camera_is_core_default():
    assert g.resolve_motion_bucket(0, None, 1024, 576) == 127
    assert g.resolve_motion_bucket(200, dolly(5, 1.0), 1024, 576) == 200
    with pytest.raises(ValueError):
        g.resolve_motion_bucket(-3, None, 64, 64)


def test_auto_motion_bucket_monotone_in_speed():
    buckets = [g.resolve_motion_bucket(0, dolly(14, 0.0, pan_deg=p), 1024, 576) for p in (0, 2, 5, 10, 20, 40, 80)]
    assert all(1 <= b <= 255 for b in buckets)
    assert buckets == sorted(buckets), buckets
    assert buckets[-1] > buckets[1], "a fast pan must ask for more motion than a slow one"


def test_guide_preview_layout():
    frames = torch.rand(3, 16, 24, 3)
    holes = torch.zeros(3, 16, 24)
    holes[1, :, :4] = 1
    mask = g.guidance_noise_mask(g.latent_holes(holes, (2, 3), dilate=0), 1.0)
    p = g.guide_preview(frames, holes, mask)
    assert p.shape == (3, 32, 24, 3) and p.min() >= 0 and p.max() <= 1
    assert torch.allclose(p[1, 0, 0], torch.tensor([1.0, 0.0, 1.0]) * 0.6 + frames[1, 0, 0] * 0.4)
    assert torch.all(p[0, 16:] == 0) and torch.all(p[1, 16:, :8] == 1) and torch.all(p[1, 16:, 8:] == 0)
    assert g.guide_preview(frames, holes, None).shape == (3, 16, 24, 3)


def test_guide_from_the_real_renderer_pan():
    """render_views (camera/render.py) -> latent holes -> noise mask: a pan right opens holes at the right edge only,
    frame 0 is the image and is kept, and the renders move as the camera says."""
    from draw_to_video.render.reproject import render_views

    rng = np.random.default_rng(0)
    image = torch.from_numpy(rng.uniform(0, 1, (64, 96, 3)).astype(np.float32))
    image = torch.nn.functional.avg_pool2d(image.permute(2, 0, 1)[None], 3, 1, 1)[0].permute(1, 2, 0)  # texture
    cam = dolly(4, 0.0, pan_deg=9.0)
    res = render_views(image, cam, torch.ones(64, 96), fill="background")
    assert torch.allclose(res.frames[0], image, atol=1e-4) and res.holes[0].sum() == 0
    cells = g.latent_holes(res.holes, g.latent_size(96, 64))
    mask = g.guidance_noise_mask(cells, 1.0)
    assert mask.shape == (4, 1, 8, 12) and not mask[0].any()
    assert mask[-1, 0, :, -1].all() and not mask[-1, 0, :, :4].any(), "holes open on the right of a pan right"
    assert mask[1:].mean() < 0.5
    f = 96 / 2 / np.tan(np.radians(30))  # 60 degree horizontal fov
    shift = -f * np.tan(np.radians(9.0))
    col = int(round(48 + shift))  # where the frame-0 centre column lands in the last frame
    np.testing.assert_allclose(res.frames[-1][:, col], image[:, 48], atol=0.08)


def test_diffusers_form_of_the_masked_euler_step_is_comfyuis():
    """pipelines/svd_diffusers steps an unmasked Euler sampler from the blended input and corrects the result
    (inpaint_input, inpaint_euler_step); that must equal ComfyUI's masked Euler step (model on the blended input,
    denoised blended, the state stepped) for soft masks too, and step_mask must be DualClockMask's choice."""
    torch.manual_seed(1)
    sigmas = karras(5)
    ref, noise = torch.randn(3, 4, 4, 4), torch.randn(3, 4, 4, 4)
    mask = torch.rand(3, 1, 4, 4)
    mask[0] = 0
    x = ref + noise * sigmas[0]

    def model(x_in, s):  # a stand-in denoiser: anything nonlinear
        return torch.tanh(x_in / (1 + s)) * 0.7

    x_comfy = x_diff = x
    for i in range(5):
        s, s_next = float(sigmas[i]), float(sigmas[i + 1])
        m = g.step_mask(mask, s, sigmas, 0.4, 3)
        assert torch.equal(m, g.DualClockMask(release=0.4, frames=3)(torch.tensor([s] * 3), mask, {"sigmas": sigmas}))
        x_in = x_comfy * m + (ref + noise * s) * (1 - m)  # KSamplerX0Inpaint
        den = model(x_in, s) * m + ref * (1 - m)
        x_comfy = x_comfy + (x_comfy - den) / s * (s_next - s)  # sample_euler
        x_in2 = g.inpaint_input(x_diff, m, ref, noise, s)
        raw = model(x_in2, s)
        stepped = x_in2 + (x_in2 - raw) / s * (s_next - s)  # an unmasked Euler step from the blended input
        x_diff = g.inpaint_euler_step(stepped, x_diff, x_in2, m, ref, s, s_next)
        torch.testing.assert_close(x_diff, x_comfy, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x_diff[0], ref[0], atol=1e-5, rtol=1e-5)
