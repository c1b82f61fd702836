"""Virtual camera: camera bodies (published sensor sizes), lens kinds (anamorphic oval bokeh, streak flares) and
aspect-ratio crops, through the trajectory's lens fields and the render."""

import math

import numpy as np
import pytest
import torch

from draw_to_video.camera.lens import fov_from_focal
from draw_to_video.camera.moves import build_trajectory, lens_setup
from draw_to_video.core import cinema, params
from draw_to_video.core.frames import centre_crop_box, cover_fit
from draw_to_video.render.lens import anamorphic_streaks, blur_by_radius_oval

# The makers' published recording areas, width x height in mm (mode in brackets):
PUBLISHED_MM = {
    # ARRI ALEXA 35 technical data: 4.6K 3:2 Open Gate 27.99 x 19.22 mm (4608 x 3164 photosites), diagonal 33.96 mm
    # (the same figure ARRI's product management quotes on forum.arri.com)
    "arri_alexa_35": (27.99, 19.22),
    # ARRI ALEXA Mini LF technical data: LF Open Gate 4.5K 36.70 x 25.54 mm (4448 x 3096), diagonal 44.71 mm
    "arri_alexa_mini_lf": (36.70, 25.54),
    # RED V-RAPTOR 8K VV tech specs: 40.96 mm x 21.60 mm (diagonal 46.31 mm), 8192 x 4320
    "red_v_raptor_8k_vv": (40.96, 21.60),
    # RED KOMODO 6K tech specs: 27.03 mm x 14.26 mm (diagonal 30.56 mm), 6144 x 3240
    "red_komodo_6k": (27.03, 14.26),
    # Sony VENICE 2 (8K image sensor) specifications: 8.6K 3:2 full frame, 35.9 x 24.0 mm, 8640 x 5760
    "sony_venice_2_8k": (35.9, 24.0),
    # Blackmagic URSA Mini Pro 12K tech specs: Super 35, 27.03 mm x 14.25 mm, 12288 x 6480
    "blackmagic_ursa_mini_pro_12k": (27.03, 14.25),
    # SMPTE 59 / ANSI Super 35 4-perf full aperture camera aperture 0.980" x 0.735" = 24.89 x 18.66 mm
    "super35": (24.89, 18.66),
    # 135 film frame / full-frame still sensor: 36 x 24 mm
    "full_frame": (36.0, 24.0),
}
"""Figures quoted from the makers' published specification pages as known at the time of writing (no web access
from this machine: checked against the EmberLightVFX camera sensor database and the ARRI forum where the
search index had them)."""


def test_camera_bodies_are_the_published_sensor_sizes():
    assert set(cinema.CAMERA_BODIES) == set(PUBLISHED_MM)
    for name, size in PUBLISHED_MM.items():
        assert cinema.CAMERA_BODIES[name].sensor_mm == size, name
    # diagonals as published (a typo in either side would show here)
    diag = {k: math.hypot(*v) for k, v in PUBLISHED_MM.items()}
    assert diag["arri_alexa_35"] == pytest.approx(33.96, abs=0.01)
    assert diag["arri_alexa_mini_lf"] == pytest.approx(44.71, abs=0.01)
    assert diag["red_v_raptor_8k_vv"] == pytest.approx(46.31, abs=0.01)
    assert diag["red_komodo_6k"] == pytest.approx(30.56, abs=0.01)


def test_choices_come_from_the_data():
    t = params.TRAJECTORY
    assert t["camera_body"].options == ("custom", *cinema.CAMERA_BODIES)
    assert t["lens_kind"].options == tuple(cinema.LENS_KINDS)
    assert set(t["aspect"].options) == {"native", "2.39:1", "21:9", "16:9", "4:3", "1.85:1"}


def test_a_body_sets_the_sensor_and_the_field_of_view():
    cam = build_trajectory("dolly_in", frames=5, focal_length_mm=35, camera_body="arri_alexa_35")
    assert cam.sensor_mm == (27.99, 19.22)
    np.testing.assert_allclose(cam.fov_deg, fov_from_focal(35.0, 27.99))
    default = build_trajectory("dolly_in", frames=5, focal_length_mm=35)
    assert default.sensor_mm == (36.0, 24.0) and default.metadata["squeeze"] == 1.0


