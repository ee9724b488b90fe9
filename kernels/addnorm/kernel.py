"""Triton kernel: residual add + LayerNorm in one pass (fp32 statistics), or a plain LayerNorm.

One program per ``BLOCK_M`` rows; each row (``D <= BLOCK_D``) is read once, the updated residual and
the normalised row written once.
"""

from __future__ import annotations

import triton
import triton.language as tl

from ..registry import CompileSpec, autotuned, register

# (BLOCK_M rows per program), warps, stages; BLOCK_D is the next power of two of D (a launch constant).
ADD_LN_CONFIGS: list[tuple[dict[str, int], int, int]] = [
    (dict(BLOCK_M=1), 4, 1),
    (dict(BLOCK_M=2), 4, 1),
    (dict(BLOCK_M=4), 4, 1),
    (dict(BLOCK_M=8), 8, 1),
    (dict(BLOCK_M=16), 8, 1),
]
AUTOTUNE_KEYS = ["M_BUCKET", "D"]


def configs_for(dtype: str) -> list[tuple[dict[str, int], int, int]]:
    return ADD_LN_CONFIGS


@triton.jit
def add_layer_norm_kernel(
    x_ptr,  # [M, D] residual stream
    b_ptr,  # [M, D] branch output (unused without HAS_BRANCH)
    w_ptr,  # [D] LayerNorm weight
    bias_ptr,  # [D] LayerNorm bias
    r_ptr,  # [M, D] updated residual (unused without HAS_BRANCH)
    y_ptr,  # [M, D] normalised output
    M,
    D,
    stride_xm,
    stride_bm,
    stride_rm,
    stride_ym,
    branch_scale,
    eps,
    M_BUCKET,  # autotune key only
    HAS_BRANCH: tl.constexpr,
    BLOCK_D: tl.constexpr,
    BLOCK_M: tl.constexpr,
):
    pid = tl.program_id(0).to(tl.int64)
    rows = pid * BLOCK_M + tl.arange(0, BLOCK_M)  # [BLOCK_M]
    cols = tl.arange(0, BLOCK_D)  # [BLOCK_D]
    mask_r = rows < M
    mask_c = cols < D
    mask = mask_r[:, None] & mask_c[None, :]
    x = tl.load(x_ptr + rows[:, None] * stride_xm + cols[None, :], mask=mask, other=0.0).to(tl.float32)
    if HAS_BRANCH:
        br = tl.load(b_ptr + rows[:, None] * stride_bm + cols[None, :], mask=mask, other=0.0).to(tl.float32)
        x = x + br * branch_scale
        tl.store(r_ptr + rows[:, None] * stride_rm + cols[None, :], x.to(r_ptr.dtype.element_ty), mask=mask)
    mean = tl.sum(x, axis=1) / D  # [BLOCK_M]
    diff = tl.where(mask, x - mean[:, None], 0.0)
    var = tl.sum(diff * diff, axis=1) / D
    rstd = 1.0 / tl.sqrt(var + eps)
    w = tl.load(w_ptr + cols, mask=mask_c, other=0.0).to(tl.float32)
    b = tl.load(bias_ptr + cols, mask=mask_c, other=0.0).to(tl.float32)
    y = diff * rstd[:, None] * w[None, :] + b[None, :]
    tl.store(y_ptr + rows[:, None] * stride_ym + cols[None, :], y.to(y_ptr.dtype.element_ty), mask=mask)


AUTOTUNED = autotuned(add_layer_norm_kernel, ADD_LN_CONFIGS, AUTOTUNE_KEYS)


def _signature(dtype: str) -> tuple[dict[str, str], dict]:
    ptr = f"*{dtype}"
    sig = {name: ptr for name in ("x_ptr", "b_ptr", "w_ptr", "bias_ptr", "r_ptr", "y_ptr")}
    sig.update({name: "i32" for name in ("M", "D", "stride_xm", "stride_bm", "stride_rm", "stride_ym")})
    sig.update(branch_scale="fp32", eps="fp32", M_BUCKET="i32")
    sig.update(HAS_BRANCH="constexpr", BLOCK_D="constexpr", BLOCK_M="constexpr")
    return sig, {"HAS_BRANCH": True, "BLOCK_D": 512}  # SRN's width


register(
    CompileSpec(
        name="add_layer_norm",
        fn=add_layer_norm_kernel,
        configs=configs_for,
        signature=_signature,
        uses_dot=False,
    )
)
