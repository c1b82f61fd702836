"""Depth inputs: normalization, loading from files/tensors, the no-model heuristic, edge detection."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from draw_to_video.render.depth import (
    depth_edges,
    depth_frames,
    load_depth,
    nearness,
    normalize_depth,
    sharpen_depth_edges,
)
from draw_to_video.render.estimate import estimate_depth


def test_normalize_depth_and_disparity():
    raw = torch.linspace(2.0, 10.0, 50).repeat(40, 1)
    z = normalize_depth(raw, "depth")
    assert z.shape == (40, 50) and abs(float(z.median()) - 1.0) < 1e-3
    assert torch.allclose(z / z[0, 0], raw / raw[0, 0], rtol=1e-5)
    zd = normalize_depth(1.0 / raw, "disparity")  # the same scene given as disparity
    assert torch.allclose(zd, z, rtol=1e-4)


def test_disparity_zero_means_far_and_depth_zero_means_unknown():
    disp = torch.ones(10, 10)
    disp[:3] = 0.0  # sky in a Depth-Anything-style map
    z = normalize_depth(disp, "disparity")
    assert float(z[:3].min()) > 10 * float(z[5:].max())
    d = torch.ones(10, 10)
    d[0, 0] = 0.0
    assert float(normalize_depth(d, "depth")[0, 0]) == pytest.approx(1.0)


@pytest.mark.parametrize("bad,msg", [(torch.zeros(8, 8), "all zeros"), (torch.full((8, 8), float("nan")), "NaN"),
                                     (torch.ones(8), r"\[H, W\]"), (torch.ones(1, 1), "2x2")])
def test_normalize_rejects_bad_maps(bad, msg):
    with pytest.raises(ValueError, match=msg):
        normalize_depth(bad, "depth")
    with pytest.raises(ValueError, match="kind"):
        normalize_depth(torch.ones(4, 4), "inverse")


def test_load_depth_png16_npy_and_image_tensor(tmp_path):
    raw = (np.linspace(1000, 60000, 64 * 48).reshape(48, 64)).astype(np.uint16)
    png = tmp_path / "d.png"
    Image.fromarray(raw).save(png)
    assert Image.open(png).mode.startswith("I")
    z = load_depth(png, "depth")
    assert abs(float(z.median()) - 1.0) < 1e-6
    assert np.allclose(z.numpy() / float(z[0, 0]), raw.astype(np.float64) / raw[0, 0], rtol=1e-4)
    npy = tmp_path / "d.npy"
    np.save(npy, raw.astype(np.float32))
    assert torch.allclose(load_depth(npy, "depth"), z, rtol=1e-5)
    # a ComfyUI IMAGE from a depth preprocessor: [1, H, W, 3], bright = near (disparity)
    image = torch.from_numpy(raw.astype(np.float32) / 65535.0)[None, ..., None].expand(1, 48, 64, 3)
    zd = load_depth(image, "disparity")
    assert float(zd[0, 0]) > float(zd[-1, -1])  # first pixel has the smallest disparity -> farthest
    # resized to the image when the aspect matches, refused when it does not
    assert load_depth(npy, "depth", size=(96, 128)).shape == (96, 128)
    with pytest.raises(ValueError, match="aspect"):
        load_depth(npy, "depth", size=(100, 100))
    with pytest.raises(FileNotFoundError):
        load_depth(tmp_path / "missing.png", "depth")
    (tmp_path / "bad.npy").write_bytes(b"not an array")
    with pytest.raises(ValueError):
        load_depth(tmp_path / "bad.npy", "depth")


def test_estimate_depth_ground_and_sky():
    h, w = 120, 200
    img = torch.zeros(h, w, 3)
    img[: h // 2] = torch.tensor([0.5, 0.7, 0.95])  # flat sky
    g = torch.Generator().manual_seed(0)
    img[h // 2:] = torch.tensor([0.35, 0.3, 0.2]) + 0.1 * torch.rand(h - h // 2, w, 3, generator=g)  # textured ground
    z = estimate_depth(img)
    assert z.shape == (h, w) and torch.isfinite(z).all() and float(z.min()) > 0
    assert abs(float(z.median()) - 1.0) < 0.05
    rows = z.median(dim=1).values
    assert float(rows[5]) > float(rows[h // 2 + 10]) > float(rows[-5])  # sky far, ground nearer toward the bottom
    assert torch.all(rows[h // 2 + 5:].diff() <= 1e-3)  # the ground approaches monotonically


def test_depth_edges_ignore_slanted_planes_and_sharpening_snaps():
    h, w = 40, 60
    yy = torch.arange(h, dtype=torch.float32)[:, None].expand(h, w)
    plane = 1.0 / (0.2 + yy / h)  # a ground plane: disparity linear in y
    assert not depth_edges(plane).any()
    step = torch.ones(h, w)
    step[:, w // 2:] = 3.0
    soft = step.clone()
    soft[:, w // 2 - 1] = 1.6  # an estimator's soft ramp across the occlusion
    soft[:, w // 2] = 2.2
    e = depth_edges(soft)
    assert e[:, w // 2 - 2: w // 2 + 2].all() and not e[:, :w // 2 - 5].any()
    sharp = sharpen_depth_edges(soft)
    assert set(torch.unique(sharp).tolist()) <= {1.0, 3.0}
    assert torch.equal(sharpen_depth_edges(plane), plane)


def test_depth_frames_normalize_each_map_like_the_renderer():
    """The effects' depth input (an IMAGE, bright = near, any size, one map or one per frame) becomes the
    renderer's z-depth: each map through normalize_depth(kind="disparity"), median 1."""
    g = torch.Generator().manual_seed(3)
    disp = 0.05 + torch.rand(2, 24, 32, generator=g)
    disp[1] *= 3.0  # a second map at another scale: normalized on its own
    image = disp[..., None].expand(2, 24, 32, 3)
    z = depth_frames(image, 4, 24, 32, "cpu")
    assert z.shape == (4, 24, 32)
    for i, m in enumerate((0, 1, 1, 1)):  # frames past the last map reuse it
        torch.testing.assert_close(z[i], normalize_depth(disp[m], "disparity"))
    assert abs(float(z[1].median()) - 1.0) < 1e-5
    assert float(z[0].flatten()[disp[0].flatten().argmax()]) == float(z[0].min())  # brightest = nearest
    half = depth_frames(disp[0], 2, 12, 16, "cpu")  # one map, resized
    assert half.shape == (2, 12, 16) and torch.equal(half[0], half[1])
    with pytest.raises(ValueError, match="depth"):
        depth_frames(torch.full((8, 8), float("nan")), 1, 8, 8, "cpu")