def test_anamorphic_widens_the_view_by_its_squeeze_and_limits_the_aperture():
    sensor, squeeze, ratio, aperture = lens_setup((27.99, 19.22), "arri_alexa_35", "anamorphic_2x", "native", 1.4)
    assert squeeze == 2.0 and ratio is None and aperture == 2.0  # f/1.4 asked, the lens opens to f/2
    assert sensor == pytest.approx((55.98, 19.22))
    cam = build_trajectory("static", frames=2, focal_length_mm=50, camera_body="arri_alexa_35",
                           lens_kind="anamorphic_2x")
    # a 50 mm 2x anamorphic sees horizontally what a 25 mm spherical lens sees on the same sensor
    assert cam.fov_deg[0] == pytest.approx(fov_from_focal(25.0, 27.99))


@pytest.mark.parametrize("aspect", ["2.39:1", "21:9", "16:9", "4:3", "1.85:1"])
def test_aspect_crops_the_sensor_area(aspect):
    ratio = cinema.ASPECTS[aspect]
    (w, h), _, r, _ = lens_setup((36.0, 24.0), "custom", "spherical_prime", aspect, 4.0)
    assert r == ratio and w / h == pytest.approx(ratio)
    assert w <= 36.0 + 1e-9 and h <= 24.0 + 1e-9 and (w == pytest.approx(36.0) or h == pytest.approx(24.0))


def test_crop_box_is_centred_and_even():
    assert centre_crop_box(576, 1024, None, even=True) == (0, 0, 576, 1024)
    top, left, h, w = centre_crop_box(576, 1024, 2.39, even=True)
    assert (left, w) == (0, 1024) and h % 2 == 0 and abs(w / h - 2.39) < 0.01 and top == (576 - h) // 2
    top, left, h, w = centre_crop_box(576, 1024, 4 / 3, even=True)
    assert (top, h) == (0, 576) and w == 768 and left == 128


def test_a_pixel_size_aspect_crops_exactly_and_odd():
    # the crop of a 333x500 picture for a 1024x576 video: full width, round(333 * 576 / 1024) = 187 rows, centred
    assert centre_crop_box(500, 333, (1024, 576)) == (156, 0, 187, 333)
    assert centre_crop_box(100, 400, (1, 1)) == (0, 150, 100, 100)
    assert centre_crop_box(576, 1024, (1024, 576)) == (0, 0, 576, 1024)
    fit = cover_fit(100, 200, 64, 64)  # scaled by 0.64 to 64x128, the middle 64 columns kept
    assert fit.scaled_hw == (64, 128) and fit.box == (0, 32, 64, 64)


def test_bad_lens_choices_say_what_to_use():
    with pytest.raises(ValueError, match="unknown camera_body .*arri_alexa_35"):
        build_trajectory("static", frames=2, camera_body="alexa")
    with pytest.raises(ValueError, match="unknown lens_kind .*anamorphic_2x"):
        build_trajectory("static", frames=2, lens_kind="fisheye")
    with pytest.raises(ValueError, match="unknown aspect .*2.39:1"):
        build_trajectory("static", frames=2, aspect="3:1")


def _moments(img: np.ndarray) -> tuple[float, float]:
    """(sigma_x, sigma_y) in px of a non-negative image's mass."""
    ys, xs = np.mgrid[: img.shape[0], : img.shape[1]]
    m = img.sum()
    cx, cy = (img * xs).sum() / m, (img * ys).sum() / m
    return math.sqrt((img * (xs - cx) ** 2).sum() / m), math.sqrt((img * (ys - cy) ** 2).sum() / m)


