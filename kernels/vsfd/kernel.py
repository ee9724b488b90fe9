"""Triton kernel for VSFD's gated fusion, optionally continued into the classifier.

``z = sigmoid(G @ Wg^T + S @ Ws^T + b)``, ``F = z * G + (1 - z) * S`` with ``[Wg | Ws]`` the halves of
the ``[D, 2D]`` gate weight, so ``[G, S]`` is never concatenated in memory. One program per
``BLOCK_M`` rows; for each ``BLOCK_N`` slice of F the gate GEMM runs over both halves, then either F
is stored or its slice goes straight into the classifier accumulator ``F @ W1^T`` (``[BLOCK_M, BLOCK_C]``).
With the classifier, the epilogue writes logits, softmax probabilities, top-1 index and probability.
"""

from __future__ import annotations

import triton
import triton.language as tl

from ..registry import CompileSpec, autotuned, register

# (BLOCK_M, BLOCK_N, BLOCK_K), warps, stages.
# 8 warps: with 4 the K-loop pointer tiles spill at these tile sizes.
VSFD_CONFIGS: list[tuple[dict[str, int], int, int]] = [
    (dict(BLOCK_M=16, BLOCK_N=64, BLOCK_K=64), 8, 2),
    (dict(BLOCK_M=32, BLOCK_N=64, BLOCK_K=32), 8, 2),
    (dict(BLOCK_M=64, BLOCK_N=32, BLOCK_K=64), 8, 2),
]
VSFD_FP32_CONFIGS: list[tuple[dict[str, int], int, int]] = [
    (dict(BLOCK_M=16, BLOCK_N=32, BLOCK_K=32), 8, 2),
    (dict(BLOCK_M=32, BLOCK_N=32, BLOCK_K=32), 8, 2),
    (dict(BLOCK_M=16, BLOCK_N=64, BLOCK_K=16), 8, 2),
    (dict(BLOCK_M=16, BLOCK_N=32, BLOCK_K=16), 8, 1),
]
AUTOTUNE_KEYS = ["M_BUCKET", "D", "C"]


def configs_for(dtype: str) -> list[tuple[dict[str, int], int, int]]:
    return VSFD_FP32_CONFIGS if dtype == "fp32" else VSFD_CONFIGS


