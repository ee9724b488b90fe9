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


def softmax_top1_reference(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Classifier epilogue: ``(probs, top1_index, top1_prob)``.

    ``probs`` is the fp32 softmax cast to the dtype of ``logits``; the top-1 index and probability come
    from the fp32 probabilities (ties: the first index, as ``torch.argmax``).
    """
    probs = torch.softmax(logits.float(), dim=-1)
    top1_prob, _ = probs.max(dim=-1)
    return probs.to(logits.dtype), probs.argmax(dim=-1), top1_prob


def gated_fusion_classify_reference(
    g: torch.Tensor,
    s: torch.Tensor,
    gate_weight: torch.Tensor,
    gate_bias: torch.Tensor,
    cls_weight: torch.Tensor,
    cls_bias: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """VSFD and its classifier: ``(logits, probs, top1_index, top1_prob)``.

    ``cls_weight`` ``[C, D]``, ``cls_bias`` ``[C]`` (``nn.Linear`` layout); see ``gated_fusion_reference``
    and ``softmax_top1_reference``.
    """
    logits = F.linear(gated_fusion_reference(g, s, gate_weight, gate_bias), cls_weight, cls_bias)
    return (logits, *softmax_top1_reference(logits))
