"""One command that runs every CUDA path of the pack with random weights at realistic sizes.

Sections (each in its own try/except: a failure is printed and the next section runs):

* render: ``render_clip`` 1024x576, 49 frames (orbit, estimated depth, fill, overscan);
* svd_node: the SVD node's pipeline function ``encode_with_motion`` (CLIP vision, VAE encode, camera guide, guide
  latents) on the SVD-XT architecture, fp16, 1024x576 x 25 frames; ComfyUI's CLIP_VISION / VAE are duck-typed by
  thin adapters around diffusers' modules (the KSampler that follows the node is ComfyUI's, not the pack's);
* svd_generate / svd_generate_offload: ``generate(backend="svd")`` on the same model, 1024x576 x 25 frames, 2 steps,
  without and with CPU offload;
* wan_embedding: ``wan_camera_embedding`` 832x480 x 81 frames (computed on the CPU by design; the node moves it);
* camera_tracks: ``camera_tracks`` of a 1024x576 picture for an 832x480 video, on the device;
* effects: dolly_zoom, motion_blur, color_grade_cinematic on the rendered 49 frames, on the device;
* interpolate: ``interpolate_clip`` x2 of 100 frames of 1024x576 (OpenCV on the CPU by design).

Each prints seconds, frames/s, peak GPU memory (``torch.cuda.max_memory_allocated``; the CPU: peak RSS of the
process so far) and the largest difference from the CPU result. The CPU reference runs the same function on the CPU
at a smaller size where the full size is too slow there (render and effects at 256 px, SVD at 128x64 x 4 frames,
tracks at 256 px) — each row says which size it compared. With ``--device cpu`` the reference is the run itself:
no difference is reported, except with ``--tiny``, where the comparison runs CPU against CPU (difference 0) so
that CI exercises it. The SVD-XT configuration is written below (no download); the weights are random
(seeded), which costs what trained weights cost. Nothing here needs ComfyUI.

    python benchmarks/gpu_check.py [--device cuda|cpu] [--tiny] [--json out.json] [--only render,svd_generate]

``--tiny``: tiny sizes and a tiny SVD architecture (CI runs ``--device cpu --tiny`` in well under a minute).
Exit status 0 when every section ran, 1 when one failed.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import resource
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _pkg import import_package  # noqa: E402

import_package()

# stabilityai/stable-video-diffusion-img2vid-xt's configs (unet/, vae/, image_encoder/, scheduler/ config.json)
SVD_XT_UNET = dict(sample_size=96, in_channels=8, out_channels=4,
                   down_block_types=("CrossAttnDownBlockSpatioTemporal",) * 3 + ("DownBlockSpatioTemporal",),
                   up_block_types=("UpBlockSpatioTemporal",) + ("CrossAttnUpBlockSpatioTemporal",) * 3,
                   block_out_channels=(320, 640, 1280, 1280), addition_time_embed_dim=256,
                   projection_class_embeddings_input_dim=768, layers_per_block=2, cross_attention_dim=1024,
                   transformer_layers_per_block=1, num_attention_heads=(5, 10, 20, 20), num_frames=25)
SVD_XT_VAE = dict(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
                  block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, sample_size=768,
                  scaling_factor=0.18215, force_upcast=True)
SVD_XT_CLIP = dict(hidden_size=1280, intermediate_size=5120, projection_dim=1024, num_hidden_layers=32,
                   num_attention_heads=16, num_channels=3, image_size=224, patch_size=14, hidden_act="gelu",
                   layer_norm_eps=1e-5)
SVD_XT_SCHEDULER = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                        prediction_type="v_prediction", interpolation_type="linear", use_karras_sigmas=True,
                        sigma_min=0.002, sigma_max=700.0, timestep_spacing="leading", timestep_type="continuous",
                        steps_offset=1, final_sigmas_type="zero")
# a tiny architecture of the same classes for --tiny (width and height: multiples of 8)
TINY_UNET = dict(sample_size=16, in_channels=8, out_channels=4, block_out_channels=(32, 64),
                 down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
                 up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
                 addition_time_embed_dim=8, projection_class_embeddings_input_dim=24, layers_per_block=1,
                 cross_attention_dim=32, num_attention_heads=(2, 4), num_frames=6)
TINY_VAE = dict(block_out_channels=(32, 32, 32), layers_per_block=1, down_block_types=("DownEncoderBlock2D",) * 3,
                latent_channels=4, sample_size=64)
TINY_CLIP = dict(hidden_size=32, intermediate_size=37, projection_dim=32, num_hidden_layers=2, num_attention_heads=4,
                 image_size=224, patch_size=32)


@dataclass
class Sizes:
    render: tuple[int, int, int]        # width, height, frames
    svd: tuple[int, int, int]
    svd_ref: tuple[int, int, int]
    wan: tuple[int, int, int]
    tracks: tuple[int, int]             # video width, height (picture: the render size)
    interp: tuple[int, int, int]
    ref_side: int                       # long side of the CPU reference for render / effects / tracks


FULL = Sizes(render=(1024, 576, 49), svd=(1024, 576, 25), svd_ref=(128, 64, 4), wan=(832, 480, 81),
             tracks=(832, 480), interp=(1024, 576, 100), ref_side=256)
TINY = Sizes(render=(128, 72, 6), svd=(64, 64, 4), svd_ref=(64, 64, 3), wan=(64, 48, 9), tracks=(64, 48),
             interp=(96, 64, 6), ref_side=96)
EFFECTS = ("dolly_zoom", "motion_blur", "color_grade_cinematic")


@dataclass
class Row:
    name: str
    ok: bool = False
    seconds: float | None = None
    frames: int | None = None
    fps: float | None = None
    peak_gpu_mb: float | None = None
    held_gpu_mb: float | None = None  # allocated when the timing started (weights, clips of the section)
    peak_rss_mb: float | None = None
    max_abs_diff: float | None = None
    mean_abs_diff: float | None = None
    reference: str = ""
    note: str = ""
    error: str = ""
    extra: dict = field(default_factory=dict)


class Check:
    def __init__(self, device: torch.device, sizes: Sizes, tiny: bool):
        self.dev, self.s, self.tiny = device, sizes, tiny
        self.cpu = torch.device("cpu")
        self.rows: list[Row] = []
        self._picture: np.ndarray | None = None
        self._svd = None
        self._clip = None  # the rendered clip, for the effects

    # ---- helpers -------------------------------------------------------------------------------------------
    def sync(self) -> None:
        if self.dev.type == "cuda":
            torch.cuda.synchronize(self.dev)

    def reset_peak(self) -> None:
        if self.dev.type == "cuda":
            self.sync()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(self.dev)

    def picture(self, width: int, height: int) -> torch.Tensor:
        """The pack's example photo (assets/example.jpg) at width x height, float32 [H, W, 3] on the CPU."""
        import cv2

        if self._picture is None:
            bgr = cv2.imread(str(HERE.parent / "assets" / "example.jpg"), cv2.IMREAD_COLOR)
            if bgr is None:
                raise FileNotFoundError("assets/example.jpg is missing")
            self._picture = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        img = cv2.resize(self._picture, (width, height), interpolation=cv2.INTER_AREA)
        return torch.from_numpy(img.astype(np.float32) / 255.0)

    def camera(self, frames: int, preset: str = "orbit_left", fps: float = 12.0):
        from draw_to_video.camera.moves import build_trajectory

        return build_trajectory(preset=preset, frames=frames, fps=fps, intensity=1.0)

    def timed(self, row: Row, fn, frames: int):
        self.reset_peak()
        if self.dev.type == "cuda":
            row.held_gpu_mb = round(torch.cuda.memory_allocated(self.dev) / 2**20, 1)
        t0 = time.perf_counter()
        out = fn()
        self.sync()
        row.seconds = round(time.perf_counter() - t0, 3)
        row.frames = frames
        row.fps = round(frames / row.seconds, 2) if row.seconds > 0 else None
        if self.dev.type == "cuda":
            row.peak_gpu_mb = round(torch.cuda.max_memory_allocated(self.dev) / 2**20, 1)
        row.peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        return out

    def compare(self, row: Row, fn, what: str) -> None:
        """fn(device) -> tensor/array; the largest difference between the device's and the CPU's result."""
        if self.dev.type == "cpu" and not self.tiny:
            row.reference = "the run is on the CPU: no reference to compare"
            return
        a = _as_np(fn(self.dev))
        b = _as_np(fn(self.cpu))
        if a.shape != b.shape:
            raise AssertionError(f"device result {a.shape} and CPU result {b.shape} differ in shape")
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
        row.max_abs_diff = float(d.max()) if d.size else 0.0
        row.mean_abs_diff = float(d.mean()) if d.size else 0.0
        row.reference = what
        if not np.isfinite(a).all():
            raise AssertionError("the device result has NaN or inf")

    def run(self, name: str, fn) -> Row:
        row = Row(name)
        print(f"[{name}] ...", flush=True)
        t0 = time.perf_counter()
        try:
            fn(row)
            row.ok = True
        except Exception as e:  # report and go on: every section runs
            row.error = f"{type(e).__name__}: {e}"
            traceback.print_exc(limit=6)
        finally:
            if self.dev.type == "cuda":
                torch.cuda.empty_cache()
        print(f"[{name}] {'ok' if row.ok else 'FAILED'} in {time.perf_counter() - t0:.1f} s total: " + _fmt(row),
              flush=True)
        self.rows.append(row)
        return row

    # ---- sections ------------------------------------------------------------------------------------------
    def render(self, row: Row) -> None:
        from draw_to_video.pipelines.render import render_clip

        w, h, f = self.s.render
        img, cam = self.picture(w, h), self.camera(f)
        res = self.timed(row, lambda: render_clip(img.to(self.dev), cam), f)
        self._clip = res.frames.float()
        row.extra["size"] = f"{w}x{h}x{f}"
        row.extra["coverage_min"] = round(float(res.coverage.min()), 4)
        ref_cam = self.camera(8)
        self.compare(row, lambda d: render_clip(img.to(d), ref_cam, max_size=self.s.ref_side).frames.float().cpu(),
                     f"render_clip 8 frames at max_size {self.s.ref_side}, device vs CPU")

    def svd_model(self, device: torch.device, dtype: torch.dtype, offload: bool = False):
        """The SVD-XT (or tiny) architecture with seeded random weights as the pack's SVDModel."""
        from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel
        from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

        from draw_to_video.pipelines.svd_diffusers import SVDModel

        if self._svd is None:
            torch.manual_seed(0)
            unet_cfg, vae_cfg, clip_cfg = (TINY_UNET, TINY_VAE, TINY_CLIP) if self.tiny else (
                SVD_XT_UNET, SVD_XT_VAE, SVD_XT_CLIP)
            with torch.device(self.dev):  # random init on the device: seconds instead of minutes on the CPU
                parts = {"unet": UNetSpatioTemporalConditionModel(**unet_cfg),
                         "vae": AutoencoderKLTemporalDecoder(**vae_cfg),
                         "image_encoder": CLIPVisionModelWithProjection(CLIPVisionConfig(**clip_cfg))}
            for m in parts.values():
                m.eval().requires_grad_(False)
            self._svd = parts
        parts = {k: copy.deepcopy(m).to(device="cpu" if offload else device, dtype=dtype)
                 for k, m in self._svd.items()}
        return SVDModel(unet=parts["unet"], vae=parts["vae"], image_encoder=parts["image_encoder"],
                        scheduler_config=dict(SVD_XT_SCHEDULER),
                        feature_extractor=CLIPImageProcessor(crop_size=224, size={"shortest_edge": 224}),
                        device=device, dtype=dtype, offload=offload and device.type == "cuda", path="random")

    def dtype(self, device: torch.device) -> torch.dtype:
        return torch.float16 if device.type == "cuda" else torch.float32

    def svd_node(self, row: Row) -> None:
        from draw_to_video.pipelines.svd import encode_with_motion

        w, h, f = self.s.svd
        model = self.svd_model(self.dev, self.dtype(self.dev))
        img = self.picture(w, h)[None]
        cam = self.camera(f, "pan_right", 7.0)
        enc = self.timed(row, lambda: _encode(model, img, w, h, f, cam, encode_with_motion), f)
        row.extra["size"] = f"{w}x{h}x{f} {str(model.dtype).replace('torch.', '')}"
        row.extra["latent"] = list(enc.latent["samples"].shape)
        row.note = "the node's conditioning, guide renders and guide latents (the KSampler after it is ComfyUI's)"
        model = None  # free the device copy before the reference
        rw, rh, rf = self.s.svd_ref
        rimg, rcam = self.picture(rw, rh)[None], self.camera(rf, "pan_right", 7.0)

        def ref(d):
            m = self.svd_model(d, self.dtype(d))
            return _encode(m, rimg, rw, rh, rf, rcam, encode_with_motion).latent["samples"].float().cpu()

        self.compare(row, ref, f"guide latents at {rw}x{rh}x{rf}, device fp16 vs CPU fp32")

    def svd_generate(self, row: Row, offload: bool = False) -> None:
        from draw_to_video.pipelines.generate import generate

        w, h, f = self.s.svd
        model = self.svd_model(self.dev, self.dtype(self.dev), offload=offload)
        img = self.picture(w, h)

        def go(m, image, width, height, frames):
            return generate(image, preset="pan_right", frames=frames, backend="svd", svd_model=m, steps=2, seed=0,
                            width=width, height=height, decode_chunk_size=8, device=m.device.type).frames

        out = self.timed(row, lambda: go(model, img, w, h, f), f)
        row.extra["size"] = f"{w}x{h}x{f} {str(model.dtype).replace('torch.', '')}, 2 steps"
        row.extra["offload"] = model.offload
        if not torch.isfinite(out).all():
            raise AssertionError("the generated frames have NaN or inf")
        model = None  # free the device copy before the reference
        if offload:
            row.reference = "see svd_generate (offload moves the same modules)"
            return
        rw, rh, rf = self.s.svd_ref
        rimg = self.picture(rw, rh)
        self.compare(row, lambda d: go(self.svd_model(d, self.dtype(d)), rimg, rw, rh, rf),
                     f"frames at {rw}x{rh}x{rf}, 2 steps, device fp16 vs CPU fp32")

    def wan_embedding(self, row: Row) -> None:
        from draw_to_video.conditioning.wan import wan_camera_embedding

        w, h, f = self.s.wan
        cam = self.camera(f, "dolly_in", 16.0)
        emb = self.timed(row, lambda: wan_camera_embedding(cam, w, h, f), f)
        row.extra["size"] = f"{w}x{h}x{f}"
        row.extra["shape"] = list(emb.shape)
        row.reference = "computed on the CPU by design (the node moves the result to the device)"

    def camera_tracks(self, row: Row) -> None:
        from draw_to_video.conditioning.tracks import camera_tracks

        rw, rh, _ = self.s.render
        w, h = self.s.tracks
        img, cam = self.picture(rw, rh), self.camera(81, "orbit_left", 16.0)
        tr = self.timed(row, lambda: camera_tracks(img.to(self.dev), cam, width=w, height=h), 81)
        row.extra["size"] = f"picture {rw}x{rh}, video {w}x{h}"
        row.extra["tracks"] = len(tr.to_list())
        s = self.s.ref_side
        small = self.picture(s, round(s * rh / rw))
        self.compare(row, lambda d: np.nan_to_num(camera_tracks(small.to(d), cam, width=s,
                                                                height=round(s * h / w)).xy, nan=-1.0),
                     f"track points (pixels; -1 past a track's end) of a {s} px picture, device vs CPU")

    def effects(self, row: Row) -> None:
        from draw_to_video.effects.registry import apply_effect

        if self._clip is None:
            raise RuntimeError("the render section did not run: no clip for the effects")
        clip = self._clip.to(self.dev)
        f = clip.shape[0]
        cam = self.camera(f)
        times = {}
        self.reset_peak()
        t0 = time.perf_counter()
        for name in EFFECTS:
            t = time.perf_counter()
            out = apply_effect(name, clip, 1.0, 0, camera=cam)
            self.sync()
            times[name] = round(time.perf_counter() - t, 3)
            if not torch.isfinite(out).all():
                raise AssertionError(f"{name} gave NaN or inf")
        row.seconds = round(time.perf_counter() - t0, 3)
        row.frames = f * len(EFFECTS)
        row.fps = round(row.frames / row.seconds, 2)
        if self.dev.type == "cuda":
            row.peak_gpu_mb = round(torch.cuda.max_memory_allocated(self.dev) / 2**20, 1)
        row.extra["seconds_each"] = times
        row.extra["size"] = f"{clip.shape[2]}x{clip.shape[1]}x{f}"
        del clip
        small = _downscale(self._clip[:8], self.s.ref_side)
        self.compare(row, lambda d: torch.stack([apply_effect(n, small.to(d), 1.0, 0, camera=self.camera(8)).cpu()
                                                 for n in EFFECTS]),
                     f"the 3 effects on 8 frames at {small.shape[2]}x{small.shape[1]}, device vs CPU")

    def interpolate(self, row: Row) -> None:
        from draw_to_video.pipelines.render import render_clip
        from draw_to_video.video.interpolate import interpolate_clip

        w, h, f = self.s.interp
        clip = render_clip(self.picture(w, h).to(self.dev), self.camera(f)).frames.float().cpu()
        out, _ = self.timed(row, lambda: interpolate_clip(clip, multiplier=2), 2 * f - 1)
        row.extra["size"] = f"{w}x{h}, {f} -> {out.shape[0]} frames"
        row.reference = "OpenCV on the CPU by design (the same code on any device)"


