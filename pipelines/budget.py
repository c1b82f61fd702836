"""An up-front estimate of a whole ComfyUI prompt's frames and memory, from the pack's nodes, before anything runs.

Each node checks its own budget when it runs (``core/limits.check_budget``), but by then the nodes before it have
run, maybe for minutes: 1000 frames through Frame Interpolate x16 would render and stabilise 1000 frames first.
:func:`estimate_prompt` walks the API-format graph (``{id: {"class_type", "inputs"}}``) from its sources and
carries a clip's size, frames x height x width, through every pack node whose output size its inputs decide
(the trajectory's frames, the render's ``max_size``, the interpolation's multiplier, a shot list's spec), with
each node's working memory from the same ``core/limits`` formulas the node uses. :meth:`PromptEstimate.refusal`
names the first node that would output more than ``MAX_FRAMES`` frames or need more than the memory budget, and
the setting to lower; when no single node is over, the outputs ComfyUI keeps for the whole prompt (every node's
result stays cached until the prompt ends) plus the largest working set are checked together.

Pure and lenient: anything it cannot size (a core node it does not know, a link to nowhere, a malformed value)
is unknown and checks nothing — ComfyUI's validation and the nodes' own checks report those. Image files are sized
through the ``image_size`` callable the node glue passes (ComfyUI's input folder); here it knows no files.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from ..core import limits
from ..core.frames import fit_size
from ..core.params import RENDER

MAX_NODES = 10_000
"""Prompts with more nodes than this are not walked (ComfyUI's validation deals with them)."""


@dataclass(frozen=True)
class Clip:
    """A batch of frames: ``frames`` x ``height`` x ``width`` (height = width = 0 for a camera: frames only;
    ``fps`` where the graph states it, e.g. a trajectory's)."""

    frames: int
    height: int = 0
    width: int = 0
    fps: float | None = None

    @property
    def bytes(self) -> int:
        """float32 RGB bytes of the batch (what an IMAGE output holds)."""
        return limits.clip_bytes(self.frames, self.height, self.width)


@dataclass(frozen=True)
class NodeCost:
    """One pack node's estimate: its main output, the working memory of its run (inputs and output included),
    and the advice of a refusal (``setting``: the input to lower, ``fix``: the sentence)."""

    node_id: str
    class_type: str
    name: str
    output: Clip | None
    work_bytes: int
    setting: str
    fix: str


@dataclass(frozen=True)
class Refusal:
    node_id: str
    class_type: str
    setting: str
    message: str


@dataclass(frozen=True)
class PromptEstimate:
    nodes: tuple[NodeCost, ...]

    @property
    def kept_bytes(self) -> int:
        """Bytes of the outputs ComfyUI keeps until the prompt ends (every sized node's main output)."""
        return sum(_kept(c) for c in self.nodes)

    @property
    def peak_bytes(self) -> int:
        """The whole prompt's memory, roughly: the largest of one node's working set (its own output included) plus
        every other node's kept output (conservative: ComfyUI has only run the nodes before it)."""
        kept = self.kept_bytes
        return max((c.work_bytes + kept - _kept(c) for c in self.nodes), default=0)

    def refusal(self, budget: int | None = None, max_frames: int = limits.MAX_FRAMES) -> Refusal | None:
        """The first reason to refuse the prompt before it runs, or None. ``budget`` defaults to
        ``core/limits.memory_budget()``."""
        budget = limits.memory_budget() if budget is None else int(budget)
        for c in self.nodes:
            if c.output is not None and c.output.frames > max_frames:
                return Refusal(c.node_id, c.class_type, c.setting,
                               f"{c.name} (node {c.node_id}) would make {c.output.frames} frames, more than the "
                               f"{max_frames} a node may output: {c.fix}")
        for c in self.nodes:
            if c.work_bytes > budget:
                return Refusal(c.node_id, c.class_type, c.setting,
                               f"{c.name} (node {c.node_id}) needs about {limits.format_bytes(c.work_bytes)} of "
                               f"memory{_for(c.output)}, more than the {limits.format_bytes(budget)} limit: {c.fix} "
                               "(or set D2V_MEMORY_BUDGET_GB higher on a machine with more memory)")
        if self.peak_bytes > budget and self.nodes:
            c = max(self.nodes, key=lambda c: c.work_bytes)
            return Refusal(c.node_id, c.class_type, c.setting,
                           f"the prompt keeps about {limits.format_bytes(self.peak_bytes)} of frames in memory, "
                           f"more than the {limits.format_bytes(budget)} limit; {c.name} (node {c.node_id}) is "
                           f"the largest{_for(c.output)}: {c.fix} (or set D2V_MEMORY_BUDGET_GB higher)")
        return None


def _kept(c: NodeCost) -> int:
    return c.output.bytes if c.output is not None and c.output.height else 0


def _for(clip: Clip | None) -> str:
    return f" for {clip.frames} frames of {clip.width}x{clip.height}" if clip is not None and clip.height else ""


def _int(v, default=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return default
    return int(v)


def _num(v, default=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return default
    return float(v)


def _is_link(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and isinstance(v[0], (str, int)) and isinstance(v[1], int)


def interpolated_frames(b: int, multiplier: int, target_fps: float | None, source_fps: float | None,
                        loop: bool) -> int:
    """Output frame count of Frame Interpolate (``video/interpolate.plan_clip``'s rules, without building the
    plan): ``(b - 1) * m + 1`` (``b * m`` looped), or by target_fps / source_fps when both are known."""
    if target_fps and source_fps:
        step = source_fps / target_fps
        return max(1, round(b / step)) if loop else math.floor((b - 1) / step) + 1
    m = max(1, int(multiplier))
    return b * m if loop else (b - 1) * m + 1


# --- one step's working memory: the formulas the nodes check when they run, the Python API path (finish_clip,
# keyframe_clip, apply_director_style) checks too, and the rules below use to size a prompt ---------------------------
EFFECT_CLIP_COPIES = 4
"""An effect holds about this many float copies of its output (input on the device, work, output)."""
EFFECT_RETIME_FACTOR = 3
"""Effects that retime make up to about this many times the input frames (bullet time ~1.6x at intensity 1)."""


def interpolate_bytes(frames_in: int, frames_out: int, height: int, width: int, channels: int = 3) -> int:
    """Frame interpolation: the input and output clips plus one pair's flows."""
    return limits.clip_bytes(frames_out + frames_in, height, width, channels) \
        + height * width * limits.FLOW_BYTES_PER_PIXEL


def temporal_bytes(frames: int, height: int, width: int, channels: int = 3) -> int:
    """Temporal consistency: the clip's working copies, the window of neighbours and one pair's flows."""
    return (limits.clip_bytes(frames, height, width, channels) * limits.TEMPORAL_CLIP_COPIES
            + limits.clip_bytes(min(frames, limits.TEMPORAL_WINDOW_FRAMES), height, width, channels)
            + height * width * limits.FLOW_BYTES_PER_PIXEL)


def keyframes_bytes(inbetweens: int, height: int, width: int, channels: int = 3) -> int:
    """Keyframe interpolation: the in-betweens and both keyframes, plus the flows between them."""
    return limits.clip_bytes(inbetweens + 2, height, width, channels) + height * width * limits.FLOW_BYTES_PER_PIXEL


def effect_bytes(frames: int, height: int, width: int, retimes: bool) -> int:
    """One effect: ``EFFECT_CLIP_COPIES`` copies of its output (``EFFECT_RETIME_FACTOR`` times longer when it
    retimes)."""
    return limits.clip_bytes(frames * (EFFECT_RETIME_FACTOR if retimes else 1), height, width) * EFFECT_CLIP_COPIES


def director_bytes(frames: int, height: int, width: int) -> int:
    """A director style's retime and grade: three copies of the clip."""
    return limits.clip_bytes(frames, height, width) * 3


def check_interpolate(frames_in: int, frames_out: int, height: int, width: int, channels: int = 3) -> None:
    """``ValueError`` (``limits.check_budget``) when interpolating to ``frames_out`` frames is over budget."""
    limits.check_budget(interpolate_bytes(frames_in, frames_out, height, width, channels),
                        f"interpolating {frames_in} frames of {width}x{height} to {frames_out}",
                        "lower the multiplier or target_fps, or shorten or downscale the clip")


def check_temporal(frames: int, height: int, width: int, channels: int = 3) -> None:
    """``ValueError`` when stabilising the clip is over budget."""
    limits.check_budget(temporal_bytes(frames, height, width, channels),
                        f"stabilising {frames} frames of {width}x{height}", "shorten or downscale the clip")


def check_keyframes(inbetweens: int, height: int, width: int, channels: int = 3) -> None:
    """``ValueError`` when the in-betweens are over budget."""
    limits.check_budget(keyframes_bytes(inbetweens, height, width, channels),
                        f"{inbetweens} in-between frames of {width}x{height}", "lower frames or downscale the images")


def check_effect(name: str, frames: int, height: int, width: int, retimes: bool) -> None:
    """``ValueError`` when the effect ``name`` on the clip is over budget."""
    limits.check_budget(effect_bytes(frames, height, width, retimes), f"{name} on {frames} frames of {width}x{height}",
                        "shorten or downscale the clip")


def check_director(frames: int, height: int, width: int) -> None:
    """``ValueError`` when a director style on the clip is over budget."""
    limits.check_budget(director_bytes(frames, height, width), f"director style on {frames} frames of {width}x{height}",
                        "shorten or downscale the clip")


# --- one rule per pack node (and the core sources): inputs -> (outputs by slot, NodeCost fields) --------------------
def _rule_load_image(inp, get, image_size):
    size = image_size(inp.get("image")) if isinstance(inp.get("image"), str) else None
    if size is None:
        return {}, None
    w, h = size
    return {0: Clip(1, h, w), 1: Clip(1, h, w)}, None


def _rule_empty_image(inp, get, image_size):
    b, h, w = _int(inp.get("batch_size"), 1), _int(inp.get("height")), _int(inp.get("width"))
    if not h or not w or b is None:
        return {}, None
    return {0: Clip(b, h, w)}, None


def _rule_draw_path(inp, get, image_size):
    img = get(inp.get("image"))
    return ({0: img} if img is not None else {}), None


def _rule_trajectory(inp, get, image_size):
    f, fps = _int(inp.get("frames")), _num(inp.get("fps"))
    return ({0: Clip(f, fps=fps), 4: Clip(0, fps=fps)} if f else {}), None


def _rule_render(inp, get, image_size):
    img, cam = get(inp.get("image")), get(inp.get("camera"))
    if img is None or cam is None or not img.height:
        return {}, None
    max_size = inp.get("max_size", RENDER["max_size"].default)
    max_size = _int(max_size, RENDER["max_size"].default) if not _is_link(max_size) else RENDER["max_size"].default
    h, w = fit_size(img.height, img.width, max(0, max_size))
    out = Clip(cam.frames, h, w)
    work = limits.render_bytes(h, w, cam.frames)  # the node's own estimate (frames and hole masks included)
    return {0: out, 1: Clip(cam.frames, h, w), 2: Clip(1, h, w)}, (
        out, work, "max_size", "lower max_size or the number of frames")


def _rule_interpolate(inp, get, image_size):
    clip = get(inp.get("frames"))
    m = _int(inp.get("multiplier"), 2)
    if clip is None or not clip.height or m is None or m < 1:
        return {}, None
    tfps, sfps = _num(inp.get("target_fps")), _num(inp.get("source_fps"))
    if sfps is None and get(inp.get("source_fps")) is not None:
        sfps = get(inp.get("source_fps")).fps
    if tfps and tfps > 0 and not sfps:
        return {}, None
    n = interpolated_frames(clip.frames, m, tfps if tfps and tfps > 0 else None, sfps, inp.get("loop") is True)
    out = Clip(n, clip.height, clip.width)
    work = interpolate_bytes(clip.frames, n, clip.height, clip.width)
    setting = "target_fps" if tfps and tfps > 0 else "multiplier"
    return {0: out}, (out, work, setting, "lower the multiplier or target_fps, or shorten or downscale the clip")


def _rule_temporal(inp, get, image_size):
    clip = get(inp.get("frames"))
    if clip is None or not clip.height:
        return {}, None
    work = temporal_bytes(clip.frames, clip.height, clip.width)
    return {0: clip}, (clip, work, "frames", "shorten or downscale the clip")


def _rule_same_clip(inp, get, image_size):
    clip = get(inp.get("frames"))
    if clip is None or not clip.height:
        return {}, None
    return {0: clip}, (clip, 2 * clip.bytes, "frames", "shorten or downscale the clip")


def _rule_shot_list(inp, get, image_size):
    spec = inp.get("spec")
    try:
        data = json.loads(spec) if isinstance(spec, str) and len(spec) < (1 << 20) else None
        shots = data["shots"]
        frames = sum(int(s["frames"]) for s in shots) - sum(int(s.get("transition_frames", 0)) for s in shots)
        w, h = int(data.get("width", 512)), int(data.get("height", 288))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return {}, None
    if frames < 1 or w < 1 or h < 1:
        return {}, None
    out = Clip(frames, h, w)
    largest = max((int(s["frames"]) for s in shots), default=0)
    work = out.bytes + limits.render_bytes(h, w, largest)
    return {0: out}, (out, work, "spec", "lower the shots' frames or the spec's width and height")


def _rule_keyframes(inp, get, image_size):
    start, f = get(inp.get("start")), _int(inp.get("frames"))
    if start is None or not start.height or not f:
        return {}, None
    out = Clip(f + 2, start.height, start.width)
    work = limits.render_bytes(start.height, start.width, out.frames) + out.bytes
    return {0: out}, (out, work, "frames", "lower frames or give smaller keyframes")


RULES: dict[str, tuple[str, Callable]] = {
    "LoadImage": ("Load Image", _rule_load_image),
    "EmptyImage": ("EmptyImage", _rule_empty_image),
    "D2V_DrawPathInput": ("Draw Path Input", _rule_draw_path),
    "D2V_CinematicCameraTrajectory": ("Cinematic Camera Trajectory", _rule_trajectory),
    "D2V_CameraMotionRender": ("Camera Motion Render", _rule_render),
    "D2V_FrameInterpolate": ("Frame Interpolate", _rule_interpolate),
    "D2V_TemporalConsistency": ("Temporal Consistency", _rule_temporal),
    "D2V_ExclusiveEffects": ("Effect", _rule_same_clip),
    "D2V_DirectorStyle": ("Director Style", _rule_same_clip),
    "D2V_ShotList": ("Shot List", _rule_shot_list),
    "D2V_KeyframeInterpolate": ("Keyframe Interpolate", _rule_keyframes),
}
"""class_type -> (the name a refusal uses, the rule). A rule maps a node's inputs to its output clips by slot (and
its cost); ``get(link)`` sizes an input link (None when unknown)."""


def estimate_prompt(prompt, image_size: Callable[[str], tuple[int, int] | None] = lambda name: None
                    ) -> PromptEstimate:
    """Sizes and working memory of every pack node of an API-format ``prompt`` (see the module docstring).

    ``image_size(name)``: ``(width, height)`` of a Load Image file name, or None when it cannot be read. Never
    raises: what cannot be sized is left out."""
    if not isinstance(prompt, dict) or len(prompt) > MAX_NODES:
        return PromptEstimate(())
    outputs: dict[str, dict[int, Clip]] = {}
    costs: list[NodeCost] = []
    visiting: set[str] = set()

    def size(node_id: str) -> dict[int, Clip]:
        if node_id in outputs:
            return outputs[node_id]
        node = prompt.get(node_id)
        if node_id in visiting or not isinstance(node, dict) or not isinstance(node.get("inputs"), dict):
            return {}
        rule = RULES.get(node.get("class_type"))
        if rule is None:
            outputs[node_id] = {}
            return {}
        visiting.add(node_id)
        try:
            def get(link):
                return size(str(link[0])).get(link[1]) if _is_link(link) else None

            outs, cost = rule[1](node["inputs"], get, image_size)
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
            outs, cost = {}, None
        finally:
            visiting.discard(node_id)
        outputs[node_id] = outs
        if cost is not None:
            title = (node.get("_meta") or {}).get("title") if isinstance(node.get("_meta"), dict) else None
            name = title.strip()[:60] if isinstance(title, str) and title.strip() else rule[0]
            costs.append(NodeCost(node_id, node["class_type"], name, *cost))
        return outs

    for node_id in prompt:
        if isinstance(node_id, str):
            try:
                size(node_id)
            except RecursionError:  # a chain deeper than Python's stack: the rest stays unknown
                pass
    return PromptEstimate(tuple(costs))
