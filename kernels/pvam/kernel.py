"""Triton kernel for PVAM's additive attention: scores, softmax and glimpses in one launch.

``G[b, t] = softmax_j(w . tanh(Q[t] + wf[b, j])) @ wf[b]`` without the ``[B, T, N, D]`` tensor eager
PVAM materialises. One program per ``(BLOCK_T slots, image)``:

1. for each block of N keys: scores ``[BLOCK_T, BLOCK_N]`` by a D-chunked ``tanh`` reduction (each tanh
   computed once), written to a small fp32 ``[B, T, N]`` buffer, with a running max and sum;
2. for each ``BLOCK_D`` slice of the output: ``acc += softmax(scores) @ wf[:, slice]`` with ``tl.dot``;
3. optionally the normalised weights overwrite the buffer (the ``return_weights`` output).
"""

from __future__ import annotations

import triton
import triton.language as tl

from ..registry import CompileSpec, autotuned, register

LOG2E = tl.constexpr(1.4426950408889634)

# Autotune configs, keyed on bucketed (T, N, D): (BLOCK_T, BLOCK_N, BLOCK_K, BLOCK_D), warps, stages.
# fp16 / bf16 inputs (tensor-core P @ V):
PVAM_CONFIGS: list[tuple[dict[str, int], int, int]] = [
    (dict(BLOCK_T=16, BLOCK_N=32, BLOCK_K=8, BLOCK_D=64), 4, 2),
    (dict(BLOCK_T=32, BLOCK_N=32, BLOCK_K=16, BLOCK_D=64), 8, 2),
    (dict(BLOCK_T=32, BLOCK_N=16, BLOCK_K=16, BLOCK_D=64), 4, 2),
    (dict(BLOCK_T=16, BLOCK_N=32, BLOCK_K=16, BLOCK_D=64), 4, 2),
    (dict(BLOCK_T=64, BLOCK_N=32, BLOCK_K=8, BLOCK_D=64), 8, 2),
]
# fp32 inputs use exact fp32 products (no TF32), which need more registers: smaller tiles.
PVAM_FP32_CONFIGS: list[tuple[dict[str, int], int, int]] = [
    (dict(BLOCK_T=16, BLOCK_N=32, BLOCK_K=8, BLOCK_D=64), 4, 2),
    (dict(BLOCK_T=16, BLOCK_N=32, BLOCK_K=16, BLOCK_D=64), 4, 2),
    (dict(BLOCK_T=16, BLOCK_N=32, BLOCK_K=8, BLOCK_D=32), 4, 1),
]
AUTOTUNE_KEYS = ["T_BUCKET", "N_BUCKET", "D_BUCKET"]


def configs_for(dtype: str) -> list[tuple[dict[str, int], int, int]]:
    """Autotune configs for inputs of ``dtype`` (``"fp32"``, ``"fp16"``, ``"bf16"``)."""
    return PVAM_FP32_CONFIGS if dtype == "fp32" else PVAM_CONFIGS


@triton.jit
def _tanh(x):
    # tanh(x) = 1 - 2 / (exp(2x) + 1): exact limits +-1 when exp2 overflows or underflows.
    return 1.0 - 2.0 / (tl.exp2(x * 2.8853900817779268) + 1.0)