def test_nearness_is_disparity_rescaled_per_map():
    z = torch.stack([torch.linspace(0.5, 4.0, 12).view(3, 4), torch.full((3, 4), 2.0)])
    n = nearness(z)
    assert float(n[0, 0, 0]) == 1.0 and float(n[0, -1, -1]) == 0.0  # nearest 1, farthest 0
    assert torch.all(n[0].flatten().diff() < 0)  # farther = less near
    torch.testing.assert_close(n[0], (1 / z[0] - 1 / 4.0) / (1 / 0.5 - 1 / 4.0))
    assert torch.equal(n[1], torch.zeros(3, 4))  # a flat map has no nearer part


# ---- the fallback estimate: piecewise smooth, steps only on the subject's outline ---------------------------------

def _disc_scene(h=160, w=240, cx=0.5, cy=0.6, r=0.22, seed=0):
    """A textured orange disc (a subject with spots: 'eyes' that must not tear) on a blue-grey backdrop."""
    g = torch.Generator().manual_seed(seed)
    img = torch.tensor([0.45, 0.5, 0.6]) + 0.04 * torch.rand(h, w, 3, generator=g)
    yy, xx = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
    disc = ((xx - cx * w) ** 2 + (yy - cy * h) ** 2).sqrt() < r * min(h, w)
    img[disc] = torch.tensor([0.9, 0.45, 0.15]) + 0.08 * torch.rand(int(disc.sum()), 3, generator=g)
    for dx in (-0.3, 0.3):  # two dark spots inside the disc
        spot = ((xx - (cx * w + dx * r * min(h, w))) ** 2 + (yy - cy * h) ** 2).sqrt() < 0.15 * r * min(h, w)
        img[spot] = 0.05
    return img.clamp(0, 1), disc


def _eroded(mask: torch.Tensor, px: int) -> torch.Tensor:
    return -F_max_pool(-mask.float(), px) > 0.5


def F_max_pool(x: torch.Tensor, r: int) -> torch.Tensor:
    return torch.nn.functional.max_pool2d(x[None, None], 2 * r + 1, 1, r)[0, 0]