def _encode(model, img, w, h, f, cam, encode_with_motion):
    """The node's job with ComfyUI's CLIP_VISION and VAE duck-typed on diffusers' modules (as ComfyUI does:
    encode_image -> .image_embeds, VAE.encode(pixels [B, H, W, 3] 0..1) -> latents)."""
    import torch.nn.functional as F

    from draw_to_video.pipelines import svd_diffusers as sd

    class ClipVision:
        def encode_image(self, image):
            px = sd.clip_pixels(model, image[..., :3].permute(0, 3, 1, 2).float())
            with model.using(model.image_encoder):
                emb = model.image_encoder(px.to(model.device, model.dtype)).image_embeds
            return SimpleNamespace(image_embeds=emb.float().cpu())

    class Vae:
        def encode(self, pixels):
            x = pixels[..., :3].permute(0, 3, 1, 2).float().cpu() * 2 - 1
            return sd.encode_latents(model, x, 8)

    def resize(image, width, height):
        x = F.interpolate(image.permute(0, 3, 1, 2), size=(height, width), mode="bilinear", antialias=True)
        return x.permute(0, 2, 3, 1)

    return encode_with_motion(ClipVision(), Vae(), img, w, h, resize=resize, video_frames=f, camera=cam,
                              guidance="init", device=model.device, output_device="cpu")


