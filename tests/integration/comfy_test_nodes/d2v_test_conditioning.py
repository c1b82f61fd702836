"""Test-only ComfyUI node: seeded random CONDITIONING of a text encoder's shape, standing in for a model too big
for a CPU test (Wan's 5B umt5-xxl: ``[1, tokens, 4096]``). Linked into a test server's ``custom_nodes`` only by the
slow end-to-end test; never shipped with the pack."""

import torch


class D2VTestRandomConditioning:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"tokens": ("INT", {"default": 16, "min": 1, "max": 512}),
                             "dim": ("INT", {"default": 4096, "min": 1, "max": 8192}),
                             "seed": ("INT", {"default": 0, "min": 0, "max": 2**31 - 1})}}

    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "make"
    CATEGORY = "testing"

    def make(self, tokens, dim, seed):
        gen = torch.Generator().manual_seed(seed)
        return ([[torch.randn(1, tokens, dim, generator=gen) * 0.1, {}]],)


NODE_CLASS_MAPPINGS = {"D2VTest_RandomConditioning": D2VTestRandomConditioning}
