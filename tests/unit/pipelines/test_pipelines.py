"""pipelines/: the jobs as functions (render a clip, SVD encode with motion, finish a clip)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cli_run import check_message
from video_clips import translating_clip

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.conditioning import svd as g
from draw_to_video.core import params
from draw_to_video.pipelines.finish import Effect, Interpolate, Stabilize, finish_clip
from draw_to_video.pipelines.render import render_clip
from draw_to_video.pipelines.svd import encode_with_motion
from draw_to_video.render.depth import depth_to_image, load_depth, normalize_depth


def scene(h=48, w=64):
    y, x = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    image = torch.stack([x, y, 0.5 + 0.5 * torch.sin(12 * x) * torch.cos(9 * y)], -1)
    depth = 1.0 + 2.0 * y  # z-depth: the top is near
    return image, depth


# --- render_clip ------------------------------------------------------------------------------------------------
def test_render_clip_reads_every_depth_form_the_same(tmp_path):
    image, z = scene()
    camera = build_trajectory("truck_right", frames=3)
    disparity = (1.0 / z).numpy()
    np.save(tmp_path / "d.npy", disparity)
    forms = [torch.from_numpy(disparity), torch.from_numpy(disparity)[None, ..., None].expand(1, -1, -1, 3),
             disparity, tmp_path / "d.npy"]
    results = [render_clip(image, camera, d, depth_kind="disparity") for d in forms]
    for r in results[1:]:
        assert torch.equal(r.frames, results[0].frames) and torch.equal(r.depth, results[0].depth)
    same_as_depth = render_clip(image, camera, z, depth_kind="depth")
    assert torch.allclose(same_as_depth.frames, results[0].frames, atol=1e-4)


def test_depth_to_image_round_trips_as_disparity():
    _, z = scene()
    z = normalize_depth(z, "depth")
    img = depth_to_image(z)
    assert img.shape == (1, *z.shape, 3) and float(img.max()) == 1.0
    assert torch.allclose(load_depth(img, "disparity"), z, rtol=1e-5)


def test_render_clip_checks_its_arguments_against_params():
    image, _ = scene()
    camera = build_trajectory("static", frames=2)
    for kw, name in (({"fill": "blur"}, "fill"), ({"depth_kind": "height"}, "depth_kind"),
                     ({"depth_of_field": 9.0}, "depth_of_field"), ({"motion_blur": -0.1}, "motion_blur")):
        with pytest.raises(ValueError) as e:
            render_clip(image, camera, **kw)
        assert str(e.value) == check_message(params.RENDER[name], kw[name], name)
    with pytest.raises(ValueError, match=r"\[H, W, 3\]"):
        render_clip(image[None], camera)
    with pytest.raises(ValueError, match="camera trajectory"):
        render_clip(image, {"frames": 2})


# --- finish_clip --------------------------------------------------------------------------------------------------
def test_finish_clip_is_the_steps_in_order():
    from draw_to_video.effects.registry import apply_effect
    from draw_to_video.video.interpolate import interpolate_clip
    from draw_to_video.video.temporal import temporal_consistency

    clip = torch.from_numpy(translating_clip(4, 2.0, h=32, w=48))
    done = finish_clip(clip, 12.0, stabilize=Stabilize(strength=0.8), interpolate=Interpolate(multiplier=2),
                       effects=[Effect("film_grain", 0.5, 7), "vignette"])
    step = temporal_consistency(clip, strength=0.8)
    step, fps = interpolate_clip(step, multiplier=2, source_fps=12.0)
    step = apply_effect("film_grain", step, 0.5, 7)
    step = apply_effect("vignette", step, params.EFFECT["intensity"].default, params.EFFECT["seed"].default)
    assert torch.equal(done.frames, step) and done.fps == fps == 24.0
    assert [s.split()[0] for s in done.steps] == ["stabilize", "interpolate", "film_grain", "vignette"]


def test_finish_clip_with_nothing_to_do_and_target_fps():
    clip = torch.from_numpy(translating_clip(3, 1.0, h=32, w=32))
    same = finish_clip(clip, 8.0)
    assert torch.equal(same.frames, clip) and same.fps == 8.0 and same.steps == ()
    resampled = finish_clip(clip, 8.0, interpolate=Interpolate(target_fps=24.0))
    assert resampled.fps == 24.0 and resampled.frames.shape[0] == 7


def test_finish_clip_refuses_bad_settings_before_any_work():
    clip = torch.rand(3, 16, 16, 3)
    for kwargs, says in (({"effects": ["nope"]}, "unknown effect"),
                         ({"interpolate": Interpolate(multiplier=0)}, "multiplier must be between 1 and 16"),
                         ({"interpolate": Interpolate(target_fps=1000.0)}, "more than 64x"),
                         ({"stabilize": Stabilize(sigma=0.0)}, "sigma must be between"),
                         ({"effects": [Effect("vignette", 1.5)]}, "intensity must be between 0 and 1")):
        with pytest.raises(ValueError, match=says):
            finish_clip(clip, 12.0, **kwargs)
    with pytest.raises(ValueError, match="IMAGE batch"):
        finish_clip(torch.rand(16, 16, 3), 12.0)


# --- encode_with_motion -------------------------------------------------------------------------------------------
# Stand-ins for ComfyUI's objects, with the interfaces the pipeline uses (the real ones run in the integration
# tier's SVD tests): a CLIP vision encoder, an 8x-downsampling VAE and a ModelPatcher.
class Vision:
    def encode_image(self, image):
        return SimpleNamespace(image_embeds=image[..., :3].mean(dim=(1, 2)))


class VAE:
    def __init__(self):
        self.encoded = []

    def encode(self, pixels):
        self.encoded.append(pixels.clone())
        x = F.avg_pool2d(pixels.movedim(-1, 1), 8)
        return torch.cat([x, x.mean(1, keepdim=True)], 1)


class Patcher:
    def __init__(self, options=None):
        self.model_options = dict(options or {})

    def clone(self):
        return Patcher(self.model_options)

    def set_model_denoise_mask_function(self, fn):
        self.model_options["denoise_mask_function"] = fn


def resize(images, width, height):
    """Center crop to the aspect, then bilinear (what the node's ComfyUI upscale does)."""
    h, w = images.shape[1:3]
    if w * height > h * width:
        cw = round(h * width / height)
        images = images[:, :, (w - cw) // 2:(w - cw) // 2 + cw]
    elif w * height < h * width:
        ch = round(w * height / width)
        images = images[:, (h - ch) // 2:(h - ch) // 2 + ch]
    return F.interpolate(images.movedim(-1, 1), size=(height, width), mode="bilinear").movedim(1, -1)


def test_without_camera_it_is_the_core_node():
    image = scene(60, 80)[0][None]
    vae = VAE()
    out = encode_with_motion(Vision(), vae, image, 64, 48, resize=resize, fps=6)
    pooled = Vision().encode_image(image).image_embeds.unsqueeze(0)
    positive, negative = g.svd_conditioning(pooled, vae.encode(resize(image, 64, 48)), 127, 6, 0.0)
    assert torch.equal(out.positive[0][0], positive[0][0])
    assert torch.equal(out.positive[0][1]["concat_latent_image"], positive[0][1]["concat_latent_image"])
    assert {k: v for k, v in out.negative[0][1].items() if k != "concat_latent_image"} == \
        {"motion_bucket_id": 127, "fps": 6, "augmentation_level": 0.0}
    assert out.latent.keys() == {"samples"} and out.latent["samples"].shape == (14, 4, 6, 8)
    assert (out.frames, out.motion_bucket_id, out.model) == (14, 127, None)
    assert torch.equal(out.guide, resize(image, 64, 48))


def test_dual_clock_guides_the_latent_and_patches_a_copy_of_the_model():
    image = scene()[0][None]
    camera = build_trajectory("truck_right", frames=5)
    model = Patcher({"denoise_mask_function": "previous"})
    vae = VAE()
    out = encode_with_motion(Vision(), vae, image, 64, 48, resize=resize, camera=camera, model=model,
                             video_frames=4, strength=0.75, release=0.5)
    assert out.frames == 4 and out.motion_bucket_id == g.resolve_motion_bucket(0, camera, 64, 48)
    renders = vae.encoded[1]
    assert renders.shape == (4, 48, 64, 3) and torch.equal(renders[0], resize(image, 64, 48)[0])
    assert out.latent["samples"].shape == (4, 4, 6, 8)
    mask = out.latent["noise_mask"]
    assert mask.shape == (4, 1, 6, 8) and float(mask[0].abs().max()) == 0.0  # frame 0 kept
    assert set(torch.unique(mask[1:]).tolist()) <= {0.25, 1.0} and (mask[1:] == 0.25).any()
    fn = out.model.model_options["denoise_mask_function"]
    assert isinstance(fn, g.DualClockMask) and (fn.release, fn.frames, fn.then) == (0.5, 4, "previous")
    assert model.model_options["denoise_mask_function"] == "previous"  # the input model is untouched
    assert out.guide.shape == (4, 96, 64, 3)


def test_off_and_init_modes():
    image = scene()[0][None]
    camera = build_trajectory("dolly_in", frames=3)
    off = encode_with_motion(Vision(), VAE(), image, 64, 48, resize=resize, camera=camera, guidance="off")
    assert "noise_mask" not in off.latent and off.guide.shape == (3, 48, 64, 3) and off.model is None
    init = encode_with_motion(Vision(), VAE(), image, 64, 48, resize=resize, camera=camera, guidance="init",
                              strength=0.0)
    assert init.model is None and torch.equal(init.latent["noise_mask"][1:], torch.ones(2, 1, 6, 8))


def test_encode_errors_say_what_to_fix():
    image = scene()[0][None]
    camera = build_trajectory("dolly_in", frames=3)
    cases = (({"camera": camera}, "needs the model input connected"),
             ({"guidance": "strong"}, "unknown guidance 'strong'; use one of: off, init, dual_clock"),
             ({"camera": camera, "guidance": "init", "release": 1.5}, "release must be between 0 and 1"),
             ({"camera": camera, "guidance": "init", "video_frames": 4096, "width": 1024, "height": 576},
              "lower video_frames"))
    for kwargs, says in cases:
        kwargs = {"width": 64, "height": 48, **kwargs}
        with pytest.raises(ValueError, match=says):
            encode_with_motion(Vision(), VAE(), image, resize=resize, **kwargs)
    with pytest.raises(ValueError, match="init_image must be an IMAGE batch"):
        encode_with_motion(Vision(), VAE(), image[0], 64, 48, resize=resize)
