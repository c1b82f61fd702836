"""Prompt templates for the keyframe model and SVD motion recipes: data plus two pure functions.

The values are the project's starting choices, kept as data so they can be tuned in one place:

- prompt templates (action, nature, dialogue, product, each with its negative) and the quality, style and motion
  tags that are appended to a prompt;
- SVD motion recipes for four kinds of shot (portrait, landscape, product 360, action): motion_bucket_id, fps and
  augmentation level, within the bands SVD users report (128-200 for walking and running).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import check_text_size
from .limits import MAX_PROMPT_CHARS


@dataclass(frozen=True)
class PromptTemplate:
    """A scene template: ``positive`` with ``{subject}`` and ``{scene}`` slots, and what to keep out."""

    positive: str
    negative: str


PROMPT_TEMPLATES = {
    "action": PromptTemplate("cinematic action scene, dynamic movement, motion blur, {subject}, {scene}, "
                             "dramatic lighting, high energy", "static, boring, slow motion"),
    "nature": PromptTemplate("beautiful natural landscape, {subject}, {scene}, atmospheric, serene, gentle movement, "
                             "ambient lighting", "urban, artificial, chaotic"),
    "dialogue": PromptTemplate("conversation scene, {subject}, {scene}, facial expressions, lip sync, "
                               "natural gestures, medium shot", "frozen faces, unnatural movements"),
    "product": PromptTemplate("product showcase, {subject}, {scene}, rotating view, studio lighting, "
                              "clean background, professional presentation", "messy background, poor lighting"),
}
"""Four scene templates with two slots, ``subject`` (who or what: an action, characters, a product) and ``scene``
(where and when), each with its negative prompt."""

QUALITY_TAGS = "masterpiece, best quality, highly detailed"
TECHNICAL_TAGS = "sharp focus, professional"
STYLE_TAGS = {
    "cinematic": "cinematic, dramatic lighting, film grain",
    "realistic": "photorealistic, 8k uhd, dslr",
    "anime": "anime style, cel shading, vibrant colors",
    "none": "",
}
"""The tags a style adds to the prompt."""
STYLE_NEGATIVES = {
    "cinematic": "flat lighting, amateur footage",
    "realistic": "cartoon, anime, illustration, painting",
    "anime": "photorealistic, 3d render, photo",
    "none": "",
}
"""What each style keeps out (its negative prompt)."""
MOTION_TAGS = {
    "dynamic": "dynamic motion, action packed, motion blur",
    "smooth": "smooth movement, fluid motion",
    "subtle": "subtle movement, gentle motion",
}
"""The tags for motion intensity above 0.7 (dynamic), above 0.3 (smooth), else (subtle)."""
BASE_NEGATIVE = "worst quality, low quality, blurry, jpeg artifacts, watermark, text, deformed"


def _join(*parts: str) -> str:
    out = []
    for part in parts:
        out += [p.strip() for p in part.split(",") if p.strip()]
    return ", ".join(out)


def build_prompt(template: str, subject: str = "", scene: str = "", style: str = "cinematic",
                 motion: str = "smooth") -> tuple[str, str]:
    """(positive, negative) prompt strings for a text-to-image keyframe model.

    positive = quality tags, style tags, motion tags, the template with ``subject``/``scene`` filled (empty slots
    dropped), technical tags; negative = the template's negative, the style's, and common defects. ``ValueError``
    names the valid choices for an unknown template, style or motion."""
    for name, value, table in (("template", template, PROMPT_TEMPLATES), ("style", style, STYLE_TAGS),
                               ("motion", motion, MOTION_TAGS)):
        if value not in table:
            raise ValueError(f"unknown {name} {value!r}; use one of: {', '.join(table)}")
    for name, value in (("subject", subject), ("scene", scene)):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be text, got {type(value).__name__}")
        check_text_size(value, MAX_PROMPT_CHARS, name)
    t = PROMPT_TEMPLATES[template]
    body = t.positive.format(subject=subject.strip(), scene=scene.strip())
    positive = _join(QUALITY_TAGS, STYLE_TAGS[style], MOTION_TAGS[motion], body, TECHNICAL_TAGS)
    negative = _join(t.negative, STYLE_NEGATIVES[style], BASE_NEGATIVE)
    return positive, negative


@dataclass(frozen=True)
class MotionRecipe:
    """SVD settings for a kind of shot (the inputs of SVD Image Encode it sets)."""

    motion_bucket_id: int
    fps: int
    augmentation_level: float
    video_frames: int
    help: str


SVD_RECIPES = {
    "portrait": MotionRecipe(60, 6, 0.1, 25, "small motion, low augmentation: faces stay stable"),
    "landscape": MotionRecipe(100, 12, 0.0, 25, "water/clouds/trees drift; higher fps (bucket 70-100 at 12 fps)"),
    "product_360": MotionRecipe(150, 24, 0.3, 25, "turntable rotation (bucket 150, 24 fps, augmentation 0.3)"),
    "action": MotionRecipe(180, 12, 0.0, 25, "walking, running: the strong band 128-200"),
}
"""Frames: SVD-XT's 25 (a clip of 6-8 s does not fit one SVD pass; chain Frame Interpolate for length)."""
RECIPE_CHOICES = ("custom", *SVD_RECIPES)
"""``custom`` = the node's own motion_bucket_id / fps / augmentation_level / video_frames."""


def apply_recipe(recipe: str, motion_bucket_id: int, fps: int, augmentation_level: float,
                 video_frames: int) -> tuple[int, int, float, int]:
    """The (motion_bucket_id, fps, augmentation_level, video_frames) to use: the recipe's values, or the given ones
    for ``custom``. ``ValueError`` names the valid recipes."""
    if recipe == "custom":
        return motion_bucket_id, fps, augmentation_level, video_frames
    if recipe not in SVD_RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; use one of: {', '.join(RECIPE_CHOICES)}")
    r = SVD_RECIPES[recipe]
    return r.motion_bucket_id, r.fps, r.augmentation_level, r.video_frames
