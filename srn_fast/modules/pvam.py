"""PVAM: parallel visual attention, visual features -> one glimpse per reading-order slot."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..config import SRNConfig
from ..kernels.pvam.reference import pvam_attention_reference
from .transformer import ScaledDropout, TransformerStack


class PVAM(nn.Module):
    """Encoder over the ``H/8 x W/8`` visual tokens, then additive attention with a query per slot."""

    def __init__(self, config: SRNConfig) -> None:
        super().__init__()
        d = config.d_model
        self.emb_scale = math.sqrt(d)
        # Never trained (stop-gradient in Paddle): always loaded, never regenerated.
        self.register_buffer("pos_table", torch.zeros(config.num_visual_tokens, d))
        self.drop = ScaledDropout(config.dropout, config.dropout_scale)
        self.encoder = TransformerStack.from_config(config, config.num_encoder_units)
        self.fc0 = nn.Linear(d, d)
        self.query = nn.Parameter(torch.zeros(config.max_text_length, d))
        self.scorer = nn.Linear(d, 1, bias=False)

    def forward(self, feat: torch.Tensor, stages: dict | None = None) -> torch.Tensor:
        """``feat`` ``[B, D, h, w]`` -> glimpses ``G`` ``[B, T, D]``.

        ``stages``, when given, receives ``pvam_encoder_out`` and ``pvam_attn_logits``.
        """
        v = feat.flatten(2).transpose(1, 2)  # [B, h*w, D]
        v = self.drop(v * self.emb_scale + self.pos_table.to(v.dtype))
        enc = self.encoder(v)  # [B, N, D]
        wf = self.fc0(enc)  # [B, N, D]: keys and values
        g, scores = pvam_attention_reference(wf, self.query, self.scorer.weight[0], return_scores=True)
        if stages is not None:
            stages["pvam_encoder_out"] = enc
            stages["pvam_attn_logits"] = scores
        return g