def test_estimate_depth_subject_is_one_smooth_nearer_layer():
    img, disc = _disc_scene()
    z = estimate_depth(img, subject=(0.5, 0.6))
    inner = _eroded(disc, 4)
    assert not depth_edges(z)[inner].any()  # no step inside the subject, spots included
    assert not depth_edges(sharpen_depth_edges(z))[inner].any()
    ring = (F_max_pool(disc.float(), 8) > 0.5) & ~F_max_pool(disc.float(), 4).gt(0.5)  # just outside
    assert float(z[inner].median()) < float(z[ring].median())  # the subject is nearer than what surrounds it
    # there is an occlusion step, and it lies on the outline only
    e = depth_edges(sharpen_depth_edges(z))
    outline = F_max_pool(disc.float(), 3).gt(0.5) & ~_eroded(disc, 3)
    assert e.any() and float(e[~outline].float().mean()) < 0.002


def test_estimate_depth_subject_seed_moves_the_near_layer():
    img, disc_a = _disc_scene(cx=0.3, cy=0.6, r=0.15)
    img_b, disc_b = _disc_scene(cx=0.72, cy=0.6, r=0.15, seed=1)
    img[disc_b] = img_b[disc_b]  # two subjects; the seed picks one
    za = estimate_depth(img, subject=(0.3, 0.6))
    zb = estimate_depth(img, subject=(0.72, 0.6))
    a, b = _eroded(disc_a, 3), _eroded(disc_b, 3)
    assert float(za[a].median()) < float(za[b].median())
    assert float(zb[b].median()) < float(zb[a].median())


def test_estimate_depth_is_deterministic_and_device_free_of_global_state():
    img, _ = _disc_scene(seed=4)
    z1 = estimate_depth(img)
    torch.manual_seed(123)
    np.random.seed(7)
    z2 = estimate_depth(img)
    assert torch.equal(z1, z2)


def test_estimate_depth_on_a_face_is_smooth_and_keeps_parallax():
    """astronaut: no depth step across the face (eyes, mouth, skin one layer), and the renderer's depth still
    carries parallax."""
    skimage_data = pytest.importorskip("skimage.data")
    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.render.reproject import render_views

    img = torch.from_numpy(skimage_data.astronaut().copy()).float() / 255.0
    img = torch.nn.functional.interpolate(img.permute(2, 0, 1)[None], size=(256, 256), mode="area")[0]
    img = img.permute(1, 2, 0).contiguous()
    r = render_views(img, build_trajectory("dolly_in", frames=3, intensity=1.0), fill="none")
    # rows 60-144, cols 150-260 at 512 px: hair line to mouth; from row ~148 the suit's collar ring stands in front
    # of the neck (a real occlusion: the top of the subject layer, the suit)
    face = (slice(30, 72), slice(75, 130))
    assert not depth_edges(r.depth)[face].any()
    q = torch.quantile(r.depth.flatten(), torch.tensor([0.05, 0.95]))
    # 1.5 when the backdrop was one receding plane; the shuttle model standing on the table (foot at mid-height) now
    # stands the backdrop upright above its foot (render/estimate.contact_row), so the far end is nearer: ~1.39
    assert float(q[1] / q[0]) >= 1.3


@pytest.mark.parametrize("shape", [(2, 2), (1, 7), (7, 1), (5, 9), (1, 1)])
def test_estimate_depth_tiny_images(shape):
    g = torch.Generator().manual_seed(0)
    img = torch.rand(*shape, 3, generator=g)
    z = estimate_depth(img, subject=(0.5, 0.5))
    assert z.shape == shape and torch.isfinite(z).all() and float(z.min()) > 0


def test_estimate_depth_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\[H, W, 3\]"):
        estimate_depth(torch.rand(4, 4))
    with pytest.raises(ValueError, match=r"\[H, W, 3\]"):
        estimate_depth(torch.rand(0, 4, 3))
    with pytest.raises(ValueError, match="subject"):
        estimate_depth(torch.rand(8, 8, 3), subject=(float("nan"), 0.5))


def _post_picture(top: int, bottom: int) -> torch.Tensor:
    """240x320 gray picture with a bright post (columns 150-170) from row ``top`` to ``bottom``: two long vertical
    edges."""
    img = torch.full((240, 320, 3), 0.25)
    img[top:bottom, 150:170] = 0.9
    return img


