"""A randomly initialised Wan 2.1 VACE model in diffusers' folder layout, built with diffusers' and transformers' own
classes, small enough for the unit tier (a second on a CPU).

``build_wan_vace_folder(path)`` writes model_index.json, transformer/ (``WanVACETransformer3DModel``: 2 layers of
width 16, VACE on layer 0, the real 96 VACE input channels: 2 x 16 latent channels + 8 x 8 mask cells), vae/
(``AutoencoderKLWan`` with base width 8: the real 8x spatial, 4x temporal compression and 16 latent channels),
text_encoder/ (``UMT5EncoderModel``, 1 layer of width 32), tokenizer/ (a word-level tokenizer made with the
``tokenizers`` library: no download) and scheduler/ (``UniPCMultistepScheduler`` as Wan's folders configure it).
Seeded.
"""

from __future__ import annotations

from pathlib import Path

import torch

TEXT_DIM = 32


def _tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["<pad>", "</s>", "<unk>", "a", "the", "scene", "camera", "moves", "cinematic", "shot", "of", "smooth",
             "blurry", "static", "light", "rocket", "night"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   model_max_length=512)


def build_wan_vace_folder(path: str | Path, seed: int = 0) -> Path:
    """Write the tiny random Wan VACE model to ``path`` (created) and return it."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACEPipeline, WanVACETransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(seed)
    transformer = WanVACETransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=8, in_channels=16, out_channels=16,
        text_dim=TEXT_DIM, freq_dim=32, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=32, vace_layers=[0], vace_in_channels=96)
    vae = AutoencoderKLWan(base_dim=8, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=32, d_model=TEXT_DIM, d_kv=8, d_ff=64, num_layers=1,
                                               num_heads=4, relative_attention_num_buckets=8, pad_token_id=0,
                                               eos_token_id=1))
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0,
                                        num_train_timesteps=1000)
    for m in (transformer, vae, text_encoder):
        m.eval().requires_grad_(False)
    pipe = WanVACEPipeline(tokenizer=_tokenizer(), text_encoder=text_encoder, transformer=transformer, vae=vae,
                           scheduler=scheduler)
    out = Path(path)
    pipe.save_pretrained(str(out))
    return out
