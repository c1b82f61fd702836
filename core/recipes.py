"""Prompt templates for the keyframe model and SVD motion recipes: data plus two pure functions.

Values come from the seed documents in ``../shared/seeds`` (see its README):

- prompt templates, quality/style/motion tags: ``004_0e3b99ca1b6a0c3a.txt`` section 5.1 "提示词工程"
  (``PromptTemplateService.init``: action, nature, dialogue, product with their negatives;
  ``SmartPromptOptimizer.generate_optimized_prompt``: quality, style and motion tags).
- motion recipes: ``002_16a9c658e4979718.txt`` section 6 "实战案例" (6.1 portrait, 6.2 landscape, 6.3 product 360)
  and section 1.2 (the motion_bucket_id ranges: 128-200 "walking, running" for action).
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
"""Seed 004 section 5.1 (``PromptTemplateService``); its variables ({action}, {location}, {time_of_day},
{characters}, {product}) are folded into the two slots ``subject`` and ``scene``."""

QUALITY_TAGS = "masterpiece, best quality, highly detailed"
TECHNICAL_TAGS = "sharp focus, professional"
STYLE_TAGS = {
    "cinematic": "cinematic, dramatic lighting, film grain",
    "realistic": "photorealistic, 8k uhd, dslr",
    "anime": "anime style, cel shading, vibrant colors",
    "none": "",
}
"""Seed 004 ``generate_optimized_prompt``: the style tags."""
STYLE_NEGATIVES = {
    "cinematic": "flat lighting, amateur footage",
    "realistic": "cartoon, anime, illustration, painting",
    "anime": "photorealistic, 3d render, photo",
    "none": "",
}
"""Ours (the seed does not show ``generate_negative_prompt``): what each style keeps out."""
MOTION_TAGS = {
    "dynamic": "dynamic motion, action packed, motion blur",
    "smooth": "smooth movement, fluid motion",
    "subtle": "subtle movement, gentle motion",
}
"""Seed 004 ``generate_optimized_prompt``: motion intensity > 0.7, > 0.3, else."""
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
    "portrait": MotionRecipe(60, 6, 0.1, 25, "small motion, low augmentation: faces stay stable (seed 002 6.1)"),
    "landscape": MotionRecipe(100, 12, 0.0, 25, "water/clouds/trees drift; higher fps (seed 002 6.2: 70-100, 12 fps)"),
    "product_360": MotionRecipe(150, 24, 0.3, 25, "turntable rotation (seed 002 6.3: bucket 150, 24 fps, aug 0.3)"),
    "action": MotionRecipe(180, 12, 0.0, 25, "walking, running: the strong band 128-200 (seed 002 1.2)"),
}
"""Seed 002 section 6 (portrait, landscape, product 360) and section 1.2 (action). Frames: SVD-XT's 25 (the seed's
durations of 6-8 s do not fit one SVD pass; chain Frame Interpolate for length)."""
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