def test_estimate_depth_stands_a_tall_structure_upright():
    """A tall post whose foot is low in the picture stands: the background stops receding at its foot and stands
    fronto-parallel above it (depth constant up every column there), so the post does not lean under an orbit; a
    picture without one keeps the single receding plane; a short post high up does not stand anything."""
    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.render.estimate import MAX_CONTACT
    from draw_to_video.render.straightness import render_lean_deg

    img = _post_picture(30, 215)
    z = estimate_depth(img)
    upright = z[: int(0.75 * 240)]  # rows above the contact row (the foot is at 0.9 of the height, capped there)
    assert float((upright.amax(0) / upright.amin(0) - 1).abs().max()) < 0.01  # the post leans back by < 1 %
    beside = torch.cat([upright[:, :130], upright[:, 190:]], 1)
    assert float((beside.amax(0) / beside.amin(0) - 1).abs().max()) < 1e-4
    post = 1.0 / z[40:200, 150:170].double()  # its foot is a little below the contact row: one plane leaning back
    assert float((post.amax(1) - post.amin(1)).max()) < 1e-6  # to meet the background at its top
    assert float((post[2:] - 2 * post[1:-1] + post[:-2]).abs().max()) < 1e-5
    assert float(z[-1].mean()) < float(z[int(MAX_CONTACT * 240) - 10].mean())  # the ground below still recedes
    cam = build_trajectory(preset="orbit_left", frames=5, intensity=1.0)
    assert float(render_lean_deg(img, cam, z).max()) < 0.3  # 0.18°: the lean back to meet the background
    plain = estimate_depth(torch.full((240, 320, 3), 0.25))
    short = estimate_depth(_post_picture(10, 60))
    for flat in (plain, short):  # one plane receding upward: disparity affine in the row
        disp = 1.0 / flat[:, 0]
        assert float(disp[0]) < float(disp[-1]) and float((disp[2:] - 2 * disp[1:-1] + disp[:-2]).abs().max()) < 1e-4
    assert float(render_lean_deg(_post_picture(30, 215), cam, plain).max()) > 1.0  # on the plane it leans


def test_a_structure_standing_below_the_contact_row_is_one_plane_with_no_step_at_its_top():
    """A structure whose foot is below the contact row stands in front of the upright background as one plane over
    its whole region, even when its two edges were found over different heights (a rocket's left edge high up, its
    right edge low down), and meets the background at its top: nothing there to split it in another view."""
    from draw_to_video.render.estimate import background_disparity, stand_below_contact

    h, w, contact = 240, 320, 0.8
    labels = np.zeros((h, w), np.int32)
    labels[30:151, 148:157] = 1  # the left edge's band, upper part only
    labels[100:240, 164:173] = 1  # the right edge's band, lower part only
    feet = np.array([-1.0, 1.0])
    rows = (torch.arange(h, dtype=torch.float32) + 0.5) / h
    base = background_disparity(rows, contact)[:, None].expand(h, w)
    disp = stand_below_contact(base, labels, feet, contact)
    body = disp[30:240, 148:173]
    assert float((body.amax(1) - body.amin(1)).max()) < 1e-6  # whole on every row: no left and right halves
    assert float((disp[:, 100] - base[:, 100]).abs().max()) == 0.0  # nothing else moves
    assert abs(float(disp[30, 160] - disp[29, 160])) < 0.01 * float(disp[29, 160])  # meets the background at its top
    assert abs(float(disp[-1, 160] - base[-1, 160])) < 0.01 * float(base[-1, 160])  # stands on the ground at its foot
    assert float(disp[200, 160]) > float(base[200, 160]) * 1.01  # in front of the upright background, lower down
    col = disp[30:240, 160].double()
    assert float((col[2:] - 2 * col[1:-1] + col[:-2]).abs().max()) < 1e-5  # one plane: disparity linear in the row
    none = stand_below_contact(base, labels, np.array([-1.0, 0.7]), contact)  # foot above the contact row
    assert torch.equal(none, base)


def test_a_structure_that_ends_on_the_subject_is_cut_off_by_it_not_standing_there():
    """A window pillar whose lowest point touches a passenger's shoulder: its foot is hidden (it goes on behind the
    subject), so it cannot set where the background stands up; one that ends in open ground can."""
    from draw_to_video.render.estimate import feet_hidden

    h, w = 240, 320
    labels = np.zeros((h, w), np.int32)
    labels[20:141, 250:262] = 1  # ends at row 140, right on the subject below
    labels[30:201, 40:52] = 2  # ends at row 200 in open ground
    feet = np.array([-1.0, 141 / h, 201 / h])
    mask = np.zeros((60, 80), bool)  # the subject at a quarter of the size: the right part, rows 36+ (144 px)
    mask[36:, 55:] = True
    assert feet_hidden(labels, feet, mask).tolist() == [False, True, False]
    mask[36:, 55:] = False
    mask[50:, 58:] = True  # the subject lower down, 60 px under the pillar's foot: not touching it
    assert feet_hidden(labels, feet, mask).tolist() == [False, False, False]
