"""The contract: the reference reproduces PaddleOCR's own SRN outputs on the golden fixture."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import srn_fast

# golden key -> key of the model's output dict
STAGES = {
    "backbone_out": "backbone_out",
    "pvam_encoder_out": "pvam_encoder_out",
    "pvam_attn_logits": "pvam_attn_logits",
    "pvam_feature": "pvam_feature",
    "gsrm_word_out": "word_out",
    "gsrm_feature1": "gsrm_feature1",
    "gsrm_feature2": "gsrm_feature2",
    "gsrm_feature": "gsrm_feature",
    "gsrm_out": "gsrm_out",
    "vsfd_logits": "logits",
    "predict": "predict",
}
INTEGER_STAGES = {
    "gsrm_word_ids": "gsrm_word_ids",
    "gsrm_word1_ids": "gsrm_word1_ids",
    "decoded_out": "decoded_out",
}


def assert_stage_close(ours: torch.Tensor, ref: np.ndarray, name: str) -> None:
    """float32 parity: max abs error <= 1e-4 x the stage's max magnitude."""
    got = ours.detach().float().cpu().numpy().reshape(ref.shape)
    err = float(np.abs(got - ref).max())
    bound = 1e-4 * float(np.abs(ref).max())
    assert err <= bound, f"{name}: max abs error {err:.3e} > {bound:.3e}"


def test_preprocess_bit_exact(golden):
    images = [golden[f"img{i}"] for i in range(4)]
    x = srn_fast.preprocess(images)
    assert x.dtype == torch.float32 and tuple(x.shape) == (4, 1, 64, 256)
    np.testing.assert_array_equal(x.numpy(), golden["image"])


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage(golden_outputs, golden, stage):
    assert_stage_close(golden_outputs[STAGES[stage]], golden[stage], stage)


@pytest.mark.parametrize("stage", sorted(INTEGER_STAGES))
def test_integer_stage(golden_outputs, golden, stage):
    got = golden_outputs[INTEGER_STAGES[stage]].numpy().reshape(golden[stage].shape)
    np.testing.assert_array_equal(got, golden[stage])


def test_texts_and_scores(golden_outputs, golden):
    charset = "".join(golden["charset"][:36])
    assert charset == srn_fast.DEFAULT_CHARSET
    decoded = srn_fast.decode(golden_outputs, charset=charset)
    assert [t for t, _ in decoded] == list(golden["texts"])
    np.testing.assert_allclose([s for _, s in decoded], golden["text_scores"], rtol=0, atol=1e-5)


def test_probes(golden_model, golden):
    """GSRM on hand-made ids full of 0s: Paddle's padding_idx=0 reads id 0 as a zero vector."""
    ids = torch.from_numpy(golden["probe_word_ids"][..., 0])
    gsrm = golden_model.gsrm
    with torch.no_grad():
        x_fwd = gsrm.stream_input(ids, 0)
        assert_stage_close(x_fwd, golden["probe_prepare_decoder_out"], "probe_prepare_decoder_out")
        assert_stage_close(
            gsrm.run_stream(x_fwd, 0), golden["probe_wrap_encoder0_out"], "probe_wrap_encoder0_out"
        )
        out1 = gsrm.run_stream(gsrm.stream_input(ids, 1), 1)
        assert_stage_close(out1, golden["probe_wrap_encoder1_out"], "probe_wrap_encoder1_out")


def test_tiny_pdparams(golden_path):
    """A real ``paddle.save`` file (numpy._core references, name table) reads exactly."""
    state = srn_fast.read_pdparams(golden_path / "tiny.pdparams")
    with np.load(golden_path / "tiny_expected.npz") as expected:
        assert sorted(state) == sorted(expected.files)
        for k in expected.files:
            assert state[k].dtype == expected[k].dtype
            np.testing.assert_array_equal(state[k], expected[k])


def test_model_has_paddle_parameter_count(golden_model, golden_path):
    import json

    meta = json.loads((golden_path / "param_shapes.json").read_text())
    n = sum(p.numel() for p in golden_model.parameters())
    n += sum(
        b.numel() for name, b in golden_model.named_buffers() if "running" in name or "pos_table" in name
    )
    assert n == meta["counts"]["elements_unique_total"]
