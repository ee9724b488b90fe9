"""The fused PVAM attention kernel against its plain-PyTorch reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from kernel_testing import ALL_DTYPES, ODD_SIZES, assert_close_to_reference, skip_unsupported

pytest.importorskip("triton")

from srn_fast.kernels import PVAMAttention, pvam_attention, pvam_attention_cost, pvam_attention_reference

pytestmark = pytest.mark.usefixtures("nan_outputs", "fp32_reference_math")


def make_inputs(b, n, t, d, dtype, device, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    wf = (torch.randn(b, n, d, generator=g) * scale).to(dtype)
    query = torch.randn(t, d, generator=g).to(dtype)
    w = (torch.randn(d, generator=g) / d**0.5 * 4).to(dtype)
    return wf.to(device), query.to(device), w.to(device)


def check(b, n, t, d, dtype, device, **kw):
    skip_unsupported(device, dtype)
    wf, query, w = make_inputs(b, n, t, d, dtype, device)
    g, weights = pvam_attention(wf, query, w, return_weights=True)
    assert g.dtype == dtype and g.shape == (b, t, d)
    assert weights.dtype == torch.float32 and weights.shape == (b, t, n)
    g_ref, w_ref = pvam_attention_reference(wf.float(), query.float(), w.float(), return_weights=True)
    assert_close_to_reference(weights, w_ref, torch.float32 if dtype == torch.float32 else dtype, "weights")
    assert_close_to_reference(g, g_ref, dtype, "G")
    torch.testing.assert_close(weights.sum(-1).cpu(), torch.ones(b, t), atol=1e-5, rtol=0)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("n", ODD_SIZES)
def test_key_lengths(kernel_device, dtype, n):
    check(2, n, 25, 32, dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("t", [s for s in ODD_SIZES if s <= 64] + [64])
def test_slot_counts(kernel_device, dtype, t):
    check(1, 33, t, 32, dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("d", [16, 48, 256, 512])
def test_widths(kernel_device, dtype, d):
    check(1, 25, 7, d, dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("b", [1, 9])
def test_batches(kernel_device, dtype, b):
    check(b, 33, 25, 32, dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_every_autotune_config(kernel_device, dtype):
    from srn_fast.kernels.launch import DTYPE_NAMES
    from srn_fast.kernels.pvam.kernel import configs_for
    from srn_fast.kernels.pvam.op import pvam_attention_launch

    skip_unsupported(kernel_device, dtype)
    wf, query, w = make_inputs(3, 70, 25, 96, dtype, kernel_device)
    for config in configs_for(DTYPE_NAMES[dtype]):
        g, weights = pvam_attention_launch(wf, query, w, True, config=config)
        g_ref, w_ref = pvam_attention_reference(wf.float(), query.float(), w.float(), return_weights=True)
        assert_close_to_reference(g, g_ref, dtype, f"G with {config}")


def test_large_scores_are_stable(kernel_device):
    """Scores up to ~|w|_1: the online softmax must not overflow."""
    wf, query, _ = make_inputs(2, 257, 25, 64, torch.float32, kernel_device)
    w = torch.full((64,), 6.0, device=kernel_device)  # scores up to 384: exp() overflows without the max
    g, weights = pvam_attention(wf, query, w, return_weights=True)
    g_ref, w_ref = pvam_attention_reference(wf, query, w, return_weights=True)
    assert torch.isfinite(g).all()
    assert_close_to_reference(weights, w_ref, torch.float32, "weights")
    assert_close_to_reference(g, g_ref, torch.float32, "G")


def test_strided_keys(kernel_device):
    """``wf`` as a view with a row stride larger than D (e.g. a slice of a packed projection)."""
    big, query, w = make_inputs(2, 33, 25, 96, torch.float32, kernel_device)
    wf = big[:, :, 16:80]
    query, w = query[:, :64].contiguous(), w[:64].contiguous()
    assert not wf.is_contiguous()
    assert_close_to_reference(
        pvam_attention(wf, query, w), pvam_attention_reference(wf, query, w), torch.float32
    )


def test_golden_pvam(kernel_device, golden_model, golden):
    """The kernel on PaddleOCR's PVAM inputs (encoder output through fc0) gives PaddleOCR's glimpses."""
    pvam = golden_model.pvam
    with torch.no_grad():
        wf = pvam.fc0(torch.from_numpy(golden["pvam_encoder_out"]))
        g, weights = pvam_attention(
            wf.to(kernel_device), pvam.query.to(kernel_device), pvam.scorer.weight[0].to(kernel_device), True
        )
    feature, logits = golden["pvam_feature"], golden["pvam_attn_logits"]
    err = np.abs(g.cpu().numpy() - feature).max()
    assert err <= 1e-4 * np.abs(feature).max(), err
    expected_weights = torch.softmax(torch.from_numpy(logits), -1)
    assert (weights.cpu() - expected_weights).abs().max() <= 1e-5
    # the log-weights reproduce the scores up to the per-row constant the softmax removes
    log_w = torch.log(weights.cpu().double())
    shift = (torch.from_numpy(logits).double() - log_w).mean(-1, keepdim=True)
    assert (log_w + shift - torch.from_numpy(logits).double()).abs().max() <= 1e-4 * np.abs(logits).max()


def test_module_and_empty_batch(kernel_device):
    wf, query, w = make_inputs(2, 7, 5, 16, torch.float32, kernel_device)
    module = PVAMAttention(query, w)
    assert_close_to_reference(module(wf), pvam_attention_reference(wf, query, w), torch.float32)
    assert pvam_attention(wf[:0], query, w).shape == (0, 5, 16)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(wf=lambda wf: wf[0]), "wf must be"),
        (dict(query=lambda q: q[None]), "query must be"),
        (dict(w=lambda w: w[:8]), "w must be"),
        (dict(wf=lambda wf: wf.double()), "wf has dtype"),
        (dict(query=lambda q: q.half()), "query has dtype"),
        (
            dict(wf=lambda wf: wf[:, :, :8], query=lambda q: q[:, :8], w=lambda w: w[:8]),
            "D must be a multiple of 16",
        ),
        (dict(wf=lambda wf: wf.transpose(1, 2).contiguous().transpose(1, 2)), "wf must have unit stride"),
        (dict(query=lambda q: q.repeat(14, 1)), "T must be in 1..64"),
        (dict(wf=lambda wf: wf.repeat(1, 147, 1)), "N must be in 1..1024"),
    ],
)
def test_errors_name_the_argument(kernel_device, change, message):
    args = dict(
        zip(("wf", "query", "w"), make_inputs(2, 7, 5, 16, torch.float32, kernel_device), strict=True)
    )
    for name, f in change.items():
        args[name] = f(args[name])
    with pytest.raises(ValueError, match=message):
        pvam_attention(**args)


def test_cpu_without_interpreter_is_refused(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(ValueError, match="TRITON_INTERPRET"):
        pvam_attention(*make_inputs(1, 7, 5, 16, torch.float32, "cpu"))


def test_cost_model():
    c = pvam_attention_cost(256, 25, 256, 512, torch.bfloat16)
    assert c["transcendentals"] == 256 * 25 * 256 * 512
    assert c["flops"] == 5 * 256 * 25 * 256 * 512 + 5 * 256 * 25 * 256
    assert c["bytes"] == (256 * 256 * 512 + 25 * 512 + 512 + 256 * 25 * 512) * 2
    assert (
        pvam_attention_cost(1, 25, 256, 512, torch.float32, True)["bytes"]
        > pvam_attention_cost(1, 25, 256, 512, torch.float32)["bytes"]
    )
