"""pipelines/svd_diffusers.py and draw_to_video.generate on a tiny randomly initialised SVD (diffusers' own classes,
saved in diffusers' folder layout): shapes, seeds, equality with diffusers' StableVideoDiffusionPipeline, the camera
guide as the start latent, zero denoising, the held cells, errors, the CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from cli_run import cli, one_error_line
from PIL import Image
from skimage import data
from svd_tiny import build_svd_folder

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.pipelines import svd_diffusers as sd
from draw_to_video.pipelines.svd import render_guide

W, H, F = 96, 64, 6


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models on a shared 2-core machine: one thread is tens of times faster than two fighting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_svd_folder(tmp_path_factory.mktemp("svd") / "tiny-svd", seed=0)


@pytest.fixture(scope="module")
def model(folder):
    return sd.load_svd(folder, "cpu")


@pytest.fixture(scope="module")
def picture():
    """The astronaut photo at 96x64 as a PIL image and as float32 [H, W, 3] (the same numbers)."""
    pil = Image.fromarray(data.astronaut()).resize((W, H), Image.LANCZOS)
    return pil, torch.from_numpy(np.asarray(pil).astype(np.float32) / 255.0)


def pan(frames=F):
    return build_trajectory(preset="pan_right", frames=frames, fps=7.0, intensity=1.5)


def test_shapes_frames_and_seed(model, picture):
    _, img = picture
    a = sd.sample_svd(model, img, frames=F, camera=pan(), steps=3, seed=1)
    assert a.frames.shape == (F, H, W, 3) and a.frames.dtype == torch.float32
    assert 0 <= float(a.frames.min()) and float(a.frames.max()) <= 1
    assert a.latents.shape == (F, 4, H // 4, W // 4) and a.steps == 3
    assert a.noise_mask.shape == (F, 1, H // 4, W // 4) and a.guide.shape == (F, H, W, 3)
    b = sd.sample_svd(model, img, frames=F, camera=pan(), steps=3, seed=1)
    assert torch.equal(a.frames, b.frames), "same seed, same video"
    c = sd.sample_svd(model, img, frames=F, camera=pan(), steps=3, seed=2)
    assert not torch.allclose(a.frames, c.frames, atol=1e-3), "another seed, another video"
    seven = sd.sample_svd(model, img, frames=7, camera=pan(7), steps=2, seed=1)
    assert seven.frames.shape[0] == 7


def test_guidance_off_equals_diffusers_pipeline(model, folder, picture):
    """Same seed, same inputs: our loop gives diffusers' StableVideoDiffusionPipeline output bit for bit on the CPU
    (the same operations in the same order and the same memory layout; only a different order would show as
    float32 rounding, ~1e-5). With a camera but guidance off, the camera changes nothing but the motion bucket."""
    from diffusers import StableVideoDiffusionPipeline

    pil, img = picture
    pipe = StableVideoDiffusionPipeline.from_pretrained(folder)
    pipe.set_progress_bar_config(disable=True)
    kw = dict(height=H, width=W, num_frames=F, num_inference_steps=3, fps=7, motion_bucket_id=127,
              noise_aug_strength=0.02, decode_chunk_size=4)
    theirs = pipe(pil, generator=torch.Generator().manual_seed(5), output_type="pt", **kw).frames[0]
    ours = sd.sample_svd(model, img, frames=F, steps=3, seed=5, fps=7, motion_bucket_id=127,
                         augmentation_level=0.02, decode_chunk_size=4)
    assert torch.equal(ours.frames, theirs.permute(0, 2, 3, 1))
    off = sd.sample_svd(model, img, frames=F, camera=pan(), guidance="off", steps=3, seed=5, fps=7,
                        motion_bucket_id=127, augmentation_level=0.02, decode_chunk_size=4)
    assert torch.equal(off.frames, ours.frames) and off.reference is None and off.guide is None


def test_guided_start_latent_is_the_vae_encoding_of_the_renders(model, picture):
    """denoise 0 runs no step: the latents are the start latent, which is the VAE encoding (mean, scaled) of the
    camera renders; decoded, that is the guide through the VAE. Frame 0 of the guide is the picture itself."""
    _, img = picture
    cam = pan()
    res = sd.sample_svd(model, img, frames=F, camera=cam, guidance="init", denoise=0.0, steps=4, seed=3)
    assert res.steps == 0
    renders, holes = render_guide(img, cam, F)
    assert torch.equal(res.guide, renders.float()) and torch.equal(res.guide[0], img)
    assert holes[1:].sum() > 0, "a pan opens holes: the mask test below needs some"
    with torch.no_grad():
        expected = model.vae.encode(renders.permute(0, 3, 1, 2) * 2 - 1).latent_dist.mode()
    expected = expected * model.vae.config.scaling_factor
    torch.testing.assert_close(res.reference, expected, atol=1e-5, rtol=1e-5)
    assert torch.equal(res.latents, res.reference), "zero denoising returns the guide latent itself"
    torch.testing.assert_close(res.frames, sd.decode_latents(model, res.reference, 8), atol=0, rtol=0)
    assert float((res.frames - renders).abs().mean()) > 0.05, "random VAE: its reconstruction is not the render"


def test_held_cells_end_on_the_render_and_dual_clock_releases_them(model, picture):
    """init with strength 1 holds every visible latent cell on the render's noising trajectory to the end (they
    finish equal to the start latent, frame 0 entirely); dual_clock with release 0 frees them at once."""
    _, img = picture
    cam = pan()
    held = sd.sample_svd(model, img, frames=F, camera=cam, guidance="init", strength=1.0, steps=3, seed=4)
    visible = (held.noise_mask < 0.5).expand_as(held.latents)
    assert visible[1:].any() and (~visible[1:]).any(), "the pan leaves both visible cells and holes"
    torch.testing.assert_close(held.latents[visible], held.reference[visible], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(held.latents[~visible], held.reference[~visible], atol=1e-2), "holes are generated"
    free = sd.sample_svd(model, img, frames=F, camera=cam, guidance="dual_clock", release=0.0, steps=3, seed=4)
    torch.testing.assert_close(free.latents[0], free.reference[0], atol=1e-5, rtol=1e-5)  # frame 0 always kept
    assert not torch.allclose(free.latents[1:][visible[1:]], free.reference[1:][visible[1:]], atol=1e-2)
    late = sd.sample_svd(model, img, frames=F, camera=cam, guidance="dual_clock", release=1.0, steps=3, seed=4)
    assert torch.equal(late.latents, held.latents), "release 1 = held to the end = init"
    mid = sd.sample_svd(model, img, frames=F, camera=cam, guidance="dual_clock", release=0.5, steps=3, seed=4)
    d_mid = (mid.latents - mid.reference)[visible].abs().mean()
    d_free = (free.latents - free.reference)[visible].abs().mean()
    assert d_mid < d_free, "held for part of the run, the visible cells stay nearer the render than never held"


def test_bad_models_and_settings_are_clear_errors(folder, model, picture, tmp_path):
    _, img = picture
    with pytest.raises(FileNotFoundError, match="SVD model not found.*diffusers SVD model"):
        sd.load_svd(tmp_path / "nope")
    single = tmp_path / "svd_xt.safetensors"
    single.write_bytes(b"\0" * 16)
    with pytest.raises(ValueError, match="single file.*diffusers folder"):
        sd.load_svd(single)
    with pytest.raises(ValueError, match="not a diffusers model folder"):
        sd.load_svd(tmp_path)
    broken = tmp_path / "no-vae"
    shutil.copytree(folder, broken)
    shutil.rmtree(broken / "vae")
    with pytest.raises(ValueError, match=r"missing vae/ \(AutoencoderKLTemporalDecoder\)"):
        sd.load_svd(broken)
    shutil.copytree(folder / "vae", broken / "vae")
    cfg = json.loads((broken / "unet" / "config.json").read_text())
    cfg["_class_name"] = "UNet2DConditionModel"
    (broken / "unet" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="unet/ holds a UNet2DConditionModel, SVD needs a "
                                         "UNetSpatioTemporalConditionModel"):
        sd.load_svd(broken)
    with pytest.raises(ValueError, match="multiples of 8"):
        sd.sample_svd(model, img[:60], frames=2, steps=1)
    with pytest.raises(ValueError, match="denoise below 1"):
        sd.sample_svd(model, img, frames=2, steps=1, denoise=0.5)
    with pytest.raises(ValueError, match="strength must be between"):
        sd.sample_svd(model, img, frames=2, camera=pan(2), steps=1, strength=2.0)


def test_out_of_memory_message_names_the_setting_that_helps():
    assert sd._is_oom(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert sd._is_oom(RuntimeError("[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: can't allocate memory"))
    assert not sd._is_oom(RuntimeError("shape mismatch"))
    decode = str(sd._oom("decoding", 1024, 576, 25, 8, offload=False))
    assert "decode_chunk_size (now 8" in decode and "1024x576" in decode
    denoise = str(sd._oom("denoising", 1024, 576, 25, 8, offload=False))
    assert "cpu_offload" in denoise and "smaller width/height" in denoise
    assert "cpu_offload" not in str(sd._oom("denoising", 1024, 576, 25, 8, offload=True))


def test_generate_svd_and_render_backends_write_videos(folder, picture, tmp_path):
    import draw_to_video

    _, img = picture
    out = tmp_path / "svd.gif"
    steps = []
    res = draw_to_video.generate(img, camera=pan(4), backend="svd", svd_model=folder, width=W, height=H, steps=2,
                                 seed=7, out=out, on_progress=lambda d, t: steps.append((d, t)))
    assert res.frames.shape == (4, H, W, 3) and res.fps == 7.0 and out.is_file() and res.out == out
    assert steps == [(1, 2), (2, 2)], "one progress report per denoising step"
    wide = draw_to_video.generate(np.asarray(data.astronaut()), preset="orbit_left", frames=3, backend="svd",
                                  svd_model=folder, width=W, height=H, steps=1, finish=("temporal",))
    assert wide.frames.shape == (3, H, W, 3) and any("stabilize" in s for s in wide.steps)
    render = draw_to_video.generate(img, preset="dolly_in", frames=5)
    assert render.backend == "render" and render.frames.shape == (5, H, W, 3) and render.fps == 12.0
    with pytest.raises(ValueError, match="needs svd_model"):
        draw_to_video.generate(img, preset="dolly_in", backend="svd")
    with pytest.raises(ValueError, match="unknown backend .wan.; use one of: render, svd"):
        draw_to_video.generate(img, preset="dolly_in", backend="wan")


def test_cli_render_backend_svd(folder, picture, tmp_path, capsys):
    pil, _ = picture
    image = tmp_path / "in.png"
    pil.save(image)
    out = tmp_path / "clip.gif"
    code, stdout, err = cli(["render", "--image", image, "--preset", "pan_left", "--frames", 3, "--backend", "svd",
                             "--svd-model", folder, "--steps", 2, "--width", W, "--height", H, "--seed", 3,
                             "--guidance", "dual_clock", "--out", out], capsys)
    assert code == 0, err
    assert out.is_file() and "svd: 3 frames 96x64, 2 steps" in stdout
    code, _, err = cli(["render", "--image", image, "--preset", "pan_left", "--backend", "svd",
                        "--svd-model", tmp_path / "missing", "--out", tmp_path / "x.gif"], capsys)
    assert code == 2 and one_error_line(err) and "SVD model not found" in err
    code, _, err = cli(["render", "--image", image, "--preset", "pan_left", "--backend", "svd",
                        "--out", tmp_path / "x.gif"], capsys)
    assert code == 2 and "--svd-model" in err


def test_partial_denoise_runs_the_tail_of_the_schedule(model, picture):
    """denoise 0.5 of 4 steps runs the last 2, starting from the renders noised to that sigma: the result stays
    nearer the guide latent than a full run with the same seed."""
    _, img = picture
    half = sd.sample_svd(model, img, frames=4, camera=pan(4), guidance="dual_clock", release=0.0, denoise=0.5,
                         steps=4, seed=6)
    full = sd.sample_svd(model, img, frames=4, camera=pan(4), guidance="dual_clock", release=0.0, denoise=1.0,
                         steps=4, seed=6)
    assert half.steps == 2 and full.steps == 4
    assert (half.latents - half.reference)[1:].abs().mean() < (full.latents - full.reference)[1:].abs().mean()
