"""Plain-PyTorch residual add + LayerNorm: the math between SRN's transformer sub-blocks."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def add_layer_norm_reference(
    x: torch.Tensor,
    branch: torch.Tensor | None,
    weight: torch.Tensor,
    bias: torch.Tensor,
    branch_scale: float = 1.0,
    eps: float = 1e-5,
):
    """``r = x + branch_scale * branch``; ``y = LayerNorm(r)`` over the last dimension (fp32 statistics).

    Args:
        x: ``[..., D]`` residual stream.
        branch: ``[..., D]`` branch output (attention or FFN), or ``None`` for a plain LayerNorm of ``x``.
        weight, bias: ``[D]`` LayerNorm affine parameters.
        branch_scale: factor on the branch (SRN's inference dropout scale).

    Returns:
        ``(r, y)`` in the dtype of ``x``; with ``branch=None`` only ``y``.
    """
    r = x if branch is None else (x + branch * branch_scale if branch_scale != 1.0 else x + branch)
    y = F.layer_norm(r.float(), r.shape[-1:], weight.float(), bias.float(), eps).to(x.dtype)
    return y if branch is None else (r, y)
