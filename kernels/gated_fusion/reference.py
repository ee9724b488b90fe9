"""Plain-PyTorch VSFD gated fusion (PaddleOCR's ``VSFD.forward``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def gated_fusion_reference(
    g: torch.Tensor,
    s: torch.Tensor,
    gate_weight: torch.Tensor,
    gate_bias: torch.Tensor,
) -> torch.Tensor:
    """``z = sigmoid([g, s] @ W^T + b)``, ``F = z * g + (1 - z) * s``.

    Args:
        g: ``[..., D]`` visual features (PVAM's glimpses).
        s: ``[..., D]`` semantic features (GSRM's output).
        gate_weight: ``[D, 2D]`` (``nn.Linear`` layout: out x in).
        gate_bias: ``[D]``.

    Returns:
        ``[..., D]`` fused features in the input dtype.
    """
    z = torch.sigmoid(F.linear(torch.cat([g, s], dim=-1), gate_weight, gate_bias))
    return z * g + (1.0 - z) * s
