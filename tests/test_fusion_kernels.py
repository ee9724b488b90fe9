"""VSFD gated fusion, residual add + LayerNorm and GSRM embedding kernels against their references."""

from __future__ import annotations

import math

import pytest
import torch
from kernel_testing import ALL_DTYPES, ODD_SIZES, assert_close_to_reference, skip_unsupported

pytest.importorskip("triton")

from srn_fast.kernels import (  # noqa: E402
    FusedAddLayerNorm,
    GatedFusion,
    GSRMEmbed,
    add_layer_norm,
    add_layer_norm_cost,
    add_layer_norm_reference,
    gated_fusion,
    gated_fusion_classify_reference,
    gated_fusion_cost,
    gated_fusion_reference,
    gsrm_embed,
    gsrm_embed_cost,
    gsrm_embed_reference,
)
from srn_fast.kernels.launch import DTYPE_NAMES  # noqa: E402

pytestmark = pytest.mark.usefixtures("nan_outputs", "fp32_reference_math")


def randn(*shape, dtype, device, scale=1.0, seed=0):
    g = torch.Generator().manual_seed(seed + sum(shape))
    return (torch.randn(*shape, generator=g) * scale).to(dtype).to(device)


# ---------------------------------------------------------------------------------------------- VSFD
def vsfd_inputs(m, d, c, dtype, device):
    g, s = randn(m, d, dtype=dtype, device=device), randn(m, d, dtype=dtype, device=device, seed=1)
    gw = randn(d, 2 * d, dtype=dtype, device=device, scale=(2 * d) ** -0.5, seed=2)
    gb = randn(d, dtype=dtype, device=device, scale=0.1, seed=3)
    cw = randn(c, d, dtype=dtype, device=device, scale=4 * d**-0.5, seed=4)
    cb = randn(c, dtype=dtype, device=device, scale=0.1, seed=5)
    return g, s, gw, gb, cw, cb