def _downscale(clip: torch.Tensor, side: int) -> torch.Tensor:
    import torch.nn.functional as F

    b, h, w, _ = clip.shape
    k = side / max(h, w)
    size = (max(2, round(h * k / 2) * 2), max(2, round(w * k / 2) * 2))
    return F.interpolate(clip.permute(0, 3, 1, 2).cpu(), size=size, mode="area").permute(0, 2, 3, 1).contiguous()


def _as_np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _fmt(r: Row) -> str:
    parts = []
    if r.seconds is not None:
        parts.append(f"{r.seconds:.2f} s")
    if r.fps is not None:
        parts.append(f"{r.fps:.2f} frames/s")
    if r.peak_gpu_mb is not None:
        parts.append(f"peak GPU {r.peak_gpu_mb:.0f} MiB ({r.held_gpu_mb or 0:.0f} held before the timing)")
    if r.max_abs_diff is not None:
        parts.append(f"max |device-CPU| {r.max_abs_diff:.3g} (mean {r.mean_abs_diff:.3g})")
    if r.extra:
        parts.append(", ".join(f"{k} {v}" for k, v in r.extra.items()))
    if r.error:
        parts.append(f"error: {r.error}")
    return "; ".join(parts)


SECTIONS = ("render", "svd_node", "svd_generate", "svd_generate_offload", "wan_embedding", "camera_tracks",
            "effects", "interpolate")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--tiny", action="store_true", help="tiny sizes and a tiny SVD (CI)")
    ap.add_argument("--json", default=None, help="write the summary as JSON to this path")
    ap.add_argument("--only", default="", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        print(f"unknown section(s) {', '.join(bad)}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: run with --device cpu (add --tiny for a quick check)", file=sys.stderr)
        return 2
    dev = torch.device(args.device)
    try:  # diffusers warns on every dtype cast of a randomly built model: not news here
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.set_verbosity_error()
    except ImportError:
        pass
    chk = Check(dev, TINY if args.tiny else FULL, args.tiny)
    info = {"device": str(dev), "gpu": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None,
            "torch": torch.__version__, "python": platform.python_version(), "tiny": args.tiny,
            "cpu_threads": torch.get_num_threads()}
    print(f"# gpu_check: {json.dumps(info)}", flush=True)
    t0 = time.perf_counter()
    todo = only or list(SECTIONS)
    if "effects" in todo and "render" not in todo:
        todo.insert(0, "render")  # the effects run on the rendered clip
    last_svd = max((i for i, n in enumerate(todo) if n.startswith("svd")), default=-1)
    for i, name in enumerate(todo):
        if i == last_svd + 1 and chk._svd is not None:  # the random SVD's float32 master copy goes
            chk._svd = None
            if dev.type == "cuda":
                torch.cuda.empty_cache()
        if name == "svd_generate_offload":
            if dev.type == "cpu":
                chk.rows.append(Row(name, ok=True, note="CPU offload only applies on CUDA: skipped on the CPU"))
                print(f"[{name}] skipped on the CPU", flush=True)
                continue
            chk.run(name, lambda r: chk.svd_generate(r, offload=True))
        else:
            chk.run(name, getattr(chk, name))
    total = time.perf_counter() - t0
    print(f"\n{'section':<22}{'ok':>4}{'s':>9}{'frames/s':>10}{'peak GPU MiB':>14}{'max |dev-CPU|':>15}")
    for r in chk.rows:
        print(f"{r.name:<22}{'yes' if r.ok else 'NO':>4}{_num(r.seconds, 9, '.2f')}{_num(r.fps, 10, '.2f')}"
              f"{_num(r.peak_gpu_mb, 14, '.0f')}{_num(r.max_abs_diff, 15, '.3g')}")
    print(f"total {total:.1f} s", flush=True)
    summary = {**info, "total_seconds": round(total, 1), "all_ok": all(r.ok for r in chk.rows),
               "sections": [asdict(r) for r in chk.rows]}
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    return 0 if summary["all_ok"] else 1


def _num(v, width: int, fmt: str) -> str:
    return f"{'-':>{width}}" if v is None else f"{format(v, fmt):>{width}}"


if __name__ == "__main__":
    sys.exit(main())
