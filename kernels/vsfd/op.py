"""VSFD gated fusion (+ classifier epilogue): launcher, functional API, cost model and module."""

from __future__ import annotations

import torch
from torch import nn

from ..launch import (
    DTYPE_NAMES,
    bucket,
    cdiv,
    check_device,
    check_dtype,
    check_inner_stride,
    check_shape,
    empty,
    interpreting,
    rows_view,
)

MAX_D = 4096
MAX_C = 256


def gated_fusion_launch(g, s, gate_weight, gate_bias, cls_weight=None, cls_bias=None, config=None):
    check_device("g", g)
    check_dtype("g", g)
    if g.dim() < 2:
        raise ValueError(f"g must be [..., D], got shape {list(g.shape)}")
    d = g.shape[-1]
    check_device("s", s, g.device)
    check_dtype("s", s, g.dtype)
    if s.shape != g.shape:
        raise ValueError(f"s must have the shape of g {list(g.shape)}, got {list(s.shape)}")
    if d % 16 or not 16 <= d <= MAX_D:
        raise ValueError(f"g: D must be a multiple of 16 up to {MAX_D}, got {d}")
    params = [("gate_weight", gate_weight, (d, 2 * d)), ("gate_bias", gate_bias, (d,))]
    classify = cls_weight is not None or cls_bias is not None
    if classify:
        if cls_weight is None or cls_bias is None:
            raise ValueError("cls_weight and cls_bias go together")
        c = cls_weight.shape[0] if cls_weight.dim() == 2 else -1
        if not 1 <= c <= MAX_C:
            raise ValueError(f"cls_weight must be [C, D] with C in 1..{MAX_C}, got {list(cls_weight.shape)}")
        params += [("cls_weight", cls_weight, (c, d)), ("cls_bias", cls_bias, (c,))]
    else:
        c = 0
    for name, p, shape in params:
        check_device(name, p, g.device)
        check_dtype(name, p, g.dtype)
        check_shape(name, p, len(shape), "[" + ", ".join(map(str, shape)) + "]")
        if tuple(p.shape) != shape:
            raise ValueError(f"{name} must be {list(shape)}, got {list(p.shape)}")
        check_inner_stride(name, p)
    g2, s2 = rows_view("g", g), rows_view("s", s)
    m = g2.shape[0]
    lead = g.shape[:-1]
    dev, dt = g.device, g.dtype
    if classify:
        f = g2  # unused
        logits, probs = empty((*lead, c), dt, dev), empty((*lead, c), dt, dev)
        top_idx, top_prob = empty(lead, torch.int64, dev), empty(lead, torch.float32, dev)
        l2, p2 = logits.view(-1, c), probs.view(-1, c)
        wc, bc = cls_weight, cls_bias
    else:
        f = empty(g.shape, dt, dev)
        l2 = p2 = f.view(-1, d)
        top_idx, top_prob = empty((1,), torch.int64, dev), empty((1,), torch.float32, dev)
        wc, bc = gate_weight, gate_bias  # unused
    if m > 0:
        from .kernel import AUTOTUNED, configs_for, gated_fusion_kernel

        f2 = f.view(-1, d) if not classify else g2
        args = (g2, s2, gate_weight, gate_bias, f2, wc, bc, l2, p2, top_idx, top_prob, m, d, c,
                g2.stride(0), s2.stride(0), gate_weight.stride(0), f2.stride(0), wc.stride(0),
                l2.stride(0), p2.stride(0), bucket(m))  # fmt: skip
        flags = dict(
            CLASSIFY=classify,
            DOT_PRECISION="ieee" if dt == torch.float32 else "tf32",
            BLOCK_C=max(16, bucket(c)),
        )
        if config is None and not interpreting():
            AUTOTUNED[DTYPE_NAMES[dt]][lambda meta: (cdiv(m, meta["BLOCK_M"]),)](*args, **flags)
        else:
            meta, num_warps, num_stages = config or configs_for(DTYPE_NAMES[dt])[0]
            gated_fusion_kernel[(cdiv(m, meta["BLOCK_M"]),)](
                *args, **flags, **meta, num_warps=num_warps, num_stages=num_stages
            )
    return (logits, probs, top_idx, top_prob) if classify else f


def gated_fusion(
    g: torch.Tensor,
    s: torch.Tensor,
    gate_weight: torch.Tensor,
    gate_bias: torch.Tensor,
    cls_weight: torch.Tensor | None = None,
    cls_bias: torch.Tensor | None = None,
):
    """VSFD's gated fusion in one kernel, optionally continued into the classifier.

    ``z = sigmoid([g, s] @ gate_weight^T + gate_bias)``, ``F = z * g + (1 - z) * s``, reading ``g`` and
    ``s`` from their own buffers (no concatenation in memory).

    Args:
        g: ``[..., D]`` visual features (PVAM's glimpses); fp32 / fp16 / bf16; D a multiple of 16.
        s: ``[..., D]`` semantic features (GSRM's output), dtype of ``g``.
        gate_weight: ``[D, 2D]`` (``nn.Linear`` layout), gate_bias ``[D]``.
        cls_weight, cls_bias: ``[C, D]`` and ``[C]`` (C <= 256): continue into ``logits = F @ W1^T + b1``.

    Returns:
        ``F`` ``[..., D]``; with the classifier, ``(logits [..., C], probs [..., C], top1_index [...]
        int64, top1_prob [...] fp32)``, F never written. GEMMs accumulate in fp32 (exact fp32 products
        for fp32 inputs); softmax and top-1 (first index on ties, as ``torch.argmax``) run in fp32 on the
        logits as stored.
    """
    return gated_fusion_launch(g, s, gate_weight, gate_bias, cls_weight, cls_bias)


def gated_fusion_cost(m: int, d: int, c: int = 0, dtype: torch.dtype = torch.bfloat16) -> dict:
    """FLOPs and compulsory bytes for ``m`` rows of width ``d`` (``c`` classes, 0 without the classifier)."""
    e = torch.empty((), dtype=dtype).element_size()
    flops = 2 * m * (2 * d) * d + 4 * m * d + (2 * m * d * c + 5 * m * c if c else 0)
    nbytes = (2 * m * d + 2 * d * d + d) * e
    nbytes += (c * d + c + 2 * m * c) * e + 12 * m if c else m * d * e
    return {"flops": flops, "transcendentals": m * d + m * c, "bytes": nbytes}


class GatedFusion(nn.Module):
    """VSFD's two Linear layers; ``forward(g, s)`` runs the fused kernel with the classifier epilogue."""

    def __init__(self, gate: nn.Linear, classifier: nn.Linear | None = None) -> None:
        super().__init__()
        self.gate, self.classifier = gate, classifier

    def forward(self, g: torch.Tensor, s: torch.Tensor):
        c = self.classifier
        return gated_fusion(g, s, self.gate.weight, self.gate.bias,
                            None if c is None else c.weight, None if c is None else c.bias)  # fmt: skip
