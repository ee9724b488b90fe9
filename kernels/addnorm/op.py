"""Residual add + LayerNorm: launcher, functional API, cost model and module."""

from __future__ import annotations

import torch
from torch import nn

from ..launch import (
    bucket,
    cdiv,
    check_device,
    check_dtype,
    check_shape,
    empty,
    interpreting,
    rows_view,
)

MAX_D = 8192


def add_layer_norm_launch(
    x: torch.Tensor,
    branch: torch.Tensor | None,
    weight: torch.Tensor,
    bias: torch.Tensor,
    branch_scale: float = 1.0,
    eps: float = 1e-5,
    config: tuple[dict[str, int], int, int] | None = None,
):
    check_device("x", x)
    check_dtype("x", x)
    d = x.shape[-1] if x.dim() else 0
    if x.dim() < 1 or not 1 <= d <= MAX_D:
        raise ValueError(f"x must be [..., D] with D in 1..{MAX_D}, got shape {list(x.shape)}")
    if branch is not None:
        check_device("branch", branch, x.device)
        check_dtype("branch", branch, x.dtype)
        if branch.shape != x.shape:
            raise ValueError(f"branch must have the shape of x {list(x.shape)}, got {list(branch.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        check_device(name, p, x.device)
        check_dtype(name, p)
        check_shape(name, p, 1, f"[D] with D = {d}")
        if p.shape[0] != d:
            raise ValueError(f"{name} must be [D] with D = {d}, got {list(p.shape)}")
        if p.stride(0) != 1:
            raise ValueError(f"{name} must be contiguous")
    x2 = rows_view("x", x)
    b2 = rows_view("branch", branch) if branch is not None else x2
    m = x2.shape[0]
    y = empty(x.shape, x.dtype, x.device)
    r = empty(x.shape, x.dtype, x.device) if branch is not None else y
    y2, r2 = y.view(-1, d), r.view(-1, d)
    if m > 0:
        from .kernel import ADD_LN_CONFIGS, AUTOTUNED, add_layer_norm_kernel

        args = (x2, b2, weight, bias, r2, y2, m, d,
                x2.stride(0), b2.stride(0), r2.stride(0), y2.stride(0), float(branch_scale), float(eps), bucket(m))  # fmt: skip
        flags = dict(HAS_BRANCH=branch is not None, BLOCK_D=bucket(d))
        if config is None and not interpreting():
            AUTOTUNED[lambda meta: (cdiv(m, meta["BLOCK_M"]),)](*args, **flags)
        else:
            meta, num_warps, num_stages = config or ADD_LN_CONFIGS[2]
            add_layer_norm_kernel[(cdiv(m, meta["BLOCK_M"]),)](
                *args, **flags, **meta, num_warps=num_warps, num_stages=num_stages
            )
    return y if branch is None else (r, y)


def add_layer_norm(
    x: torch.Tensor,
    branch: torch.Tensor | None,
    weight: torch.Tensor,
    bias: torch.Tensor,
    branch_scale: float = 1.0,
    eps: float = 1e-5,
):
    """Residual add and LayerNorm in one kernel: ``r = x + branch_scale * branch``, ``y = LN(r)``.

    Args:
        x: ``[..., D]`` residual stream, fp32 / fp16 / bf16, D <= 8192, rows with unit inner stride.
        branch: ``[..., D]`` branch output in the dtype of ``x``, or ``None`` for a plain LayerNorm.
        weight, bias: ``[D]`` LayerNorm parameters (any supported float dtype; read as fp32).
        branch_scale: factor on the branch (SRN's dropout scale folded in).
        eps: LayerNorm epsilon.

    Returns:
        ``(r, y)`` in the dtype of ``x`` (``y`` alone when ``branch`` is ``None``). Statistics are fp32,
        computed on the unrounded fp32 sum.
    """
    return add_layer_norm_launch(x, branch, weight, bias, branch_scale, eps)


def add_layer_norm_cost(m: int, d: int, dtype: torch.dtype = torch.bfloat16, has_branch: bool = True) -> dict:
    """FLOPs and compulsory bytes: reads x (and branch), writes y (and r), reads the ``[D]`` parameters."""
    e = torch.empty((), dtype=dtype).element_size()
    tensors = 4 if has_branch else 2
    flops = m * d * ((2 if has_branch else 0) + 7)
    return {"flops": flops, "transcendentals": m, "bytes": tensors * m * d * e + 2 * d * e}


class FusedAddLayerNorm(nn.Module):
    """A ``nn.LayerNorm``'s parameters; ``forward(x, branch, branch_scale)`` runs ``add_layer_norm``."""

    def __init__(self, norm: nn.LayerNorm) -> None:
        super().__init__()
        self.weight, self.bias, self.eps = norm.weight, norm.bias, norm.eps

    def forward(self, x: torch.Tensor, branch: torch.Tensor | None = None, branch_scale: float = 1.0):
        return add_layer_norm(x, branch, self.weight, self.bias, branch_scale, self.eps)