@triton.jit
def gated_fusion_kernel(
    g_ptr,  # [M, D] visual features
    s_ptr,  # [M, D] semantic features
    wg_ptr,  # [D, 2D] gate weight (nn.Linear layout: out x in)
    bg_ptr,  # [D] gate bias
    f_ptr,  # [M, D] fused output (without CLASSIFY)
    wc_ptr,  # [C, D] classifier weight
    bc_ptr,  # [C] classifier bias
    logits_ptr,  # [M, C]
    probs_ptr,  # [M, C]
    top_idx_ptr,  # [M] int64
    top_prob_ptr,  # [M] fp32
    M,
    D,
    C,
    stride_gm,
    stride_sm,
    stride_wg,
    stride_fm,
    stride_wc,
    stride_lm,
    stride_pm,
    M_BUCKET,  # autotune key only
    CLASSIFY: tl.constexpr,
    DOT_PRECISION: tl.constexpr,
    BLOCK_C: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
):
    row0 = tl.program_id(0).to(tl.int64) * BLOCK_M
    # 64-bit row offsets folded into the base pointers; in-tile offsets stay 32-bit.
    g_ptr += row0 * stride_gm
    s_ptr += row0 * stride_sm
    f_ptr += row0 * stride_fm
    logits_ptr += row0 * stride_lm
    probs_ptr += row0 * stride_pm
    top_idx_ptr += row0
    top_prob_ptr += row0
    rows = tl.arange(0, BLOCK_M)  # [BLOCK_M] local rows
    mask_m = rows < M - row0
    classes = tl.arange(0, BLOCK_C)
    mask_c = classes < C
    logits = tl.zeros([BLOCK_M, BLOCK_C], tl.float32)
    for n0 in range(0, D, BLOCK_N):
        cols = n0 + tl.arange(0, BLOCK_N)  # output features
        mask_n = cols < D
        acc = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)
        # Gate GEMM over the two halves of [G, S] @ [Wg | Ws]^T.
        for k0 in range(0, D, BLOCK_K):
            ks = k0 + tl.arange(0, BLOCK_K)
            mask_k = ks < D
            g = tl.load(
                g_ptr + rows[:, None] * stride_gm + ks[None, :],
                mask=mask_m[:, None] & mask_k[None, :],
                other=0.0,
            )
            wg = tl.load(
                wg_ptr + cols[:, None] * stride_wg + ks[None, :],
                mask=mask_n[:, None] & mask_k[None, :],
                other=0.0,
            )
            acc = tl.dot(g, tl.trans(wg), acc, input_precision=DOT_PRECISION)  # [BM, BK] @ [BK, BN]
        for k0 in range(0, D, BLOCK_K):
            ks = k0 + tl.arange(0, BLOCK_K)
            mask_k = ks < D
            sv = tl.load(
                s_ptr + rows[:, None] * stride_sm + ks[None, :],
                mask=mask_m[:, None] & mask_k[None, :],
                other=0.0,
            )
            ws = tl.load(
                wg_ptr + cols[:, None] * stride_wg + (D + ks)[None, :],
                mask=mask_n[:, None] & mask_k[None, :],
                other=0.0,
            )
            acc = tl.dot(sv, tl.trans(ws), acc, input_precision=DOT_PRECISION)
        bias = tl.load(bg_ptr + cols, mask=mask_n, other=0.0).to(tl.float32)
        z = tl.sigmoid(acc + bias[None, :])  # [BM, BN]
        tile_mask = mask_m[:, None] & mask_n[None, :]
        g_n = tl.load(g_ptr + rows[:, None] * stride_gm + cols[None, :], mask=tile_mask, other=0.0)
        s_n = tl.load(s_ptr + rows[:, None] * stride_sm + cols[None, :], mask=tile_mask, other=0.0)
        f = z * g_n.to(tl.float32) + (1.0 - z) * s_n.to(tl.float32)  # [BM, BN]
        if CLASSIFY:
            wc = tl.load(
                wc_ptr + classes[None, :] * stride_wc + cols[:, None],
                mask=mask_n[:, None] & mask_c[None, :],
                other=0.0,
            )  # [BN, BC]
            logits = tl.dot(f.to(wc.dtype), wc, logits, input_precision=DOT_PRECISION)
        else:
            tl.store(
                f_ptr + rows[:, None] * stride_fm + cols[None, :],
                f.to(f_ptr.dtype.element_ty),
                mask=tile_mask,
            )
    if CLASSIFY:
        logits += tl.load(bc_ptr + classes, mask=mask_c, other=0.0).to(tl.float32)[None, :]
        out_mask = mask_m[:, None] & mask_c[None, :]
        tl.store(logits_ptr + rows[:, None] * stride_lm + classes[None, :],
                 logits.to(logits_ptr.dtype.element_ty), mask=out_mask)  # fmt: skip
        # Softmax and top-1 on the logits as stored (rounded to the output dtype), like the unfused path.
        rounded = logits.to(logits_ptr.dtype.element_ty).to(tl.float32)
        x = tl.where(mask_c[None, :], rounded, float("-inf"))
        row_max = tl.max(x, axis=1)
        e = tl.exp(x - row_max[:, None])
        p = e / tl.sum(e, axis=1)[:, None]
        tl.store(probs_ptr + rows[:, None] * stride_pm + classes[None, :],
                 p.to(probs_ptr.dtype.element_ty), mask=out_mask)  # fmt: skip
        top_p = tl.max(p, axis=1)
        top_i = tl.min(tl.where(p == top_p[:, None], classes[None, :], BLOCK_C), axis=1)
        tl.store(top_idx_ptr + rows, top_i.to(tl.int64), mask=mask_m)
        tl.store(top_prob_ptr + rows, top_p, mask=mask_m)


AUTOTUNED = {
    "fp32": autotuned(gated_fusion_kernel, VSFD_FP32_CONFIGS, AUTOTUNE_KEYS),
    "fp16": autotuned(gated_fusion_kernel, VSFD_CONFIGS, AUTOTUNE_KEYS),
    "bf16": autotuned(gated_fusion_kernel, VSFD_CONFIGS, AUTOTUNE_KEYS),
}


def _signature(dtype: str) -> tuple[dict[str, str], dict]:
    ptr = f"*{dtype}"
    sig = {name: ptr for name in ("g_ptr", "s_ptr", "wg_ptr", "bg_ptr", "f_ptr", "wc_ptr", "bc_ptr",
                                  "logits_ptr", "probs_ptr")}  # fmt: skip
    sig.update(top_idx_ptr="*i64", top_prob_ptr="*fp32")
    for name in ("M", "D", "C", "stride_gm", "stride_sm", "stride_wg", "stride_fm", "stride_wc", "stride_lm",
                 "stride_pm", "M_BUCKET"):  # fmt: skip
        sig[name] = "i32"
    for name in ("CLASSIFY", "DOT_PRECISION", "BLOCK_C", "BLOCK_M", "BLOCK_N", "BLOCK_K"):
        sig[name] = "constexpr"
    return sig, {"CLASSIFY": True, "DOT_PRECISION": "ieee" if dtype == "fp32" else "tf32", "BLOCK_C": 64}


register(CompileSpec(name="gated_fusion", fn=gated_fusion_kernel, configs=configs_for, signature=_signature))
