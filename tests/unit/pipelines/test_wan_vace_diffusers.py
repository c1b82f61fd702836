"""``generate(backend="wan_vace")`` on a tiny random Wan VACE model in diffusers' folder layout
(tests/support/wan_vace_tiny.py): with an empty guide it is diffusers' own WanVACEPipeline bit for bit; with the render
guide, what the pipeline gets is the guide."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("accelerate")
pytest.importorskip("ftfy")
from diffusers import WanVACEPipeline  # noqa: E402
from wan_vace_tiny import build_wan_vace_folder  # noqa: E402

from draw_to_video import generate  # noqa: E402
from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines.guide import wan_guide  # noqa: E402
from draw_to_video.pipelines.wan_vace_diffusers import (  # noqa: E402
    check_model_folder,
    guide_inputs,
    load_wan_vace,
)

W, H, L, STEPS = 32, 32, 5, 2
PROMPT = "a cinematic shot of the scene"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_wan_vace_folder(tmp_path_factory.mktemp("wan_vace_tiny") / "model")


def picture() -> np.ndarray:
    g = np.random.default_rng(0)
    x = np.linspace(0, 1, 48)[None, :, None]
    return (0.5 * x + 0.5 * g.random((40, 48, 3))).astype(np.float32)


def diffusers_call(folder, **kwargs) -> np.ndarray:
    pipe = WanVACEPipeline.from_pretrained(str(folder), local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    out = pipe(prompt=PROMPT, negative_prompt="", height=H, width=W, num_frames=L, num_inference_steps=STEPS,
               guidance_scale=5.0, generator=torch.Generator().manual_seed(7), **kwargs)
    return out.frames[0]


def test_empty_guide_is_diffusers_wan_vace_pipeline_bit_for_bit(folder):
    seen = []
    ours = generate(picture(), preset="dolly_in", backend="wan_vace", wan_model=folder, wan_guide="none",
                    prompt=PROMPT, frames=L, width=W, height=H, steps=STEPS, seed=7, guidance_scale=5.0,
                    device="cpu", on_progress=lambda d, t: seen.append((d, t)))
    ref = diffusers_call(folder)
    assert ours.frames.shape == (L, H, W, 3) and ours.fps == 16.0 and ours.mask is None
    assert np.array_equal(ours.frames.numpy(), ref), "the empty guide must be diffusers' own call"
    assert seen == [(1, STEPS), (2, STEPS)]


def test_render_guide_reaches_the_pipeline(folder):
    cam = build_trajectory(preset="orbit_left", frames=L, fps=16.0, intensity=1.0, path=None)
    ours = generate(picture(), camera=cam, backend="wan_vace", wan_model=folder, prompt=PROMPT, frames=L, width=W,
                    height=H, steps=STEPS, seed=7, device="cpu")
    guide = wan_guide(torch.from_numpy(picture()), cam, width=W, height=H, length=L)
    assert torch.equal(ours.guide, guide.control) and torch.equal(ours.mask, guide.mask)
    args = guide_inputs(guide)
    assert args["video"].shape == (1, L, 3, H, W) and args["mask"].shape == (1, L, 3, H, W)
    ref = diffusers_call(folder, video=args["video"], mask=args["mask"], reference_images=args["reference_images"])
    assert np.array_equal(ours.frames.numpy(), ref)
    empty = diffusers_call(folder)
    assert not np.array_equal(ref, empty), "the guide changes what the model makes"
    assert any(s.startswith("wan_vace: 5 frames 32x32") for s in ours.steps)


@pytest.mark.parametrize("kwargs, message", [
    (dict(frames=6), "4n \\+ 1"),
    (dict(width=40), "multiple of 16"),
    (dict(frames=125), "longer than the models allow"),
    (dict(wan_model=None), "needs wan_model"),
])
def test_bad_input_is_one_line(folder, kwargs, message):
    args = dict(preset="dolly_in", backend="wan_vace", wan_model=folder, frames=L, width=W, height=H, steps=1,
                device="cpu") | kwargs
    with pytest.raises(ValueError, match=message) as e:
        generate(picture(), **args)
    assert "\n" not in str(e.value)


def test_a_folder_that_is_not_wan_vace_is_named(tmp_path, folder):
    with pytest.raises(FileNotFoundError, match="not found"):
        check_model_folder(tmp_path / "nothing")
    with pytest.raises(ValueError, match="no model_index.json"):
        check_model_folder(tmp_path)
    (tmp_path / "model_index.json").write_text('{"_class_name": "StableVideoDiffusionPipeline"}')
    with pytest.raises(ValueError, match="not a WanVACEPipeline"):
        load_wan_vace(tmp_path, torch.device("cpu"))
    assert check_model_folder(folder) == folder


def test_cli_render_backend_wan_vace(folder, tmp_path, capsys):
    from cli_run import cli, one_error_line
    from PIL import Image

    image = tmp_path / "in.png"
    Image.fromarray((picture() * 255).astype(np.uint8)).save(image)
    out = tmp_path / "clip.gif"
    code, stdout, err = cli(["render", "--image", image, "--preset", "orbit_left", "--frames", 5, "--backend",
                             "wan_vace", "--model", folder, "--prompt", PROMPT, "--steps", 1, "--width", 64,
                             "--height", 64, "--device", "cpu", "--out", out], capsys)
    assert code == 0, err
    assert out.is_file() and "wan_vace: 5 frames 64x64, 1 steps, guide render" in stdout
    code, _, err = cli(["render", "--image", image, "--preset", "orbit_left", "--backend", "wan_vace",
                        "--out", tmp_path / "x.gif"], capsys)
    assert code == 2 and one_error_line(err) and "--model" in err
    code, _, err = cli(["render", "--image", image, "--preset", "orbit_left", "--frames", 6, "--backend",
                        "wan_vace", "--model", folder, "--out", tmp_path / "x.gif"], capsys)
    assert code == 2 and one_error_line(err) and "4n + 1" in err
