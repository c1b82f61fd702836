"""Test-only ComfyUI node: writes what a Wan conditioning node put into the positive CONDITIONING (VACE's
``vace_frames`` / ``vace_mask``, Fun Control's ``concat_latent_image``) next to the guide it was given and that guide
VAE-encoded the way core encodes it, to ``output/<name>.safetensors``; passes the conditioning on unchanged. Linked
into a test server's ``custom_nodes`` only by the slow render-guide tests; never shipped with the pack."""

import os

import folder_paths
from safetensors.torch import save_file


class D2VTestConditioningProbe:
    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"positive": ("CONDITIONING",), "vae": ("VAE",), "images": ("IMAGE",),
                             "name": ("STRING", {"default": "probe"})},
                "optional": {"masks": ("MASK",)}}

    RETURN_TYPES = ("CONDITIONING",)
    FUNCTION = "probe"
    CATEGORY = "testing"

    def probe(self, positive, vae, images, name, masks=None):
        cond = positive[0][1]
        out = {"images": images.float().contiguous(), "encoded_images": vae.encode(images[..., :3]).float()}
        for key in ("vace_frames", "vace_mask"):
            if key in cond:
                out[key] = cond[key][0].float().contiguous()
        if "concat_latent_image" in cond:
            out["concat_latent_image"] = cond["concat_latent_image"].float().contiguous()
        if masks is not None:  # what WanVaceToVideo encodes: the video split at the mask around grey
            m = masks[..., None].float()
            video = images[..., :3].float() - 0.5
            out["masks"] = masks.float().contiguous()
            out["encoded_inactive"] = vae.encode(video * (1 - m) + 0.5).float()
            out["encoded_reactive"] = vae.encode(video * m + 0.5).float()
        save_file({k: v.cpu().contiguous() for k, v in out.items()},
                  os.path.join(folder_paths.get_output_directory(), f"{name}.safetensors"))
        return (positive,)


NODE_CLASS_MAPPINGS = {"D2VTest_ConditioningProbe": D2VTestConditioningProbe}