@pytest.mark.parametrize("squeeze", [1.0, 1.33, 2.0])
def test_bokeh_kernel_of_a_point_light_is_an_oval_squeeze_times_taller_than_wide(squeeze):
    x = torch.zeros(1, 3, 97, 97)
    x[:, :, 48, 48] = 1.0  # a point light
    radius = torch.full((1, 97, 97), 12.0)
    out = blur_by_radius_oval(x, radius, squeeze)[0, 1].numpy()
    sx, sy = _moments(out)
    assert sy / sx == pytest.approx(squeeze, rel=0.1)
    assert out.sum() == pytest.approx(1.0, rel=0.03)  # light is kept, not added


def test_anamorphic_render_shows_oval_bokeh_and_horizontal_streaks():
    """A dark far wall with small bright lights, focus on a near subject: with a 2x anamorphic lens the out-of-focus
    lights come out as vertical ovals, with a spherical lens round; the anamorphic highlight also streaks."""
    from draw_to_video.pipelines.render import render_clip

    h, w = 192, 320
    depth = torch.full((h, w), 3.0).numpy()

    def render(lens: str, light: float) -> np.ndarray:
        img = torch.full((h, w, 3), 0.02)
        img[94:98, 158:162] = light  # a small light on the far wall
        cam = build_trajectory("static", frames=1, focal_length_mm=85, aperture=2.0, lens_kind=lens,
                               camera_body="full_frame")
        cam = type(cam)(**{**cam.__dict__, "focus_distance": np.full(1, 0.5)})  # focused on a near subject
        return render_clip(img, cam, depth, depth_kind="depth", depth_of_field=8.0, overscan=1.0).frames[0].numpy()

    ratios = {}
    for lens in ("spherical_prime", "anamorphic_2x"):
        glow = np.clip(render(lens, 0.8)[56:136, 120:200, 1] - 0.02, 0, None)  # below the flare threshold
        ratios[lens] = _moments(glow)[1] / _moments(glow)[0]
    assert ratios["spherical_prime"] == pytest.approx(1.0, abs=0.05)
    assert ratios["anamorphic_2x"] == pytest.approx(2.0, rel=0.15)  # oval, twice as tall as wide
    flare = render("anamorphic_2x", 1.0)
    assert flare[96, 20, 2] > 0.03 and flare[96, 300, 2] > 0.03  # the flare reaches across the frame
    assert flare[20, 160, 2] < 0.03  # ... but not up or down
    assert render("spherical_prime", 1.0)[96, 20, 2] < 0.03  # a spherical lens has no streak


def test_streaks_leave_spherical_lenses_and_dark_pictures_alone():
    x = torch.rand(1, 3, 16, 24) * 0.5
    assert torch.equal(anamorphic_streaks(x, 1.0), x)
    assert torch.equal(anamorphic_streaks(x, 2.0), x)  # nothing above the threshold


def test_aspect_crop_renders_that_shape():
    from draw_to_video.pipelines.render import render_clip

    img = torch.rand(90, 160, 3, generator=torch.Generator().manual_seed(1))
    cam = build_trajectory("dolly_in", frames=3, aspect="2.39:1")
    out = render_clip(img, cam).frames
    assert out.shape[1:3] == (66, 160)
    cam = build_trajectory("dolly_in", frames=3, aspect="4:3")
    assert render_clip(img, cam).frames.shape[1:3] == (90, 120)


def test_camera_json_keeps_the_lens_and_the_crop():
    from draw_to_video.camera.trajectory import CameraTrajectory

    cam = build_trajectory("dolly_in", frames=3, lens_kind="anamorphic_1.33x", aspect="21:9")
    back = CameraTrajectory.from_json(cam.to_json())
    assert back.metadata == {"squeeze": 1.33, "aspect": pytest.approx(21 / 9)}
    plain = build_trajectory("dolly_in", frames=3).to_dict()
    assert "squeeze" not in plain and "aspect" not in plain  # the contract is unchanged for spherical, native
    with pytest.raises(ValueError, match="squeeze must be a number in 1..4"):
        CameraTrajectory.from_dict({**cam.to_dict(), "squeeze": 9})
