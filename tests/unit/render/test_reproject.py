"""2.5D renderer: geometry against closed forms, disocclusion holes, filling, bad input, API contract."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from render_scenes import EYE, ZERO, camera, decoded, pixel_centres, ramp_image, rot

from draw_to_video.camera.lens import focal_px, intrinsics
from draw_to_video.core.params import FILL_MODES
from draw_to_video.render.reproject import RenderResult, render_views


def smooth_depth(h: int, w: int) -> torch.Tensor:
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    return 1.0 + 0.3 * torch.sin(3 * xx) * torch.cos(2 * yy) + 0.2 * yy


H, W = 72, 128


def test_result_contract():
    img = ramp_image(H, W)
    cam = camera([(EYE, ZERO), (rot(yaw=2), ZERO), (EYE, np.array([0.02, 0.0, 0.0]))])
    res = render_views(img, cam, smooth_depth(H, W))
    assert isinstance(res, RenderResult)
    assert res.frames.shape == (3, H, W, 3) and res.frames.dtype == torch.float32
    assert res.holes.shape == (3, H, W) and res.holes.dtype == torch.float32
    assert res.coverage.shape == (3,) and res.depth.shape == (H, W)
    assert float(res.frames.min()) >= 0.0 and float(res.frames.max()) <= 1.0
    # frame 0 is the source view itself
    assert torch.allclose(res.frames[0], img, atol=1e-5)
    assert float(res.coverage[0]) == 1.0


@pytest.mark.parametrize("yaw,pitch,roll,fov1", [(4.0, 0.0, 0.0, 50.0), (-3.0, 2.0, 5.0, 50.0), (2.0, -1.5, 0.0, 40.0)])
def test_pure_rotation_is_the_homography(yaw, pitch, roll, fov1):
    """A rotating camera (plus a focal change) needs no depth: target = K1 · R · K0⁻¹ · source, within 0.5 px."""
    img = ramp_image(H, W)
    r1 = rot(yaw, pitch, roll)
    cam = camera([(EYE, ZERO), (r1, ZERO)], fov=[50.0, fov1])
    res = render_views(img, cam, smooth_depth(H, W), fill="none")
    k0, k1 = intrinsics(50.0, W, H), intrinsics(fov1, W, H)
    # target pixel -> source pixel: K0 · R_rel⁻¹ · K1⁻¹, with R_rel = w2c_1 · c2w_0 = r1ᵀ
    hom = k0 @ r1 @ np.linalg.inv(k1)
    p = pixel_centres(H, W)
    q = np.concatenate([p, np.ones((H, W, 1))], -1) @ hom.T
    expect = q[..., :2] / q[..., 2:]
    got = decoded(res.frames[1], H, W)
    valid = res.holes[1].numpy() == 0
    inside = (expect[..., 0] > 1) & (expect[..., 0] < W - 1) & (expect[..., 1] > 1) & (expect[..., 1] < H - 1)
    assert valid[inside].mean() > 0.99, "pixels that see the source must not be holes"
    err = np.linalg.norm(got - expect, axis=-1)[valid & inside]
    assert err.max() < 0.5, f"max error {err.max():.3f} px"
    assert err.mean() < 0.05


@pytest.mark.parametrize("t", [(0.04, 0.0, 0.0), (0.0, -0.03, 0.0), (0.03, 0.02, 0.0)])
def test_fronto_parallel_plane_shifts_by_f_t_over_z(t):
    img = ramp_image(H, W)
    z = 1.0
    cam = camera([(EYE, ZERO), (EYE, np.array(t))], fov=55.0)
    res = render_views(img, cam, torch.full((H, W), z), fill="none")
    f = focal_px(55.0, W)
    shift = np.array([f * t[0] / z, f * t[1] / z])  # the image moves against the camera: u' = u - f·t/z
    expect = pixel_centres(H, W) + shift  # the source position seen at each target pixel
    got = decoded(res.frames[1], H, W)
    valid = res.holes[1].numpy() == 0
    inside = (expect[..., 0] > 1) & (expect[..., 0] < W - 1) & (expect[..., 1] > 1) & (expect[..., 1] < H - 1)
    assert valid[inside].mean() > 0.99
    err = np.linalg.norm(got - expect, axis=-1)[valid & inside]
    assert err.max() < 0.5 and err.mean() < 0.05
    # and what leaves the source is a hole (outside the original view)
    assert (res.holes[1].numpy()[~inside & ((expect[..., 0] < -1) | (expect[..., 0] > W + 1))] == 1).all()


def test_dolly_forward_on_a_plane_scales_about_the_centre():
    img = ramp_image(H, W)
    cam = camera([(EYE, ZERO), (EYE, np.array([0.0, 0.0, 0.2]))], fov=50.0)
    res = render_views(img, cam, torch.ones(H, W), fill="none")
    centre = np.array([W / 2, H / 2])
    expect = centre + (pixel_centres(H, W) - centre) * (0.8 / 1.0)  # magnified by z / (z - tz)
    got = decoded(res.frames[1], H, W)
    err = np.linalg.norm(got - expect, axis=-1)
    assert float(res.coverage[1]) > 0.99  # magnified, yet no cracks
    assert err.max() < 0.5 and err.mean() < 0.05


def two_planes(h: int, w: int, z_fg: float, z_bg: float):
    """A foreground square (rows/cols 1/4..3/4) at z_fg in front of a background plane at z_bg."""
    depth = torch.full((h, w), z_bg)
    r0, r1, c0, c1 = h // 4, 3 * h // 4, w // 4, 3 * w // 4
    depth[r0:r1, c0:c1] = z_fg
    return depth, (r0, r1, c0, c1)


def test_holes_are_exactly_the_disocclusion():
    h, w = 96, 160
    z_fg, z_bg, tx = 0.8, 2.0, 0.06
    depth, (r0, r1, c0, c1) = two_planes(h, w, z_fg, z_bg)
    img = torch.rand(h, w, 3, generator=torch.Generator().manual_seed(1))
    fov = 60.0
    cam = camera([(EYE, ZERO), (EYE, np.array([tx, 0.0, 0.0]))], fov=fov)
    res = render_views(img, cam, depth, fill="none")
    f = focal_px(fov, w)
    s_fg, s_bg = f * tx / z_fg, f * tx / z_bg  # leftward shifts in pixels
    xs = np.arange(w) + 0.5
    ys = np.arange(h) + 0.5
    # disoccluded: background that the square hid (right of the moved square, within its rows) ...
    hid = (xs[None, :] > c1 - s_fg) & (xs[None, :] < c1 - s_bg) & (ys[:, None] > r0) & (ys[:, None] < r1)
    # ... and the strip entering on the right that the source never saw
    out = np.broadcast_to(xs[None, :] > w - s_bg, (h, w))
    expect = hid | out
    got = res.holes[1].numpy() > 0.5
    # ignore 1 px around the analytic boundaries (pixel quantization)
    from scipy.ndimage import binary_dilation, binary_erosion

    core_hole = binary_erosion(expect, iterations=1)
    core_seen = ~binary_dilation(expect, iterations=1)
    assert got[core_hole].all(), "every disoccluded pixel must be a hole"
    assert not got[core_seen].any(), "no hole where the surface is visible (no cracks, no false tears)"
    assert 0.95 < got.sum() / expect.sum() < 1.05


def test_background_first_fill_uses_the_background_colour():
    h, w = 96, 160
    depth, (r0, r1, c0, c1) = two_planes(h, w, 0.8, 2.0)
    img = torch.zeros(h, w, 3)
    img[..., 2] = 0.9  # blue background
    img[r0:r1, c0:c1] = torch.tensor([0.9, 0.1, 0.1])  # red square in front
    cam = camera([(EYE, ZERO), (EYE, np.array([0.06, 0.0, 0.0]))], fov=60.0)
    for fill in ("background", "stretch"):
        res = render_views(img, cam, depth, fill=fill)
        hole = res.holes[1] > 0.5
        filled = res.frames[1][hole]
        assert hole.sum() > 100
        assert float(filled[:, 2].mean()) > 0.8 and float(filled[:, 0].mean()) < 0.15, fill
    res = render_views(img, cam, depth, fill="none")
    assert float(res.frames[1][res.holes[1] > 0.5].abs().max()) == 0.0


def test_chunking_and_progress_do_not_change_the_result():
    img = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(2))
    poses = [(rot(yaw=i * 0.8), np.array([0.01 * i, 0.0, 0.02 * i])) for i in range(7)]
    cam = camera(poses, fov=np.linspace(50, 40, 7))
    calls = []
    a = render_views(img, cam, smooth_depth(H, W), chunk_size=3, on_progress=lambda d, t: calls.append((d, t)))
    b = render_views(img, cam, smooth_depth(H, W), chunk_size=8)
    assert torch.allclose(a.frames, b.frames, atol=1e-5) and torch.equal(a.holes, b.holes)
    assert calls == [(i, 7) for i in range(1, 8)]


@pytest.mark.parametrize("h,w,n", [(64, 40, 1), (33, 97, 4), (2, 2, 2)])
def test_any_frame_count_and_aspect(h, w, n):
    img = torch.rand(h, w, 3, generator=torch.Generator().manual_seed(3))
    cam = camera([(rot(yaw=i), np.array([0.01 * i, 0, 0])) for i in range(n)])
    res = render_views(img, cam)
    assert res.frames.shape == (n, h, w, 3)
    assert torch.isfinite(res.frames).all()


def test_lens_effects_blur_but_keep_shape():
    img = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(4))
    cam = camera([(EYE, ZERO), (rot(yaw=3), np.array([0.05, 0, 0]))])
    depth, _ = two_planes(H, W, 0.5, 2.0)
    base = render_views(img, cam, depth)
    dof = render_views(img, cam, depth, depth_of_field=4.0)
    mb = render_views(img, cam, depth, motion_blur=1.0)
    for r in (dof, mb):
        assert r.frames.shape == base.frames.shape and torch.isfinite(r.frames).all()
    lap = lambda x: (x[1:-1, 1:-1] * 4 - x[:-2, 1:-1] - x[2:, 1:-1] - x[1:-1, :-2] - x[1:-1, 2:]).abs().mean()  # noqa: E731
    assert lap(mb.frames[1]) < 0.8 * lap(base.frames[1])
    assert lap(dof.frames[1]) < 0.8 * lap(base.frames[1])


def test_bad_depth_raises_clear_errors():
    img = torch.rand(H, W, 3)
    cam = camera([(EYE, ZERO), (EYE, np.array([0.01, 0, 0]))])
    with pytest.raises(ValueError, match="resize the depth"):
        render_views(img, cam, torch.ones(H + 1, W))
    bad = torch.ones(H, W)
    bad[3, 4] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        render_views(img, cam, bad)
    with pytest.raises(ValueError, match="zeros"):
        render_views(img, cam, torch.zeros(H, W))
    with pytest.raises(ValueError, match=r"\[H, W\]"):
        render_views(img, cam, torch.ones(1, H, W))


def test_bad_image_and_parameters_raise():
    cam = camera([(EYE, ZERO)])
    with pytest.raises(ValueError, match="shape"):
        render_views(torch.rand(H, W), cam)
    img = torch.rand(H, W, 3)
    img[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        render_views(img, cam)
    img = torch.rand(H, W, 3)
    with pytest.raises(ValueError, match="fill"):
        render_views(img, cam, fill="smear")
    with pytest.raises(ValueError, match="motion_blur"):
        render_views(img, cam, motion_blur=2.0)
    with pytest.raises(ValueError, match="chunk_size"):
        render_views(img, cam, chunk_size=0)
    assert "background" in FILL_MODES


def test_batched_chunks_equal_frame_by_frame():
    """The GPU path renders a chunk of frames per pass; on CPU the same code, batched, must give the same frames."""
    from draw_to_video.render.depth import sharpen_depth_edges
    from draw_to_video.render.reproject import _render_chunk, _Source

    img = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(5))
    depth = sharpen_depth_edges(two_planes(H, W, 0.6, 1.5)[0])
    poses = [(rot(yaw=i, roll=0.5 * i), np.array([0.02 * i, -0.01 * i, 0.08 * i])) for i in range(5)]
    cam = camera(poses, fov=np.linspace(50, 30, 5))  # magnified frames exercise the coarse splats per frame
    K = cam.intrinsics(W, H)
    rel = cam.w2c() @ cam.c2w[0]
    src = _Source.build(img, depth, K[0])
    for fill in ("background", "stretch", "none"):
        batched = _render_chunk(src, K, rel, fill)
        single = [_render_chunk(src, K[i:i + 1], rel[i:i + 1], fill) for i in range(5)]
        for j in range(4):
            assert torch.allclose(batched[j], torch.cat([s[j] for s in single]), atol=1e-4), (fill, j)


def test_only_the_motion_relative_to_frame_0_matters():
    """A trajectory moved as a whole (frame 0 not at the origin) renders the same frames."""
    img = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(6))
    poses = [(rot(yaw=2 * i), np.array([0.02 * i, 0.0, 0.03 * i])) for i in range(4)]
    cam = camera(poses)
    g = np.eye(4)
    g[:3, :3] = rot(30, -10, 5)
    g[:3, 3] = [1.0, -2.0, 0.5]
    moved = camera([((g @ m)[:3, :3], (g @ m)[:3, 3]) for m in cam.c2w])
    a = render_views(img, cam, smooth_depth(H, W))
    b = render_views(img, moved, smooth_depth(H, W))
    assert torch.allclose(a.frames, b.frames, atol=2e-3) and (a.holes != b.holes).float().mean() < 1e-3


# --- lens kernels (render/lens.py: one depth of field and one motion blur, used by the render and the effects) ---

def _spread(y: torch.Tensor) -> tuple[float, float, float]:
    """(mass, centroid x, sigma x) of a [H, W] response, pixel centres at +0.5."""
    col = y.double().sum(0)
    xs = torch.arange(col.numel(), dtype=torch.float64) + 0.5
    mass = float(col.sum())
    cx = float((col * xs).sum()) / mass
    return mass, cx, float(((col * (xs - cx) ** 2).sum() / mass) ** 0.5)


@pytest.mark.parametrize("radius", [1.5, 3.0, 4.5, 12.0, 40.0])
def test_blur_by_radius_spreads_like_its_disc_and_moves_nothing(radius):
    from draw_to_video.render.lens import blur_by_radius

    for x0 in (128, 129, 131):  # sub-cell positions of the coarse levels: the same blur, not shifted
        img = torch.zeros(1, 1, 256, 256)
        img[..., 128, x0] = 1.0
        mass, cx, sigma = _spread(blur_by_radius(img, torch.full((1, 256, 256), radius))[0, 0])
        assert mass == pytest.approx(1.0, abs=1e-4)
        assert cx == pytest.approx(x0 + 0.5, abs=1e-3)
        assert sigma == pytest.approx(radius / 2, rel=0.12)  # a disc of radius R has sigma R / 2


def test_blur_by_radius_leaves_radius_zero_bit_exact():
    from draw_to_video.render.lens import blur_by_radius

    img = torch.rand(2, 3, 40, 64, generator=torch.Generator().manual_seed(7))
    radius = torch.zeros(2, 40, 64)
    assert torch.equal(blur_by_radius(img, radius), img)
    radius[:, :, 32:] = 20.0  # right half far out of focus
    out = blur_by_radius(img, radius)
    assert torch.equal(out[..., :32], img[..., :32])  # gather-style: the sharp half stays sharp
    assert float(out[..., 40:].std()) < 0.3 * float(img[..., 40:].std())


def test_camera_motion_of_a_sideways_move_is_f_t_over_z():
    from draw_to_video.render.lens import camera_motion

    k = intrinsics(50.0, W, H)[None]
    rel = np.eye(4)[None].copy()
    rel[0, 0, 3] = -0.03  # the camera moves +0.03 in x: points move -0.03 in its coordinates
    depth = torch.full((1, H, W), 2.0)
    m = camera_motion(depth, k, k, rel)
    assert m.shape == (1, 2, H, W)
    torch.testing.assert_close(m[:, 0], torch.full((1, H, W), -focal_px(50.0, W) * 0.03 / 2.0))
    assert float(m[:, 1].abs().max()) < 1e-4
    assert float(camera_motion(depth, k, k, np.eye(4)[None]).abs().max()) < 1e-4


def test_blur_along_motion_smears_along_the_motion_only_and_centred():
    from draw_to_video.render.lens import blur_along_motion

    img = torch.zeros(1, 1, 32, 64)
    img[..., 16, 32] = 1.0
    motion = torch.zeros(1, 2, 32, 64)
    assert torch.equal(blur_along_motion(img, motion), img)  # nothing moves: unchanged
    motion[:, 0] = 12.0  # 12 px of travel while the shutter is open
    out = blur_along_motion(img, motion)[0, 0]
    mass, cx, sigma = _spread(out)
    assert mass == pytest.approx(1.0, abs=1e-3) and cx == pytest.approx(32.5, abs=1e-3)  # centred on the frame time
    assert sigma == pytest.approx(12.0 / 12 ** 0.5, rel=0.15)  # a 12 px box
    assert float(out[:15].abs().max()) == 0.0 and float(out[18:].abs().max()) == 0.0  # not across the motion
    half = blur_along_motion(img, motion, scale=0.5)[0, 0]  # taps from half resolution: about the same smear
    assert _spread(half)[2] == pytest.approx(sigma, rel=0.25)


def test_magnification_and_frame_depth_of_a_zoom_and_a_dolly():
    """A 2x zoom spreads every source pixel over 4 output pixels; a flat wall at depth 1 seen after a dolly of 0.25
    toward it is at depth 0.75 in that frame, and magnified by (1 / 0.75)^2."""
    img = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(7))
    flat = torch.ones(H, W)
    half = 2 * np.degrees(np.arctan(np.tan(np.radians(30)) / 2))  # the FOV of a 2x zoom from 60 degrees
    zoom = camera([(np.eye(3), np.zeros(3))] * 2, fov=np.array([60.0, half]))
    r = render_views(img, zoom, flat, guide_maps=True)
    inner = (slice(None), slice(4, -4), slice(4, -4))
    assert r.magnification.shape == (2, H, W) and r.frame_depth.shape == (2, H, W)
    assert torch.allclose(r.magnification[0][inner[1:]], torch.ones(1), atol=1e-3)
    assert torch.allclose(r.magnification[1][inner[1:]], torch.full((1,), 4.0), atol=1e-2)
    assert float(r.stretched[0]) == 0.0 and float(r.stretched[1]) > 0.95
    assert float(render_views(img, zoom, flat).stretched[1]) > 0.95  # the cheaper estimate without guide maps
    dolly = camera([(np.eye(3), np.zeros(3)), (np.eye(3), np.array([0.0, 0.0, 0.25]))])
    d = render_views(img, dolly, flat, guide_maps=True)
    assert torch.allclose(d.frame_depth[1][inner[1:]], torch.full((1,), 0.75), atol=1e-4)
    assert torch.allclose(d.magnification[1][inner[1:]], torch.full((1,), (1 / 0.75) ** 2), atol=1e-2)
    assert render_views(img, dolly, flat).frame_depth.shape == (0, H, W)  # kept only on request


def test_magnification_ignores_holes_and_depth_edges():
    """Disocclusions are holes (0), and the jump of the source coordinates across a depth edge is not stretch."""
    img = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(8))
    depth, _ = two_planes(H, W, 0.6, 1.5)
    cam = camera([(np.eye(3), np.zeros(3)), (np.eye(3), np.array([0.08, 0.0, 0.0]))])
    r = render_views(img, cam, depth, guide_maps=True)
    assert r.holes[1].sum() > 0
    assert float(r.magnification[1][r.holes[1] > 0].abs().max()) == 0.0
    shown = r.magnification[1][r.holes[1] == 0]
    assert float(torch.quantile(shown, 0.99)) < 1.5  # a sideways step magnifies nothing