@triton.jit
def pvam_attention_kernel(
    wf_ptr,  # [B, N, D] keys and values
    q_ptr,  # [T, D] query table
    w_ptr,  # [D] scorer
    g_ptr,  # [B, T, D] output glimpses
    p_ptr,  # [B, T, N] fp32 scores scratch, then weights
    T,
    N,
    D,
    stride_wb,
    stride_wn,
    stride_qt,
    stride_gb,
    stride_gt,
    stride_pb,
    stride_pt,
    T_BUCKET,  # autotune keys only
    N_BUCKET,
    D_BUCKET,
    WRITE_WEIGHTS: tl.constexpr,
    DOT_PRECISION: tl.constexpr,
    BLOCK_T: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    BLOCK_D: tl.constexpr,
):
    pid_t = tl.program_id(0)
    pid_b = tl.program_id(1).to(tl.int64)
    offs_t = pid_t * BLOCK_T + tl.arange(0, BLOCK_T)  # [BLOCK_T]
    mask_t = offs_t < T
    wf_base = wf_ptr + pid_b * stride_wb
    p_base = p_ptr + pid_b * stride_pb

    # Phase 1: scores and online max / sum.
    m_i = tl.full([BLOCK_T], float("-inf"), tl.float32)
    l_i = tl.zeros([BLOCK_T], tl.float32)
    for n0 in range(0, N, BLOCK_N):
        offs_n = n0 + tl.arange(0, BLOCK_N)  # [BLOCK_N]
        mask_n = offs_n < N
        s = tl.zeros([BLOCK_T, BLOCK_N], tl.float32)
        for k0 in range(0, D, BLOCK_K):
            offs_k = k0 + tl.arange(0, BLOCK_K)
            mask_k = offs_k < D
            q = tl.load(
                q_ptr + offs_t[:, None] * stride_qt + offs_k[None, :],
                mask=mask_t[:, None] & mask_k[None, :],
                other=0.0,
            ).to(tl.float32)  # [BLOCK_T, BLOCK_K]
            k = tl.load(
                wf_base + offs_n[:, None] * stride_wn + offs_k[None, :],
                mask=mask_n[:, None] & mask_k[None, :],
                other=0.0,
            ).to(tl.float32)  # [BLOCK_N, BLOCK_K]
            w = tl.load(w_ptr + offs_k, mask=mask_k, other=0.0).to(tl.float32)  # [BLOCK_K]
            y = _tanh(q[:, None, :] + k[None, :, :])  # [BLOCK_T, BLOCK_N, BLOCK_K]
            s += tl.sum(y * w[None, None, :], axis=2)
        s = tl.where(mask_n[None, :], s, float("-inf"))
        tl.store(
            p_base + offs_t[:, None] * stride_pt + offs_n[None, :],
            s,
            mask=mask_t[:, None] & mask_n[None, :],
        )
        m_new = tl.maximum(m_i, tl.max(s, axis=1))
        alpha = tl.exp2((m_i - m_new) * LOG2E)
        l_i = l_i * alpha + tl.sum(tl.exp2((s - m_new[:, None]) * LOG2E), axis=1)
        m_i = m_new
    # The scores were stored by other threads of this program: make them visible.
    tl.debug_barrier()
    inv_l = 1.0 / l_i

    # Phase 2: G = softmax(scores) @ wf, one BLOCK_D slice at a time.
    for d0 in range(0, D, BLOCK_D):
        offs_d = d0 + tl.arange(0, BLOCK_D)
        mask_d = offs_d < D
        acc = tl.zeros([BLOCK_T, BLOCK_D], tl.float32)
        for n0 in range(0, N, BLOCK_N):
            offs_n = n0 + tl.arange(0, BLOCK_N)
            mask_n = offs_n < N
            s = tl.load(
                p_base + offs_t[:, None] * stride_pt + offs_n[None, :],
                mask=mask_t[:, None] & mask_n[None, :],
                other=float("-inf"),
            )  # [BLOCK_T, BLOCK_N]
            p = tl.exp2((s - m_i[:, None]) * LOG2E) * inv_l[:, None]
            v = tl.load(
                wf_base + offs_n[:, None] * stride_wn + offs_d[None, :],
                mask=mask_n[:, None] & mask_d[None, :],
                other=0.0,
            )  # [BLOCK_N, BLOCK_D]
            acc = tl.dot(p.to(v.dtype), v, acc, input_precision=DOT_PRECISION)
        tl.store(
            g_ptr + pid_b * stride_gb + offs_t[:, None] * stride_gt + offs_d[None, :],
            acc.to(g_ptr.dtype.element_ty),
            mask=mask_t[:, None] & mask_d[None, :],
        )

    # Phase 3 (optional): overwrite the scores with the normalised weights.
    if WRITE_WEIGHTS:
        tl.debug_barrier()
        for n0 in range(0, N, BLOCK_N):
            offs_n = n0 + tl.arange(0, BLOCK_N)
            mask = mask_t[:, None] & (offs_n < N)[None, :]
            ptrs = p_base + offs_t[:, None] * stride_pt + offs_n[None, :]
            s = tl.load(ptrs, mask=mask, other=float("-inf"))
            tl.store(ptrs, tl.exp2((s - m_i[:, None]) * LOG2E) * inv_l[:, None], mask=mask)


AUTOTUNED = {
    "fp32": autotuned(pvam_attention_kernel, PVAM_FP32_CONFIGS, AUTOTUNE_KEYS),
    "fp16": autotuned(pvam_attention_kernel, PVAM_CONFIGS, AUTOTUNE_KEYS),
    "bf16": autotuned(pvam_attention_kernel, PVAM_CONFIGS, AUTOTUNE_KEYS),
}


def _signature(dtype: str) -> tuple[dict[str, str], dict]:
    ptr = f"*{dtype}"
    sig = {"wf_ptr": ptr, "q_ptr": ptr, "w_ptr": ptr, "g_ptr": ptr, "p_ptr": "*fp32"}
    for name in (
        "T",
        "N",
        "D",
        "stride_wb",
        "stride_wn",
        "stride_qt",
        "stride_gb",
        "stride_gt",
        "stride_pb",
        "stride_pt",
        "T_BUCKET",
        "N_BUCKET",
        "D_BUCKET",
    ):
        sig[name] = "i32"
    constexprs = {"WRITE_WEIGHTS": True, "DOT_PRECISION": "ieee" if dtype == "fp32" else "tf32"}
    for name in ("WRITE_WEIGHTS", "DOT_PRECISION", "BLOCK_T", "BLOCK_N", "BLOCK_K", "BLOCK_D"):
        sig[name] = "constexpr"
    return sig, constexprs


register(
    CompileSpec(name="pvam_attention", fn=pvam_attention_kernel, configs=configs_for, signature=_signature)
)
