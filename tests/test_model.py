"""The reference model's interface: config, outputs, dtypes, devices, training mode."""

from __future__ import annotations

import pytest
import torch

import srn_fast
from conftest import TINY_CONFIG, random_model
from srn_fast.kernels.mha.reference import MASK_VALUE

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def test_default_config_is_paddleocr():
    c = srn_fast.SRNConfig()
    assert (c.d_model, c.num_heads, c.ffn_dim, c.num_encoder_units, c.num_decoder_units) == (
        512,
        8,
        512,
        2,
        4,
    )
    assert (c.depths, c.widths, c.max_text_length, c.num_classes, c.dropout_scale) == (
        (3, 4, 6, 3),
        (64, 128, 256, 512),
        25,
        38,
        0.9,
    )
    assert c.num_visual_tokens == 256 and c.pad_id == 38
    assert srn_fast.SRNConfig.from_json(c.to_json()) == c


@pytest.mark.parametrize(
    "bad", [dict(depths=(1, 1, 1)), dict(d_model=30, num_heads=4), dict(charset="aa"), dict(image_height=60)]
)
def test_config_validation(bad):
    with pytest.raises(ValueError):
        srn_fast.SRNConfig(**bad)


def test_default_model_size():
    with torch.device("meta"):
        model = srn_fast.SRN()
    n = sum(p.numel() for p in model.parameters())
    n += sum(b.numel() for name, b in model.named_buffers() if "pos_table" in name)
    assert n == 54_639_628  # PaddleOCR's trainable count (its position tables are parameters)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_outputs_shapes_dtypes(device, dtype):
    model = random_model().to(device=device, dtype=dtype)
    x = (torch.rand(3, 1, 64, 256) * 255).to(device=device, dtype=dtype)
    with torch.no_grad():
        out = model(x)
    c = TINY_CONFIG
    assert out["predict"].shape == (3, 25, c.num_classes)
    assert out["logits"].shape == (3, 25, c.num_classes)
    assert out["word_out"].shape == (3, 25, c.num_classes)
    assert out["gsrm_out"].shape == (3, 25, c.num_classes + 1)
    assert out["pvam_feature"].shape == (3, 25, c.d_model)
    assert out["decoded_out"].shape == (3, 25)
    for k in ("predict", "logits", "pvam_feature", "word_out", "gsrm_out"):
        assert out[k].dtype == dtype and torch.isfinite(out[k]).all(), k
    torch.testing.assert_close(
        out["predict"].float().sum(-1), torch.ones(3, 25, device=device), atol=2e-2, rtol=0
    )
    if dtype != torch.float32:
        ref = random_model().to(device)
        with torch.no_grad():
            want = ref(x.float())["predict"]
        assert (out["predict"].float() - want).abs().max() < 0.05


def test_masks_and_positions_are_buffers_built_once():
    model = random_model()
    causal = model.gsrm.causal_bias
    assert causal.shape == (25, 25) and causal[0, 1] == MASK_VALUE and causal[1, 0] == 0
    assert model.gsrm.anticausal_bias[1, 0] == MASK_VALUE and model.gsrm.anticausal_bias[0, 1] == 0
    x = torch.rand(1, 1, 64, 256) * 255
    with torch.no_grad():
        model(x)
    assert model.gsrm.causal_bias is causal
    assert "gsrm.causal_bias" not in model.state_dict()  # rebuilt, not stored
    assert "pvam.pos_table" in model.state_dict()  # loaded, never regenerated


def test_forward_rejects_wrong_input_shape():
    model = random_model()
    with pytest.raises(ValueError, match=r"\[B, 1, 64, 256\]"):
        model(torch.zeros(1, 1, 32, 128))


def test_batch_independence():
    model = random_model()
    x = torch.rand(4, 1, 64, 256) * 255
    with torch.no_grad():
        full = model(x)["predict"]
        single = torch.cat([model(x[i : i + 1])["predict"] for i in range(4)])
    torch.testing.assert_close(full, single, atol=1e-5, rtol=1e-4)


def test_dropout_scale_is_a_setting():
    a = random_model(TINY_CONFIG.replace(dropout_scale=0.9), seed=1)
    b = random_model(TINY_CONFIG.replace(dropout_scale=1.0), seed=1)
    x = torch.rand(1, 1, 64, 256) * 255
    with torch.no_grad():
        assert not torch.allclose(a(x)["pvam_feature"], b(x)["pvam_feature"])


def test_training_mode_backward():
    model = random_model()
    model.train()
    x = torch.rand(2, 1, 64, 256) * 255
    out = model(x)
    loss = out["logits"].logsumexp(-1).mean() + out["word_out"].mean() + out["gsrm_out"].mean()
    loss.backward()
    assert model.vsfd.fc1.weight.grad is not None
    assert model.pvam.pos_table.requires_grad is False  # never trained
    with torch.no_grad():
        assert not torch.equal(model(x)["logits"], model(x)["logits"])  # dropout is active
