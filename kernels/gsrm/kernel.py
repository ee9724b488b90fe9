"""Triton kernel for GSRM's embedding step: argmax of the word logits, both streams' inputs.

One program per ``BLOCK_R`` rows of ``[B*T]``: the argmax of its logits row and of the previous row
(the forward stream reads ``ids[t - 1]``, or the pad id at ``t = 0``), then for each ``BLOCK_D`` slice
the two embedding gathers (id 0 reads as zero, Paddle's ``padding_idx=0``), scaled, plus each stream's
position row, scaled again; written as ``[2, B, T, D]`` (stream 0 forward, 1 backward).
"""

from __future__ import annotations

import triton
import triton.language as tl

from ..registry import CompileSpec, autotuned, register

GSRM_EMBED_CONFIGS: list[tuple[dict[str, int], int, int]] = [
    (dict(BLOCK_R=4, BLOCK_D=128), 4, 1),
    (dict(BLOCK_R=8, BLOCK_D=128), 4, 1),
    (dict(BLOCK_R=16, BLOCK_D=64), 4, 1),
    (dict(BLOCK_R=16, BLOCK_D=128), 8, 1),
]
AUTOTUNE_KEYS = ["R_BUCKET", "D_BUCKET"]


def configs_for(dtype: str) -> list[tuple[dict[str, int], int, int]]:
    return GSRM_EMBED_CONFIGS


@triton.jit
def _row_argmax(logits_ptr, rows, mask_r, C, stride_lr, BLOCK_C: tl.constexpr):
    """First index of the maximum of each row (``torch.argmax`` ties), ``[BLOCK_R]`` int32."""
    cols = tl.arange(0, BLOCK_C)
    vals = tl.load(
        logits_ptr + rows[:, None] * stride_lr + cols[None, :],
        mask=mask_r[:, None] & (cols < C)[None, :],
        other=float("-inf"),
    ).to(tl.float32)  # [BLOCK_R, BLOCK_C]
    best = tl.max(vals, axis=1)
    is_best = vals == best[:, None]
    return tl.min(tl.where(is_best, cols[None, :], BLOCK_C), axis=1)


@triton.jit
def gsrm_embed_kernel(
    logits_ptr,  # [B*T, C] word logits
    emb_ptr,  # [V, D] shared word embedding
    pos_f_ptr,  # [T, D] forward stream positions
    pos_b_ptr,  # [T, D] backward stream positions
    ids_ptr,  # [B*T] int64 argmax ids
    out_ptr,  # [2, B*T, D] stream inputs
    R,  # B*T rows
    T,
    C,
    D,
    stride_lr,
    stride_er,
    stride_pf,
    stride_pb,
    stride_os,  # stream stride of out
    stride_or,
    pad_id,
    emb_scale,
    out_scale,
    R_BUCKET,  # autotune keys only
    D_BUCKET,
    BLOCK_C: tl.constexpr,
    BLOCK_R: tl.constexpr,
    BLOCK_D: tl.constexpr,
):
    pid = tl.program_id(0).to(tl.int64)
    rows = pid * BLOCK_R + tl.arange(0, BLOCK_R)  # [BLOCK_R]
    mask_r = rows < R
    t = rows % T
    ids = _row_argmax(logits_ptr, rows, mask_r, C, stride_lr, BLOCK_C)  # backward stream tokens
    prev = _row_argmax(logits_ptr, rows - 1, mask_r & (t > 0), C, stride_lr, BLOCK_C)
    tokens_f = tl.where(t == 0, pad_id, prev)  # forward stream tokens
    tl.store(ids_ptr + rows, ids.to(tl.int64), mask=mask_r)
    keep_f = tl.where(tokens_f != 0, emb_scale, 0.0)  # Paddle's padding_idx=0
    keep_b = tl.where(ids != 0, emb_scale, 0.0)
    for d0 in range(0, D, BLOCK_D):
        cols = d0 + tl.arange(0, BLOCK_D)
        mask = mask_r[:, None] & (cols < D)[None, :]
        e_f = tl.load(
            emb_ptr + tokens_f.to(tl.int64)[:, None] * stride_er + cols[None, :], mask=mask, other=0.0
        )
        e_b = tl.load(emb_ptr + ids.to(tl.int64)[:, None] * stride_er + cols[None, :], mask=mask, other=0.0)
        p_f = tl.load(pos_f_ptr + t[:, None] * stride_pf + cols[None, :], mask=mask, other=0.0)
        p_b = tl.load(pos_b_ptr + t[:, None] * stride_pb + cols[None, :], mask=mask, other=0.0)
        x_f = (e_f.to(tl.float32) * keep_f[:, None] + p_f.to(tl.float32)) * out_scale
        x_b = (e_b.to(tl.float32) * keep_b[:, None] + p_b.to(tl.float32)) * out_scale
        out = out_ptr + rows[:, None] * stride_or + cols[None, :]
        tl.store(out, x_f.to(out_ptr.dtype.element_ty), mask=mask)
        tl.store(out + stride_os, x_b.to(out_ptr.dtype.element_ty), mask=mask)


AUTOTUNED = autotuned(gsrm_embed_kernel, GSRM_EMBED_CONFIGS, AUTOTUNE_KEYS)


def _signature(dtype: str) -> tuple[dict[str, str], dict]:
    ptr = f"*{dtype}"
    sig = {
        "logits_ptr": ptr,
        "emb_ptr": ptr,
        "pos_f_ptr": ptr,
        "pos_b_ptr": ptr,
        "ids_ptr": "*i64",
        "out_ptr": ptr,
    }
    for name in ("R", "T", "C", "D", "stride_lr", "stride_er", "stride_pf", "stride_pb", "stride_os",
                 "stride_or", "pad_id"):  # fmt: skip
        sig[name] = "i32"
    sig.update(emb_scale="fp32", out_scale="fp32", R_BUCKET="i32", D_BUCKET="i32")
    sig.update(BLOCK_C="constexpr", BLOCK_R="constexpr", BLOCK_D="constexpr")
    return sig, {"BLOCK_C": 64}  # SRN's 38 classes


register(
    CompileSpec(
        name="gsrm_embed", fn=gsrm_embed_kernel, configs=configs_for, signature=_signature, uses_dot=False
    )
)
