"""Camera-guided Stable Video Diffusion on diffusers' components, outside ComfyUI.

The sampler is written here on diffusers' own parts (``UNetSpatioTemporalConditionModel``,
``AutoencoderKLTemporalDecoder``, transformers' ``CLIPVisionModelWithProjection`` and the EDM
``EulerDiscreteScheduler``) so the camera guidance can enter each step. The guidance is the node's
(``pipelines/svd.render_guide``, ``conditioning/svd.guidance_noise_mask`` and the rest of ``conditioning/svd``: one
implementation):

* the 2.5D renders of the image along the camera, VAE-encoded, are the start latent (CamTrol);
* a per-frame noise mask holds the cells the render sees (``1 - strength``), frees the holes and keeps frame 0;
* ``dual_clock`` releases the held cells at ``release`` of the run (Time-to-Move), ``init`` never does;
* ``denoise`` < 1 runs only the tail of the schedule from the noised renders (the weak clock).

With ``guidance="off"`` (or no camera) the computation is diffusers' ``StableVideoDiffusionPipeline`` call for the
same seed, step for step (the tests check it). Latents here are [B, F, C, h, w] (diffusers' layout); the node's
masks [F, 1, h, w] get a leading batch axis.
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from ..camera.trajectory import CameraTrajectory
from ..conditioning import svd as guidance_math
from ..core import ProgressFn, params
from ..core.errors import excerpt
from .svd import render_guide

_S, _G = params.SVD, params.GENERATE

COMPONENTS = {
    "unet": "UNetSpatioTemporalConditionModel",
    "vae": "AutoencoderKLTemporalDecoder",
    "image_encoder": "CLIPVisionModelWithProjection",
    "scheduler": "EulerDiscreteScheduler",
}
"""The sub-folders of a diffusers SVD model folder this pipeline loads, and the class each must hold
(``feature_extractor`` is read too when present; CLIP's standard normalization otherwise)."""

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


# --------------------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------------------
@dataclass
class SVDModel:
    """Loaded SVD components. ``device``: where they compute; ``dtype``: float16 on CUDA, float32 on the CPU;
    ``offload``: keep them on the CPU and move each to ``device`` only while it runs."""

    unet: torch.nn.Module
    vae: torch.nn.Module
    image_encoder: torch.nn.Module
    scheduler_config: dict
    feature_extractor: object | None
    device: torch.device
    dtype: torch.dtype
    offload: bool = False
    path: str = ""

    @property
    def vae_scale(self) -> int:
        """Pixels per latent cell (8 for SVD)."""
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def size_multiple(self) -> int:
        """Width and height must be multiples of this (the VAE's scale times the UNet's downsampling)."""
        return self.vae_scale * 2 ** (len(self.unet.config.down_block_types) - 1)

    @contextmanager
    def using(self, module: torch.nn.Module):
        """``module`` on the compute device for the block; back to the CPU after it when offloading."""
        if self.offload:
            module.to(self.device)
        try:
            yield module
        finally:
            if self.offload:
                module.to("cpu")
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()


def check_model_folder(path: str | Path) -> Path:
    """Raise a clear error unless ``path`` is a local diffusers SVD folder; return it as a Path.

    Raises:
        FileNotFoundError: nothing at ``path``.
        ValueError: a single file (diffusers cannot load SVD from one checkpoint), or a folder that is not an SVD
            model (names the missing or wrong component).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"SVD model not found: {path}: give the local folder of a diffusers SVD model (e.g. "
                                "a download of stabilityai/stable-video-diffusion-img2vid-xt with model_index.json, "
                                "unet/, vae/, image_encoder/, scheduler/)")
    if p.is_file():
        raise ValueError(f"{path} is a single file; diffusers has no single-file loader for Stable Video Diffusion "
                         "(neither the pipeline nor its UNet or temporal VAE has from_single_file), so give the "
                         "model's diffusers folder instead (model_index.json, unet/, vae/, image_encoder/, scheduler/)")
    missing = [name for name in COMPONENTS if not (p / name).is_dir()]
    if not (p / "model_index.json").is_file() and len(missing) == len(COMPONENTS):
        raise ValueError(f"{path} is not a diffusers model folder (no model_index.json and none of "
                         f"{', '.join(f'{c}/' for c in COMPONENTS)}): give the SVD model's diffusers folder")
    if missing:
        raise ValueError(f"{path} is not a complete SVD model: missing {', '.join(f'{m}/' for m in missing)} "
                         f"({', '.join(COMPONENTS[m] for m in missing)})")
    for name, cls in COMPONENTS.items():
        config = p / name / ("scheduler_config.json" if name == "scheduler" else "config.json")
        if not config.is_file():
            raise ValueError(f"{path} is not a complete SVD model: {name}/ has no {config.name}")
        try:
            data = json.loads(config.read_text())
            found = data.get("_class_name") or (data.get("architectures") or [None])[0]
        except (ValueError, OSError) as e:
            raise ValueError(f"{config} is not readable JSON ({e})") from None
        if found is not None and found != cls:
            raise ValueError(f"{path} is not an SVD model: {name}/ holds a {found}, SVD needs a {cls}")
    return p


def _variant(folder: Path, dtype: torch.dtype) -> str | None:
    """'fp16' when the folder has fp16 weights and either fp16 is wanted or they are the only ones."""
    fp16 = any(folder.glob("*.fp16.safetensors")) or any(folder.glob("*.fp16.bin"))
    full = any(f for f in folder.glob("*.safetensors") if ".fp16." not in f.name) or any(
        f for f in folder.glob("*.bin") if ".fp16." not in f.name)
    return "fp16" if fp16 and (dtype == torch.float16 or not full) else None


def _has_accelerate() -> bool:
    import importlib.util

    return importlib.util.find_spec("accelerate") is not None


def load_svd(path: str | Path, device: str | torch.device = "auto", dtype: torch.dtype | None = None,
             cpu_offload: bool = False) -> SVDModel:
    """Load an SVD model folder with diffusers / transformers, offline.

    Args:
        path: local diffusers folder (see :func:`check_model_folder`).
        device: "auto" (CUDA when present, else the CPU), "cpu", "cuda" or a torch device.
        dtype: default float16 on CUDA, float32 on the CPU.
        cpu_offload: on CUDA, keep the models on the CPU and move each onto the GPU only while it runs (the policy
            of diffusers' ``enable_model_cpu_offload``, without needing accelerate); ignored on the CPU.
    Raises:
        FileNotFoundError, ValueError: see :func:`check_model_folder`; ValueError for weights that do not load.
    """
    from diffusers import AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, UNetSpatioTemporalConditionModel
    from transformers import CLIPVisionModelWithProjection

    from .inputs import pick_device

    folder = check_model_folder(path)
    dev = pick_device(device) if isinstance(device, str) else torch.device(device)
    dtype = dtype or (torch.float16 if dev.type == "cuda" else torch.float32)
    offload = bool(cpu_offload) and dev.type == "cuda"
    loaders = {"unet": UNetSpatioTemporalConditionModel, "vae": AutoencoderKLTemporalDecoder,
               "image_encoder": CLIPVisionModelWithProjection}
    loaded = {}
    for name, cls in loaders.items():
        sub = folder / name
        kw = {"variant": _variant(sub, dtype)}
        try:
            if name == "image_encoder":  # loaded as stored, then cast: the dtype keyword differs across versions
                model = cls.from_pretrained(sub, local_files_only=True, **kw).to(dtype)
            else:
                model = cls.from_pretrained(sub, torch_dtype=dtype, local_files_only=True,
                                            low_cpu_mem_usage=_has_accelerate(), **kw)
        except (OSError, ValueError, RuntimeError, KeyError) as e:
            raise ValueError(f"{path}: the {name} ({COMPONENTS[name]}) did not load: "
                             f"{excerpt(str(e).splitlines()[0] if str(e) else type(e).__name__, 300)}") from None
        loaded[name] = model.eval().requires_grad_(False).to("cpu" if offload else dev)
    scheduler_config = dict(EulerDiscreteScheduler.load_config(folder / "scheduler", local_files_only=True))
    feature_extractor = None
    if (folder / "feature_extractor").is_dir():
        from transformers import CLIPImageProcessor

        feature_extractor = CLIPImageProcessor.from_pretrained(folder / "feature_extractor", local_files_only=True)
    return SVDModel(unet=loaded["unet"], vae=loaded["vae"], image_encoder=loaded["image_encoder"],
                    scheduler_config=scheduler_config, feature_extractor=feature_extractor, device=dev, dtype=dtype,
                    offload=offload, path=str(folder))


# --------------------------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------------------------
@dataclass
class SVDResult:
    """What :func:`sample_svd` made (all on the CPU).

    frames: float32 [F, H, W, 3] in 0..1. latents: the final latents [F, C, h, w] (scaled, float32).
    reference: the start latent from the renders [F, C, h, w] (None without guidance). noise_mask: [F, 1, h, w]
    (None without guidance). guide: the renders [F, H, W, 3] (None without guidance). motion_bucket_id, fps: the
    micro-conditioning used (fps as the model sees it, i.e. video fps - 1). steps: the denoising steps that ran.
    """

    frames: torch.Tensor
    latents: torch.Tensor
    reference: torch.Tensor | None
    noise_mask: torch.Tensor | None
    guide: torch.Tensor | None
    motion_bucket_id: int
    fps: int
    steps: int


def clip_pixels(model: SVDModel, image_bchw: torch.Tensor) -> torch.Tensor:
    """The image encoder's input from RGB [B, 3, H, W] in 0..1: antialiased resize to its size in -1..1 (as SVD's
    original code and diffusers do), back to 0..1, then CLIP normalization (the folder's feature extractor)."""
    # diffusers' own private resize, on purpose: the CLIP input must match SVD's reference pipeline bit for bit, and
    # diffusers exposes no public name for it (test_layout.py allows this one)
    from diffusers.pipelines.stable_video_diffusion.pipeline_stable_video_diffusion import _resize_with_antialiasing

    size = int(model.image_encoder.config.image_size)
    x = (_resize_with_antialiasing(image_bchw * 2.0 - 1.0, (size, size)) + 1.0) / 2.0
    if model.feature_extractor is not None:
        return model.feature_extractor(images=x, do_normalize=True, do_center_crop=False, do_resize=False,
                                       do_rescale=False, return_tensors="pt").pixel_values
    mean = torch.tensor(CLIP_MEAN, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std


def encode_latents(model: SVDModel, pixels_bchw: torch.Tensor, chunk: int) -> torch.Tensor:
    """VAE latent means (``latent_dist.mode()``, unscaled) of images [B, 3, H, W] in -1..1, ``chunk`` at a time.
    Encoded in float32 when the VAE asks for it (``force_upcast``), like diffusers. Returns [B, C, h, w] float32."""
    vae = model.vae
    upcast = vae.dtype == torch.float16 and getattr(vae.config, "force_upcast", False)
    out = []
    with model.using(vae):
        if upcast:
            vae.to(torch.float32)
        try:
            for i in range(0, pixels_bchw.shape[0], chunk):
                x = pixels_bchw[i:i + chunk].to(model.device, vae.dtype)
                out.append(vae.encode(x).latent_dist.mode().float().cpu())
        finally:
            if upcast:
                vae.to(torch.float16)
    return torch.cat(out)


def decode_latents(model: SVDModel, latents: torch.Tensor, chunk: int) -> torch.Tensor:
    """Scaled latents [F, C, h, w] -> frames float32 [F, H, W, 3] in 0..1 on the CPU, ``chunk`` frames per VAE
    call (the temporal decoder sees each chunk as a clip, as in diffusers)."""
    vae = model.vae
    z = (1 / vae.config.scaling_factor) * latents  # as diffusers writes it (same rounding)
    out = []
    with model.using(vae):
        for i in range(0, z.shape[0], chunk):
            part = z[i:i + chunk].to(model.device, vae.dtype)
            out.append(vae.decode(part, num_frames=part.shape[0]).sample.float().cpu())
    frames = torch.cat(out)
    return (frames / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).contiguous()


def _oom(stage: str, width: int, height: int, frames: int, chunk: int, offload: bool) -> MemoryError:
    tips = ["a smaller width/height", "fewer frames"]
    if stage == "decoding":
        tips.insert(0, f"a smaller decode_chunk_size (now {chunk}; 1-4 is enough)")
    elif not offload:
        tips.append("cpu_offload (--cpu-offload)")
    return MemoryError(f"out of memory while {stage} {frames} frames at {width}x{height}: try {', '.join(tips)}")


def _is_oom(e: BaseException) -> bool:
    oom_type = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", ())
    return isinstance(e, (MemoryError, oom_type)) or (isinstance(e, RuntimeError) and (
        "out of memory" in str(e) or "can't allocate memory" in str(e)))


def sample_svd(model: SVDModel, image: torch.Tensor, *, frames: int, camera: CameraTrajectory | None = None,
               depth=None, depth_kind: str = _S["depth_kind"].default, guidance: str = _S["guidance"].default,
               strength: float = _S["strength"].default, release: float = _S["release"].default,
               denoise: float = _G["denoise"].default, steps: int = _G["steps"].default, seed: int = 0,
               fps: int = _G["svd_fps"].default, motion_bucket_id: int = _S["motion_bucket_id"].default,
               augmentation_level: float = _S["augmentation_level"].default,
               min_guidance_scale: float = _G["min_guidance_scale"].default,
               max_guidance_scale: float = _G["max_guidance_scale"].default,
               decode_chunk_size: int = _G["decode_chunk_size"].default,
               on_progress: ProgressFn = None) -> SVDResult:
    """Generate ``frames`` frames from ``image`` with SVD, following ``camera`` (module docstring).

    Args:
        image: [H, W, 3] float 0..1 at the video's size (H, W multiples of ``model.size_multiple``).
        camera: the move (None = plain SVD; then guidance is ignored). depth, depth_kind: for the guide renders.
        guidance: "off" | "init" | "dual_clock"; strength, release: as the node (``core/params.SVD``).
        denoise: part of the schedule that runs (the weak clock; < 1 needs guidance). steps: of the full schedule.
        seed: the noise (a CPU generator: the same seed gives the same video on any device).
        fps: the video's frame rate (SVD sees fps - 1, as in diffusers). motion_bucket_id: 0 = from the camera.
        augmentation_level: noise added to the conditioning image (diffusers' noise_aug_strength).
        min_guidance_scale, max_guidance_scale: classifier-free guidance ramp over the frames (off when max <= 1).
        decode_chunk_size: frames per VAE call. on_progress: ``(done, total)`` after each denoising step.
    Raises:
        ValueError: a bad setting; MemoryError: out of memory, saying which setting helps.
    """
    from diffusers import EulerDiscreteScheduler
    from diffusers.utils.torch_utils import randn_tensor

    guidance = _S["guidance"].check(guidance, "guidance")
    strength = float(_S["strength"].check(strength, "strength"))
    release = float(_S["release"].check(release, "release"))
    denoise = float(_G["denoise"].check(denoise, "denoise"))
    steps = int(_G["steps"].check(steps, "steps"))
    seed = int(_G["seed"].check(seed, "seed"))
    fps = int(_G["svd_fps"].check(fps, "fps"))
    motion_bucket_id = int(_S["motion_bucket_id"].check(motion_bucket_id, "motion_bucket_id"))
    augmentation_level = float(_S["augmentation_level"].check(augmentation_level, "augmentation_level"))
    min_cfg = float(_G["min_guidance_scale"].check(min_guidance_scale, "min_guidance_scale"))
    max_cfg = float(_G["max_guidance_scale"].check(max_guidance_scale, "max_guidance_scale"))
    chunk = int(_G["decode_chunk_size"].check(decode_chunk_size, "decode_chunk_size"))
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
        raise ValueError(f"frames must be a whole number >= 1, got {excerpt(frames)}")
    if not isinstance(image, torch.Tensor) or image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError("image must be one RGB image tensor [H, W, 3] in 0..1")
    height, width = image.shape[:2]
    m = model.size_multiple
    if width % m or height % m:
        raise ValueError(f"this SVD model needs width and height in multiples of {m}, got {width}x{height}")
    guided = camera is not None and guidance != "off"
    if denoise < 1.0 and not guided:
        raise ValueError("denoise below 1 starts from the camera guide: give a camera and guidance init or "
                         "dual_clock (or set denoise 1)")
    bucket = guidance_math.resolve_motion_bucket(motion_bucket_id, camera, width, height)
    try:
        job = _SampleJob(frames=frames, camera=camera, depth=depth, depth_kind=depth_kind,
                         guidance=guidance if guided else "off", strength=strength, release=release, denoise=denoise,
                         steps=steps, seed=seed, fps_id=fps - 1, bucket=bucket, aug=augmentation_level,
                         min_cfg=min_cfg, max_cfg=max_cfg, chunk=chunk, on_progress=on_progress)
        return _sample(model, image.float().cpu(), job, EulerDiscreteScheduler, randn_tensor)
    except _Stage as e:  # out of memory in a stage: say which setting helps
        raise _oom(e.stage, width, height, frames, chunk, model.offload) from None


class _Stage(Exception):
    """Out of memory inside a stage of :func:`_sample` (only those are wrapped: :func:`_stage`)."""

    def __init__(self, stage: str, error: BaseException):
        super().__init__(stage)
        self.stage, self.error = stage, error


@contextmanager
def _stage(name: str):
    try:
        yield
    except (RuntimeError, MemoryError) as e:
        if _is_oom(e):
            raise _Stage(name, e) from e
        raise


@dataclass(frozen=True)
class _SampleJob:
    """:func:`sample_svd`'s checked settings for :func:`_sample`: ``guidance`` is "off" when unguided; ``fps_id``
    is what SVD sees (fps - 1); ``bucket`` the resolved motion bucket; ``aug`` the augmentation level;
    ``min_cfg``/``max_cfg`` the guidance-scale ramp; ``chunk`` frames per VAE call."""

    frames: int
    camera: CameraTrajectory | None
    depth: object
    depth_kind: str
    guidance: str
    strength: float
    release: float
    denoise: float
    steps: int
    seed: int
    fps_id: int
    bucket: int
    aug: float
    min_cfg: float
    max_cfg: float
    chunk: int
    on_progress: ProgressFn = None


@dataclass
class _Conditions:
    """What the UNet is conditioned on (CLIP ``embeds`` [B, 1, D], image latents ``cond`` [B, F, C, h, w],
    ``time_ids`` [B, 3]; B = 2 with classifier-free guidance) and, when guided, the guide: its latents
    ``reference`` [F, C, h, w] (scaled), the per-cell ``noise_mask`` and the guide ``renders`` [F, H, W, 3]."""

    embeds: torch.Tensor
    cond: torch.Tensor
    time_ids: torch.Tensor
    reference: torch.Tensor | None = None
    noise_mask: torch.Tensor | None = None
    renders: torch.Tensor | None = None


def _sample(model, image: torch.Tensor, job: _SampleJob, scheduler_cls, randn_tensor) -> SVDResult:
    """SVD on ``image`` [H, W, 3] (CPU float 0..1): encode, denoise (guided per ``job.guidance``), decode. One CPU
    generator seeded with ``job.seed`` draws the augmentation noise first, then the starting noise."""
    generator = torch.Generator("cpu").manual_seed(job.seed)
    with _stage("encoding"), torch.no_grad():
        c = _encode_conditions(model, image, job, generator, randn_tensor)
    latents, total = _denoise(model, image.shape[:2], job, c, generator, scheduler_cls, randn_tensor)
    with _stage("decoding"), torch.no_grad():
        out = decode_latents(model, latents, job.chunk)
    return SVDResult(frames=out, latents=latents.cpu(), reference=c.reference, noise_mask=c.noise_mask,
                     guide=c.renders, motion_bucket_id=job.bucket, fps=job.fps_id, steps=total)


def _encode_conditions(model, image: torch.Tensor, job: _SampleJob, generator, randn_tensor) -> _Conditions:
    """The CLIP embedding, the noise-augmented image latents and the time ids (doubled for classifier-free
    guidance), and with guidance the guide renders encoded to latents with their noise mask."""
    dev, dtype, frames, chunk = model.device, model.dtype, job.frames, job.chunk
    pixels = image[None].permute(0, 3, 1, 2)  # [1, 3, H, W] in 0..1, channels-last strides as diffusers makes them
    with model.using(model.image_encoder) as enc:
        embeds = enc(clip_pixels(model, pixels).to(dev, dtype)).image_embeds.unsqueeze(1)  # [1, 1, D]
    cond_pixels = pixels * 2.0 - 1.0
    aug_noise = randn_tensor(cond_pixels.shape, generator=generator, device=torch.device("cpu"),
                             dtype=cond_pixels.dtype)
    cond = encode_latents(model, cond_pixels + job.aug * aug_noise, chunk).to(dev, dtype)  # [1, C, h, w], unscaled
    cond = cond.unsqueeze(1).repeat(1, frames, 1, 1, 1)
    time_ids = torch.tensor([[job.fps_id, job.bucket, job.aug]], dtype=dtype, device=dev)
    if job.max_cfg > 1.0:
        embeds = torch.cat([torch.zeros_like(embeds), embeds])
        cond = torch.cat([torch.zeros_like(cond), cond])
        time_ids = torch.cat([time_ids, time_ids])
    c = _Conditions(embeds, cond, time_ids)
    if job.guidance != "off":
        renders, holes = render_guide(image, job.camera, frames, job.depth, depth_kind=job.depth_kind)
        c.renders = renders.float().cpu()
        scale = model.vae.config.scaling_factor
        c.reference = encode_latents(model, c.renders.permute(0, 3, 1, 2) * 2.0 - 1.0, chunk) * scale
        c.noise_mask = guidance_math.guidance_noise_mask(holes, job.strength, latent_hw=tuple(c.reference.shape[-2:]))
    return c


def _denoise(model, size_hw: tuple[int, int], job: _SampleJob, c: _Conditions, generator, scheduler_cls,
             randn_tensor) -> tuple[torch.Tensor, int]:
    """The denoising loop from the ``job.denoise`` part of the schedule: latents [F, C, h, w] float and the number
    of steps run. Guided: starts from the guide's latents noised to the first sigma and re-inpaints the guide
    (masked per step: "init" = the fixed mask, "dual_clock" = released per ``job.release``) at every step."""
    dev, dtype, frames, guided = model.device, model.dtype, job.frames, job.guidance != "off"
    scheduler = scheduler_cls.from_config(model.scheduler_config)
    scheduler.set_timesteps(job.steps, device=dev)
    start = job.steps - min(int(job.steps * job.denoise), job.steps)
    timesteps = scheduler.timesteps[start:]
    if hasattr(scheduler, "set_begin_index"):
        scheduler.set_begin_index(start)
    run_sigmas = scheduler.sigmas.float().cpu()[start:]
    shape = (1, frames, model.unet.config.in_channels // 2, size_hw[0] // model.vae_scale,
             size_hw[1] // model.vae_scale)
    noise = randn_tensor(shape, generator=generator, device=torch.device("cpu"), dtype=torch.float32)
    if not guided:
        x = (noise * scheduler.init_noise_sigma).to(dev, dtype)
    else:
        ref = c.reference[None].to(dev, torch.float32)
        mask0 = c.noise_mask[None].to(dev, torch.float32)  # [1, F, 1, h, w]
        noise = noise.to(dev)
        s0 = float(run_sigmas[0])
        x = (ref + noise * (math.sqrt(1.0 + s0 * s0) if start == 0 else s0)).to(dtype)
    scales = torch.linspace(job.min_cfg, job.max_cfg, frames).view(1, frames, 1, 1, 1).to(dev, dtype)
    total, cfg = len(timesteps), job.max_cfg > 1.0
    with _stage("denoising"), torch.no_grad(), model.using(model.unet) as unet:
        for i, t in enumerate(timesteps):
            x_in = x
            if guided:
                sigma, sigma_next = float(run_sigmas[i]), float(run_sigmas[i + 1])
                mask = mask0 if job.guidance == "init" else guidance_math.step_mask(
                    mask0[0], sigma, run_sigmas, job.release, frames)[None]
                x_in = guidance_math.inpaint_input(x.float(), mask, ref, noise, sigma).to(dtype)
            model_in = torch.cat([x_in] * 2) if cfg else x_in
            model_in = torch.cat([scheduler.scale_model_input(model_in, t), c.cond], dim=2)
            pred = unet(model_in, t, encoder_hidden_states=c.embeds, added_time_ids=c.time_ids, return_dict=False)[0]
            if cfg:
                uncond, text = pred.chunk(2)
                pred = uncond + scales * (text - uncond)
            x_next = scheduler.step(pred, t, x_in).prev_sample
            if guided:
                x_next = guidance_math.inpaint_euler_step(x_next.float(), x.float(), x_in.float(), mask, ref, sigma,
                                                          sigma_next).to(dtype)
            x = x_next
            if job.on_progress is not None:
                job.on_progress(i + 1, total)
    return x[0].float(), total
