"""SRN's pre-LayerNorm transformer unit (PaddleOCR's ``self_attention.py`` EncoderLayer)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..kernels.addnorm.reference import add_layer_norm_reference
from ..kernels.mha.reference import attention_reference


class ScaledDropout(nn.Module):
    """Dropout whose inference value is ``x * scale``.

    Training: ``x * mask / (1 - p) * scale``, so the expectation equals the inference value. With
    ``scale = 1 - p`` this is Paddle's ``downscale_in_infer``; with ``scale = 1`` PyTorch's dropout.
    """

    def __init__(self, p: float, scale: float) -> None:
        super().__init__()
        self.p = float(p)
        self.scale = float(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.p > 0.0:
            x = F.dropout(x, self.p, training=True)
        return x * self.scale if self.scale != 1.0 else x

    def extra_repr(self) -> str:
        return f"p={self.p}, scale={self.scale}"


class MultiHeadAttention(nn.Module):
    """q, k, v and output projections without bias; scores scaled by ``d_model ** -0.5``."""

    def __init__(self, d_model: int, num_heads: int, dropout: float, dropout_scale: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.q = nn.Linear(d_model, d_model, bias=False)
        self.k = nn.Linear(d_model, d_model, bias=False)
        self.v = nn.Linear(d_model, d_model, bias=False)
        self.proj = nn.Linear(d_model, d_model, bias=False)
        self.scale = d_model**-0.5
        self.dropout = dropout
        self.dropout_scale = dropout_scale

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` ``[B, L, D]``, additive ``bias`` ``[L, L]`` or ``None`` -> ``[B, L, D]``."""
        b, n, d = x.shape
        h = self.num_heads

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, h, d // h).transpose(1, 2)  # [B, H, L, Dh]

        out = attention_reference(
            heads(self.q(x)),
            heads(self.k(x)),
            heads(self.v(x)),
            scale=self.scale,
            prob_scale=self.dropout_scale,
            bias=bias,
            dropout_p=self.dropout if self.training else 0.0,
        )
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class TransformerUnit(nn.Module):
    """``x += s*MHA(LN1(x))``; ``x += s*fc2(s*relu(fc1(LN2(x))))`` (``s``: inference dropout scale).

    ``TransformerStack`` runs units as sub-blocks joined by residual add + LayerNorm, the way the fused
    path does: each residual add is followed by the next LayerNorm (``add_layer_norm_reference``).
    """

    def __init__(
        self, d_model: int, num_heads: int, ffn_dim: int, dropout: float, dropout_scale: float, eps: float
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.attn = MultiHeadAttention(d_model, num_heads, dropout, dropout_scale)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.fc1 = nn.Linear(d_model, ffn_dim)
        self.fc2 = nn.Linear(ffn_dim, d_model)
        self.drop = ScaledDropout(dropout, dropout_scale)

    def attention_branch(self, h: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """``s * MHA(h)`` for ``h = LN1(x)``."""
        return self.drop(self.attn(h, bias))

    def ffn_branch(self, h: torch.Tensor) -> torch.Tensor:
        """``s * fc2(s * relu(fc1(h)))`` for ``h = LN2(x)``."""
        return self.drop(self.fc2(self.drop(torch.relu(self.fc1(h)))))

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        h = add_layer_norm_reference(x, None, self.norm1.weight, self.norm1.bias, eps=self.norm1.eps)
        x, h = add_layer_norm_reference(
            x, self.attention_branch(h, bias), self.norm2.weight, self.norm2.bias, eps=self.norm2.eps
        )
        return x + self.ffn_branch(h)


class TransformerStack(nn.Module):
    """``num_units`` transformer units then a final LayerNorm."""

    def __init__(
        self,
        num_units: int,
        d_model: int,
        num_heads: int,
        ffn_dim: int,
        dropout: float,
        dropout_scale: float,
        eps: float,
    ) -> None:
        super().__init__()
        self.units = nn.ModuleList(
            TransformerUnit(d_model, num_heads, ffn_dim, dropout, dropout_scale, eps)
            for _ in range(num_units)
        )
        self.final_norm = nn.LayerNorm(d_model, eps=eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` ``[B, L, D]`` -> ``LN_final(units(x))``; every residual add is fused with the LayerNorm
        that follows it (the next unit's LN1, or the final LN)."""
        norms = [u.norm1 for u in self.units] + [self.final_norm]
        h = add_layer_norm_reference(x, None, norms[0].weight, norms[0].bias, eps=norms[0].eps)
        for unit, next_norm in zip(self.units, norms[1:], strict=True):
            x, h = add_layer_norm_reference(
                x, unit.attention_branch(h, bias), unit.norm2.weight, unit.norm2.bias, eps=unit.norm2.eps
            )
            x, h = add_layer_norm_reference(
                x, unit.ffn_branch(h), next_norm.weight, next_norm.bias, eps=next_norm.eps
            )
        return h

    @classmethod
    def from_config(cls, config, num_units: int) -> TransformerStack:
        return cls(
            num_units,
            config.d_model,
            config.num_heads,
            config.ffn_dim,
            config.dropout,
            config.dropout_scale,
            config.norm_eps,
        )
