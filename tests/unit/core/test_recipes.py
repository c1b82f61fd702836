"""Prompt templates (seed 004) and SVD motion recipes (seed 002): core/recipes."""

import pytest

from draw_to_video.core.recipes import PROMPT_TEMPLATES, SVD_RECIPES, apply_recipe, build_prompt
from draw_to_video.pipelines.inputs import provide_example_image


@pytest.mark.parametrize("template", sorted(PROMPT_TEMPLATES))
def test_every_template_fills_subject_and_scene(template):
    pos, neg = build_prompt(template, "a red bicycle", "rainy street at night", "realistic", "dynamic")
    assert "a red bicycle" in pos and "rainy street at night" in pos and "{" not in pos
    assert pos.startswith("masterpiece, best quality") and "photorealistic" in pos and "dynamic motion" in pos
    assert PROMPT_TEMPLATES[template].negative.split(",")[0] in neg and "cartoon" in neg
    assert not set(pos.split(", ")) & set(neg.split(", ")), "a tag both wanted and unwanted"


def test_empty_slots_leave_no_gaps_and_bad_choices_say_what_to_use():
    pos, _ = build_prompt("nature", "", "", "none", "subtle")
    assert ", ," not in pos and not pos.endswith(",") and "beautiful natural landscape" in pos
    with pytest.raises(ValueError, match="use one of: action, nature, dialogue, product"):
        build_prompt("horror", "x")
    with pytest.raises(ValueError, match="style"):
        build_prompt("nature", "x", style="pixel")


def test_recipes_follow_the_seed_and_custom_keeps_the_inputs():
    assert apply_recipe("custom", 127, 6, 0.0, 25) == (127, 6, 0.0, 25)
    assert apply_recipe("portrait", 127, 6, 0.0, 0) == (60, 6, 0.1, 25)  # seed 002 6.1
    assert apply_recipe("product_360", 1, 1, 0.0, 0)[:3] == (150, 24, 0.3)  # seed 002 6.3
    assert all(1 <= r.motion_bucket_id <= 255 for r in SVD_RECIPES.values())
    with pytest.raises(ValueError, match="custom, portrait"):
        apply_recipe("slowmo", 1, 1, 0.0, 0)


def test_example_image_never_overwrites_a_users_file(tmp_path):
    assert provide_example_image(tmp_path) == "copied"
    assert provide_example_image(tmp_path) == "present"
    (tmp_path / "d2v_example.jpg").write_bytes(b"the user's own picture")
    assert provide_example_image(tmp_path) == "kept"
    assert (tmp_path / "d2v_example.jpg").read_bytes() == b"the user's own picture"
    assert provide_example_image(tmp_path / "new", source=tmp_path / "absent.jpg") == "missing"
