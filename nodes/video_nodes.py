"""Frame Interpolate, Temporal Consistency and Video Quality Report: thin V3 glue over video/."""

from __future__ import annotations

from comfy_api.latest import io, ui

from ..core import limits
from ..core.frames import check_image_batch
from ..core.params import INTERPOLATE, TEMPORAL, fps_ratio_error
from ..pipelines import budget
from ..video.interpolate import MIN_SIDE, interpolate_clip, plan_clip
from ..video.metrics import quality_report
from ..video.temporal import temporal_consistency
from .common import even_for_video, output_device, progress, release_memory
from .schema import CATEGORY, params_inputs
from .types import Camera


class FrameInterpolate(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_FrameInterpolate",
            display_name="Frame Interpolate",
            category=CATEGORY,
            description="Flow-based frame interpolation (OpenCV DIS + occlusion-aware blending, no model download). "
                        "multiplier m: (B-1)*m+1 frames (B*m with loop). target_fps > 0 overrides the multiplier: "
                        "frames at every source_fps/target_fps step that fits in the clip. Scene cuts are held, "
                        f"not morphed. Limits: frames at least {MIN_SIDE}x{MIN_SIDE} px, at most "
                        f"{limits.MAX_FRAMES} output frames and {limits.format_bytes(limits.MEMORY_BUDGET_BYTES)} of "
                        "memory (estimated before it starts); an odd width or height loses its last column or row "
                        "(video needs even sizes).",
            inputs=[
                io.Image.Input("frames", tooltip="The clip: an IMAGE batch, one frame per batch entry."),
                *params_inputs(INTERPOLATE, ["multiplier", "source_fps", "target_fps"]),
                io.Boolean.Input("loop", default=False,
                                 tooltip="Also interpolate from the last frame back to the first (seamless loops)."),
                *params_inputs(INTERPOLATE, ["quality"]),
            ],
            outputs=[
                io.Image.Output("frames_out", display_name="frames"),
                io.Float.Output("fps", display_name="fps",
                                tooltip="Frame rate of the output: wire it into CreateVideo."),
            ],
        )

    @classmethod
    def validate_inputs(cls, multiplier=None, source_fps=None, target_fps=None):
        # Named inputs only (no **kwargs): ComfyUI skips the min/max check of the inputs named here, so their ranges
        # are checked here (core/params), and still checks the others (loop, quality).
        values = {}
        for name, v in (("multiplier", multiplier), ("source_fps", source_fps), ("target_fps", target_fps)):
            if v is None:  # linked from another node: checked when it runs
                continue
            try:
                values[name] = INTERPOLATE[name].check(v, name)
            except ValueError as e:
                return str(e)
        if "target_fps" in values and "source_fps" in values:
            return fps_ratio_error(values["source_fps"], values["target_fps"]) or True
        return True

    @classmethod
    def execute(cls, frames, multiplier, source_fps, target_fps, loop, quality) -> io.NodeOutput:
        # Linked values are never range-checked by ComfyUI: the node checks every input itself too.
        values = {n: INTERPOLATE[n].check(v, n) for n, v in
                  (("multiplier", multiplier), ("source_fps", source_fps), ("target_fps", target_fps),
                   ("quality", quality))}
        error = fps_ratio_error(values["source_fps"], values["target_fps"])
        if error:
            raise ValueError(error)
        frames = even_for_video(check_image_batch(frames, "frames"), "Frame Interpolate")
        b, h, w, c = frames.shape
        tfps = values["target_fps"] if values["target_fps"] > 0 else None
        plan = plan_clip(b, values["multiplier"], tfps, values["source_fps"], bool(loop), max_frames=limits.MAX_FRAMES)
        budget.check_interpolate(b, len(plan), h, w, c)
        out, fps = interpolate_clip(frames, multiplier=values["multiplier"], target_fps=tfps,
                                    source_fps=values["source_fps"], loop=bool(loop), quality=values["quality"],
                                    on_progress=progress(len(plan)))
        release_memory()
        return io.NodeOutput(out.to(output_device()), float(fps))


