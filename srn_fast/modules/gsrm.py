"""GSRM: global semantic reasoning over the argmax word ids with two masked transformer streams."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..config import SRNConfig
from ..kernels.gsrm.reference import gsrm_embed_reference, stream_input_reference
from ..kernels.mha.reference import mask_bias
from .transformer import ScaledDropout, TransformerStack


class GSRM(nn.Module):
    """``word_out = fc0(G)``; forward stream (causal) over ``[pad, ids[:-1]]``, backward stream
    (anti-causal) over ``ids``; ``S = f_fwd + shift_left(f_bwd)``; ``gsrm_out = S @ E^T``."""

    def __init__(self, config: SRNConfig) -> None:
        super().__init__()
        d, t = config.d_model, config.max_text_length
        self.pad_id = config.pad_id
        self.emb_scale = math.sqrt(d)
        self.fc0 = nn.Linear(d, config.num_classes)
        # One embedding shared by both streams and by the tied output projection.
        self.word_embedding = nn.Parameter(torch.zeros(config.num_classes + 1, d))
        self.register_buffer("pos_table_forward", torch.zeros(t, d))
        self.register_buffer("pos_table_backward", torch.zeros(t, d))
        self.register_buffer("causal_bias", mask_bias("causal", t), persistent=False)
        self.register_buffer("anticausal_bias", mask_bias("anticausal", t), persistent=False)
        self.drop = ScaledDropout(config.dropout, config.dropout_scale)
        self.forward_stream = TransformerStack.from_config(config, config.num_decoder_units)
        self.backward_stream = TransformerStack.from_config(config, config.num_decoder_units)

    def embed(self, word_out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Word logits ``[B, T, C]`` -> ``(ids, x_forward, x_backward)`` (dropout scale applied)."""
        dtype = word_out.dtype
        ids, x_fwd, x_bwd = gsrm_embed_reference(
            word_out,
            self.word_embedding,
            self.pos_table_forward.to(dtype),
            self.pos_table_backward.to(dtype),
            self.pad_id,
            self.emb_scale,
        )
        return ids, self.drop(x_fwd), self.drop(x_bwd)

    def stream_input(self, tokens: torch.Tensor, stream: int) -> torch.Tensor:
        """Tokens ``[B, T]`` -> stream ``stream``'s input ``[B, T, D]`` (0: forward, 1: backward)."""
        pos = (self.pos_table_forward, self.pos_table_backward)[stream]
        x = stream_input_reference(
            tokens, self.word_embedding, pos.to(self.word_embedding.dtype), self.emb_scale
        )
        return self.drop(x)

    def run_stream(self, x: torch.Tensor, stream: int) -> torch.Tensor:
        """Stream ``stream`` (0: forward, causal; 1: backward, anti-causal) on ``[B, T, D]``."""
        if stream == 0:
            return self.forward_stream(x, self.causal_bias)
        return self.backward_stream(x, self.anticausal_bias)

    def run_streams(self, x_fwd: torch.Tensor, x_bwd: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both streams: ``[B, T, D]`` each -> ``(f_forward, f_backward)`` (before the shift)."""
        return self.run_stream(x_fwd, 0), self.run_stream(x_bwd, 1)

    def forward(self, g: torch.Tensor, stages: dict | None = None):
        """``g`` ``[B, T, D]`` -> ``(S [B, T, D], word_out [B, T, C], gsrm_out [B, T, C + 1])``."""
        word_out = self.fc0(g)
        ids, x_fwd, x_bwd = self.embed(word_out)
        f_fwd, f_bwd = self.run_streams(x_fwd, x_bwd)
        shifted = torch.cat([f_bwd[:, 1:], torch.zeros_like(f_bwd[:, :1])], dim=1)
        s = f_fwd + shifted
        gsrm_out = torch.matmul(s, self.word_embedding.t())
        if stages is not None:
            stages.update(
                gsrm_word_ids=ids,
                gsrm_word1_ids=torch.cat([torch.full_like(ids[:, :1], self.pad_id), ids[:, :-1]], dim=1),
                gsrm_feature1=f_fwd,
                gsrm_feature2=f_bwd,
            )
        return s, word_out, gsrm_out
