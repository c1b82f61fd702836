"""Prompt Template: text-to-video prompts from scene templates (thin glue over core/recipes)."""

from __future__ import annotations

from comfy_api.latest import io

from ..core.limits import MAX_PROMPT_CHARS
from ..core.params import PROMPT
from ..core.recipes import build_prompt
from .schema import CATEGORY, params_inputs


class PromptTemplate(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_PromptTemplate",
            display_name="Prompt Template",
            category=CATEGORY,
            description="Positive and negative prompts for the keyframe (text-to-image) model of a text-to-video "
                        "workflow: a scene template (action, nature, dialogue, product) filled with subject and "
                        "scene, plus quality, style and motion tags, and a matching negative prompt.",
            inputs=[
                *params_inputs(PROMPT, ["template"]),
                io.String.Input("subject", default="alpine lake at sunrise", multiline=False,
                                tooltip="What the shot shows (a person, a product, a place); at most "
                                        f"{MAX_PROMPT_CHARS} characters."),
                io.String.Input("scene", default="mist over the water, pine forest", multiline=False,
                                tooltip="Where and when: setting, time of day, extra details. May be empty; at most "
                                        f"{MAX_PROMPT_CHARS} characters."),
                *params_inputs(PROMPT, ["style", "motion"]),
            ],
            outputs=[
                io.String.Output("positive", display_name="positive", tooltip="Wire into CLIP Text Encode (text)."),
                io.String.Output("negative", display_name="negative",
                                 tooltip="Wire into the negative CLIP Text Encode (text)."),
            ],
        )

    @classmethod
    def execute(cls, template, subject, scene, style, motion) -> io.NodeOutput:
        positive, negative = build_prompt(template, subject, scene, style, motion)
        return io.NodeOutput(positive, negative)


NODES = [PromptTemplate]
