"""PVAM attention: launcher, functional API, cost model and module."""

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
)

MAX_N = 1024
MAX_T = 64
MAX_D = 1024


def _check(wf: torch.Tensor, query: torch.Tensor, w: torch.Tensor) -> tuple[int, int, int, int]:
    check_device("wf", wf)
    check_device("query", query, wf.device)
    check_device("w", w, wf.device)
    check_dtype("wf", wf)
    check_dtype("query", query, wf.dtype)
    check_dtype("w", w, wf.dtype)
    check_shape("wf", wf, 3, "[B, N, D]")
    check_shape("query", query, 2, "[T, D]")
    check_shape("w", w, 1, "[D]")
    b, n, d = wf.shape
    t = query.shape[0]
    if query.shape[1] != d:
        raise ValueError(f"query must be [T, D] with D = {d} like wf, got {list(query.shape)}")
    if w.shape[0] != d:
        raise ValueError(f"w must be [D] with D = {d} like wf, got {list(w.shape)}")
    if not 1 <= n <= MAX_N:
        raise ValueError(f"wf: N must be in 1..{MAX_N}, got {n}")
    if not 1 <= t <= MAX_T:
        raise ValueError(f"query: T must be in 1..{MAX_T}, got {t}")
    if d % 16 or not 16 <= d <= MAX_D:
        raise ValueError(f"wf: D must be a multiple of 16 up to {MAX_D}, got {d}")
    for name, x in (("wf", wf), ("query", query), ("w", w)):
        check_inner_stride(name, x)
    return b, t, n, d


def pvam_attention_launch(
    wf: torch.Tensor,
    query: torch.Tensor,
    w: torch.Tensor,
    return_weights: bool = False,
    config: tuple[dict[str, int], int, int] | None = None,
):
    """Check, allocate and launch. ``config`` forces one autotune config (tests run each one); by
    default the kernel autotunes on GPU and takes the dtype's first config under the interpreter."""
    b, t, n, d = _check(wf, query, w)
    from .kernel import AUTOTUNED, configs_for, pvam_attention_kernel

    g = empty((b, t, d), wf.dtype, wf.device)
    p = empty((b, t, n), torch.float32, wf.device)
    if b == 0:
        return (g, p) if return_weights else g
    args = (
        wf, query, w, g, p,
        t, n, d,
        wf.stride(0), wf.stride(1), query.stride(0), g.stride(0), g.stride(1), p.stride(0), p.stride(1),
        bucket(t), bucket(n), bucket(d),
    )  # fmt: skip
    flags = dict(WRITE_WEIGHTS=return_weights, DOT_PRECISION="ieee" if wf.dtype == torch.float32 else "tf32")
    if config is None and not interpreting():
        grid = lambda meta: (cdiv(t, meta["BLOCK_T"]), b)  # noqa: E731
        AUTOTUNED[DTYPE_NAMES[wf.dtype]][grid](*args, **flags)
    else:
        meta, num_warps, num_stages = config or configs_for(DTYPE_NAMES[wf.dtype])[0]
        grid = (cdiv(t, meta["BLOCK_T"]), b)
        pvam_attention_kernel[grid](*args, **flags, **meta, num_warps=num_warps, num_stages=num_stages)
    return (g, p) if return_weights else g


def pvam_attention(wf: torch.Tensor, query: torch.Tensor, w: torch.Tensor, return_weights: bool = False):
    """PVAM's additive attention in one fused kernel.

    ``G[b, t] = softmax_j(w . tanh(query[t] + wf[b, j])) @ wf[b]``, without materialising the
    ``[B, T, N, D]`` tensor of the eager computation (``pvam_attention_reference``).

    Args:
        wf: ``[B, N, D]`` keys and values (fp32, fp16 or bf16; CUDA, or CPU under ``TRITON_INTERPRET=1``).
            N in 1..1024, D a multiple of 16 up to 1024, unit stride in the last dimension.
        query: ``[T, D]`` query table shared by the batch, T in 1..64, dtype of ``wf``.
        w: ``[D]`` scorer vector, dtype of ``wf``.
        return_weights: also return the attention weights.

    Returns:
        ``G`` ``[B, T, D]`` in the dtype of ``wf``, or ``(G, weights)`` with ``weights`` ``[B, T, N]``
        fp32. Scores, softmax and accumulation run in fp32; fp32 inputs use exact fp32 products.
    """
    return pvam_attention_launch(wf, query, w, return_weights)


def pvam_attention_cost(
    b: int, t: int, n: int, d: int, dtype: torch.dtype = torch.bfloat16, return_weights: bool = False
) -> dict[str, int]:
    """FLOPs and compulsory bytes of one ``pvam_attention`` call, for the roofline report.

    ``flops``: scores (add, multiply, add per ``(b, t, j, d)``) + softmax + ``P @ wf`` (2 per MAC);
    ``transcendentals``: one tanh per ``(b, t, j, d)``; ``bytes``: ``wf``, ``query``, ``w`` read once,
    ``G`` (and the fp32 weights) written once.
    """
    e = torch.empty((), dtype=dtype).element_size()
    flops = 3 * b * t * n * d + 5 * b * t * n + 2 * b * t * n * d
    nbytes = (b * n * d + t * d + d + b * t * d) * e + (4 * b * t * n if return_weights else 0)
    return {"flops": flops, "transcendentals": b * t * n * d, "bytes": nbytes}


class PVAMAttention(nn.Module):
    """Holds PVAM's query table ``[T, D]`` and scorer ``[D]``; ``forward(wf)`` runs the fused kernel."""

    def __init__(self, query: torch.Tensor, w: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("query", query.detach().clone())
        self.register_buffer("w", w.detach().clone().reshape(-1))

    def forward(self, wf: torch.Tensor, return_weights: bool = False):
        return pvam_attention(wf, self.query.to(wf.dtype), self.w.to(wf.dtype), return_weights)


__all__ = ["PVAMAttention", "pvam_attention", "pvam_attention_cost", "pvam_attention_launch"]