def check_vsfd(m, d, c, dtype, device):
    skip_unsupported(device, dtype)
    g, s, gw, gb, cw, cb = vsfd_inputs(m, d, c, dtype, device)
    f = gated_fusion(g, s, gw, gb)
    assert f.dtype == dtype and f.shape == (m, d)
    assert_close_to_reference(
        f, gated_fusion_reference(g.float(), s.float(), gw.float(), gb.float()), dtype, "F"
    )
    logits, probs, idx, top = gated_fusion(g, s, gw, gb, cw, cb)
    ref = gated_fusion_classify_reference(
        g.float(), s.float(), gw.float(), gb.float(), cw.float(), cb.float()
    )
    assert_close_to_reference(logits, ref[0], dtype, "logits")
    assert_close_to_reference(probs, ref[1], dtype, "probs")
    assert_close_to_reference(top, ref[3], dtype, "top1_prob")
    # top-1 agrees with torch.argmax of the kernel's own logits (same rounding, same tie rule)
    assert torch.equal(idx.cpu(), torch.softmax(logits.float(), -1).argmax(-1).cpu())
    if dtype == torch.float32:
        assert torch.equal(idx.cpu(), ref[2].cpu())


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("m", ODD_SIZES)
def test_vsfd_rows(kernel_device, dtype, m):
    check_vsfd(m, 64, 38, dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("d, c", [(16, 1), (48, 7), (512, 38), (96, 257 - 1)])
def test_vsfd_widths_and_classes(kernel_device, dtype, d, c):
    check_vsfd(25, d, c, dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_vsfd_every_config_and_batched_input(kernel_device, dtype):
    from srn_fast.kernels.vsfd.kernel import configs_for
    from srn_fast.kernels.vsfd.op import gated_fusion_launch

    skip_unsupported(kernel_device, dtype)
    g, s, gw, gb, cw, cb = vsfd_inputs(9 * 25, 80, 38, dtype, kernel_device)
    ref = gated_fusion_classify_reference(
        g.float(), s.float(), gw.float(), gb.float(), cw.float(), cb.float()
    )
    for config in configs_for(DTYPE_NAMES[dtype]):
        out = gated_fusion_launch(g.view(9, 25, 80), s.view(9, 25, 80), gw, gb, cw, cb, config=config)
        assert out[0].shape == (9, 25, 38) and out[2].shape == (9, 25)
        assert_close_to_reference(out[0].view(-1, 38), ref[0], dtype, f"logits {config}")


def test_vsfd_argmax_ties_take_the_first_index(kernel_device):
    g, s, gw, gb, cw, cb = vsfd_inputs(7, 16, 5, torch.float32, kernel_device)
    cw = torch.zeros_like(cw)
    cb = torch.tensor([0.0, 2.0, 2.0, 1.0, 2.0], device=kernel_device)
    _, _, idx, _ = gated_fusion(g, s, gw, gb, cw, cb)
    assert (idx.cpu() == 1).all()


def test_vsfd_module_and_errors(kernel_device):
    g, s, gw, gb, cw, cb = vsfd_inputs(5, 16, 3, torch.float32, kernel_device)
    gate, cls = torch.nn.Linear(32, 16).to(kernel_device), torch.nn.Linear(16, 3).to(kernel_device)
    with torch.no_grad():
        out = GatedFusion(gate, cls)(g, s)
        ref = gated_fusion_classify_reference(g, s, gate.weight, gate.bias, cls.weight, cls.bias)
    assert_close_to_reference(out[1], ref[1], torch.float32)
    with pytest.raises(ValueError, match="s must have the shape"):
        gated_fusion(g, s[:2], gw, gb)
    with pytest.raises(ValueError, match=r"gate_weight must be \[16, 32\]"):
        gated_fusion(g, s, gw[:, :16].contiguous(), gb)
    with pytest.raises(ValueError, match="D must be a multiple of 16"):
        gated_fusion(g[:, :8], s[:, :8], gw, gb)
    with pytest.raises(ValueError, match="go together"):
        gated_fusion(g, s, gw, gb, cw, None)
    with pytest.raises(ValueError, match="cls_bias has dtype"):
        gated_fusion(g, s, gw, gb, cw, cb.half())


# ----------------------------------------------------------------------------------- add + LayerNorm
def check_add_ln(shape, dtype, device, scale=0.9):
    skip_unsupported(device, dtype)
    d = shape[-1]
    x, br = randn(*shape, dtype=dtype, device=device), randn(*shape, dtype=dtype, device=device, seed=1)
    w = randn(d, dtype=torch.float32, device=device, seed=2) * 0.1 + 1
    b = randn(d, dtype=torch.float32, device=device, seed=3) * 0.1
    r, y = add_layer_norm(x, br, w, b, branch_scale=scale)
    r_ref, y_ref = add_layer_norm_reference(x.float(), br.float(), w, b, branch_scale=scale)
    assert r.dtype == y.dtype == dtype and r.shape == y.shape == x.shape
    assert_close_to_reference(r, r_ref, dtype, "residual")
    assert_close_to_reference(y, y_ref, dtype, "normed")
    y_plain = add_layer_norm(x, None, w, b)
    assert_close_to_reference(y_plain, add_layer_norm_reference(x.float(), None, w, b), dtype, "plain LN")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("m", ODD_SIZES)
def test_add_ln_rows(kernel_device, dtype, m):
    check_add_ln((m, 512), dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("d", ODD_SIZES + (512, 1000))
def test_add_ln_widths(kernel_device, dtype, d):
    check_add_ln((3, 7, d), dtype, kernel_device, scale=1.0)


def test_add_ln_every_config(kernel_device):
    from srn_fast.kernels.addnorm.kernel import configs_for
    from srn_fast.kernels.addnorm.op import add_layer_norm_launch

    x, br = (
        randn(33, 96, dtype=torch.float32, device=kernel_device),
        randn(33, 96, dtype=torch.float32, device=kernel_device, seed=1),
    )
    w, b = torch.ones(96, device=kernel_device), torch.zeros(96, device=kernel_device)
    r_ref, y_ref = add_layer_norm_reference(x, br, w, b, 0.9)
    for config in configs_for("fp32"):
        r, y = add_layer_norm_launch(x, br, w, b, 0.9, config=config)
        assert_close_to_reference(y, y_ref, torch.float32, f"normed {config}")


def test_add_ln_module_and_errors(kernel_device):
    norm = torch.nn.LayerNorm(32).to(kernel_device)
    x = randn(4, 32, dtype=torch.float32, device=kernel_device)
    with torch.no_grad():
        assert_close_to_reference(FusedAddLayerNorm(norm)(x), norm(x), torch.float32)
    with pytest.raises(ValueError, match="branch must have the shape"):
        add_layer_norm(x, x[:2], norm.weight, norm.bias)
    with pytest.raises(ValueError, match=r"weight must be \[D\] with D = 32"):
        add_layer_norm(x, x, norm.weight[:16], norm.bias)
    with pytest.raises(ValueError, match="x must be contiguous"):
        add_layer_norm(
            x.t().contiguous().t().view(4, 32)[None].expand(2, 4, 32), None, norm.weight, norm.bias
        )


# ----------------------------------------------------------------------------------- GSRM embedding
def check_embed(b, t, c, d, dtype, device, out_scale=0.9):
    skip_unsupported(device, dtype)
    logits = randn(b, t, c, dtype=dtype, device=device)
    emb = randn(c + 1, d, dtype=dtype, device=device, seed=1)
    pf, pb = randn(t, d, dtype=dtype, device=device, seed=2), randn(t, d, dtype=dtype, device=device, seed=3)
    ids, x = gsrm_embed(logits, emb, pf, pb, out_scale=out_scale)
    ids_ref, xf, xb = gsrm_embed_reference(logits, emb, pf, pb, c, math.sqrt(d), out_scale)
    assert ids.dtype == torch.int64 and x.shape == (2, b, t, d) and x.dtype == dtype
    assert torch.equal(ids, ids_ref)
    xf_ref, xb_ref = (gsrm_embed_reference(logits, emb.float(), pf.float(), pb.float(), c, math.sqrt(d), out_scale)[i]
                      for i in (1, 2))  # fmt: skip
    assert_close_to_reference(x[0], xf_ref, dtype, "forward stream")
    assert_close_to_reference(x[1], xb_ref, dtype, "backward stream")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("t", [1, 7, 25, 33])
def test_embed_lengths(kernel_device, dtype, t):
    check_embed(3, t, 38, 64, dtype, kernel_device)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("b, c, d", [(1, 1, 16), (9, 38, 512), (2, 255, 48), (1, 257, 33)])
def test_embed_sizes(kernel_device, dtype, b, c, d):
    check_embed(b, 25, c, d, dtype, kernel_device)


def test_embed_ties_zero_id_and_pad(kernel_device):
    """Ties resolve to the first index like torch.argmax; id 0 reads as zero in both streams."""
    b, t, c, d = 2, 5, 6, 16
    logits = torch.zeros(b, t, c, device=kernel_device)  # all tied -> id 0 everywhere
    logits[1, 2, 3] = logits[1, 2, 5] = 1.0  # tie between 3 and 5 -> 3
    emb = torch.randn(c + 1, d, device=kernel_device)
    pf, pb = torch.randn(t, d, device=kernel_device), torch.randn(t, d, device=kernel_device)
    ids, x = gsrm_embed(logits, emb, pf, pb, emb_scale=2.0)
    assert ids[1, 2] == 3 and (ids[0] == 0).all()
    assert torch.equal(ids, logits.argmax(-1))
    assert_close_to_reference(x[1, 0], pb, torch.float32, "id 0 reads zero")
    assert_close_to_reference(x[0, 0, 0], emb[c] * 2.0 + pf[0], torch.float32, "pad token at t = 0")
    assert_close_to_reference(x[0, 1, 3], emb[3] * 2.0 + pf[3], torch.float32, "forward stream shift")
    module = GSRMEmbed(emb, pf, pb, pad_id=c, emb_scale=2.0)
    assert torch.equal(module(logits)[1], x)


def test_embed_every_config_and_errors(kernel_device):
    from srn_fast.kernels.gsrm.kernel import configs_for
    from srn_fast.kernels.gsrm.op import gsrm_embed_launch

    logits = randn(4, 25, 38, dtype=torch.float32, device=kernel_device)
    emb = randn(39, 96, dtype=torch.float32, device=kernel_device, seed=1)
    pos = randn(25, 96, dtype=torch.float32, device=kernel_device, seed=2)
    ids_ref, xf, xb = gsrm_embed_reference(logits, emb, pos, pos, 38, math.sqrt(96))
    for config in configs_for("fp32"):
        ids, x = gsrm_embed_launch(logits, emb, pos, pos, config=config)
        assert torch.equal(ids, ids_ref)
        assert_close_to_reference(x[1], xb, torch.float32, f"{config}")
    with pytest.raises(ValueError, match="embedding must have more than"):
        gsrm_embed(logits, emb[:30], pos, pos)
    with pytest.raises(ValueError, match=r"pos_forward must be \[>= 25, 96\]"):
        gsrm_embed(logits, emb, pos[:10], pos)
    with pytest.raises(ValueError, match="word_logits must be"):
        gsrm_embed(logits[0], emb, pos, pos)


def test_golden_gsrm_embed(kernel_device, golden_model, golden):
    """On PaddleOCR's word logits the kernel gives PaddleOCR's ids and the model's stream inputs."""
    gsrm = golden_model.gsrm
    word_out = torch.from_numpy(golden["gsrm_word_out"]).view(4, 25, 38)
    with torch.no_grad():
        ids, x = gsrm_embed(word_out.to(kernel_device), gsrm.word_embedding.to(kernel_device),
                            gsrm.pos_table_forward.to(kernel_device), gsrm.pos_table_backward.to(kernel_device),
                            out_scale=0.9)  # fmt: skip
        expected = gsrm.stream_input(torch.from_numpy(golden["gsrm_word1_ids"]), 0)
    assert torch.equal(ids.cpu(), torch.from_numpy(golden["gsrm_word_ids"]))
    assert_close_to_reference(x[0], expected, torch.float32, "forward stream")


# ------------------------------------------------------------------------------------------- costs
def test_cost_models():
    v = gated_fusion_cost(6400, 512, 38)
    assert v["flops"] == 2 * 6400 * 1024 * 512 + 4 * 6400 * 512 + 2 * 6400 * 512 * 38 + 5 * 6400 * 38
    assert gated_fusion_cost(6400, 512)["bytes"] > 0
    a = add_layer_norm_cost(6400, 512, torch.bfloat16)
    assert a["bytes"] == 4 * 6400 * 512 * 2 + 2 * 512 * 2
    assert add_layer_norm_cost(6400, 512, has_branch=False)["bytes"] < a["bytes"]
    e = gsrm_embed_cost(256, 25, 38, 512, torch.float32)
    assert e["bytes"] == 256 * 25 * 38 * 4 + 4 * 256 * 25 * 512 * 4 + 2 * 25 * 512 * 4 + 8 * 256 * 25