class TemporalConsistency(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_TemporalConsistency",
            display_name="Temporal Consistency",
            category=CATEGORY,
            description="Deflicker, denoise and steady a generated clip: colour statistics matched over time, "
                        "a flow-aligned, occlusion-aware local colour correction in both directions, then fine "
                        "detail averaged with the flow-aligned neighbours where they agree within the noise "
                        "(detail). A reference clip (e.g. the 2.5D render) guides the flow. Limits: frames at "
                        "least 16x16 px, "
                        f"{limits.format_bytes(limits.MEMORY_BUDGET_BYTES)} of memory (estimated before it starts); "
                        "an odd width or height loses its last column or row (video needs even sizes).",
            inputs=[
                io.Image.Input("frames", tooltip="The clip to stabilise."),
                *params_inputs(TEMPORAL, ["strength", "sigma", "detail"]),
                io.Image.Input("reference", optional=True,
                               tooltip="Optional clip with the same frame count (e.g. the 2.5D render or the "
                                       "original frames) whose optical flow is used."),
            ],
            outputs=[io.Image.Output("frames_out", display_name="frames")],
        )

    @classmethod
    def execute(cls, frames, strength, sigma, detail, reference=None) -> io.NodeOutput:
        frames = even_for_video(check_image_batch(frames, "frames"), "Temporal Consistency")
        if reference is not None:
            reference = check_image_batch(reference, "reference")
            if reference.shape[1:3] != frames.shape[1:3]:  # the same cut as the frames (an odd reference too)
                reference = even_for_video(reference, "Temporal Consistency (reference)")
        b, h, w, c = frames.shape
        budget.check_temporal(b, h, w, c)
        out = temporal_consistency(frames, strength=strength, sigma=sigma, detail=detail, reference=reference,
                                   on_progress=progress())
        release_memory()
        return io.NodeOutput(out.to(output_device()))


class VideoQualityReport(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_VideoQualityReport",
            display_name="Video Quality Report",
            category=CATEGORY,
            description="Flicker index, warping error E_warp (Lai et al. 2018) and, with a reference clip, "
                        "PSNR / SSIM / detail kept.",
            inputs=[
                io.Image.Input("frames"),
                io.Image.Input("reference", optional=True,
                               tooltip="Same-size clip to compare with (e.g. the input of Temporal Consistency)."),
                Camera.Input("camera", optional=True,
                             tooltip="The camera the clip was asked to follow: adds RotErr, TransErr and CamMC of "
                                     "the camera tracked back from the frames (CamI2V's definitions)."),
            ],
            outputs=[io.String.Output("report", display_name="report"),
                     io.Float.Output("warp_error", display_name="warp_error"),
                     io.Float.Output("flicker_index", display_name="flicker_index")],
            is_output_node=True,
        )

    @classmethod
    def execute(cls, frames, reference=None, camera=None) -> io.NodeOutput:
        check_image_batch(frames, "frames")
        rep = quality_report(frames, reference, on_progress=progress(max(1, frames.shape[0] - 1)))
        text = rep.format()
        if camera is not None:
            from ..pipelines.track import clip_camera_accuracy

            if camera.frames != frames.shape[0]:
                raise ValueError(f"the camera has {camera.frames} frames but the clip has {frames.shape[0]}: connect "
                                 "the camera the clip was made with")
            acc, _ = clip_camera_accuracy(frames, camera, on_progress=progress(frames.shape[0]))
            text += (f"\ncamera (CamI2V definitions): RotErr {acc.rot_err:.4f} rad (mean {acc.rot_err_mean_deg:.3f}"
                     f" deg a frame), TransErr {acc.trans_err:.4f}, CamMC {acc.cammc:.4f}, centre error "
                     f"{100 * acc.centre_err:.1f} % of the path")
        return io.NodeOutput(text, float(rep.warp_error), float(rep.flicker_index), ui=ui.PreviewText(text))


NODES = [FrameInterpolate, TemporalConsistency, VideoQualityReport]
