"""Loading PaddleOCR .pdparams files and the project's own weights format."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import srn_fast
from conftest import TINY_CONFIG, random_model
from srn_fast.weights import (
    WeightsMismatchError,
    load_paddle_state_dict,
    paddle_name_map,
    read_pdparams,
    state_dict_to_paddle,
    write_pdparams,
)


def test_name_map_matches_paddle_order(golden_state):
    """The generated map lists exactly PaddleOCR's 424 keys, in the order Paddle saves them."""
    assert [p for _, p, _ in paddle_name_map(srn_fast.SRNConfig())] == list(golden_state)


def test_linear_weights_are_transposed(golden_model, golden_state):
    w = golden_state["head.vsfd.fc0.weight"]  # Paddle [in=1024, out=512]
    np.testing.assert_array_equal(golden_model.vsfd.fc0.weight.detach().numpy(), w.T)
    scorer = golden_state["head.pvam.fc1.weight"]  # [512, 1]
    np.testing.assert_array_equal(golden_model.pvam.scorer.weight.detach().numpy(), scorer.T)
    bn = "backbone.bottleneckBlock_2_0.conv1.bn."
    conv1 = golden_model.backbone.stages[2][0].conv1
    np.testing.assert_array_equal(conv1[1].running_var.numpy(), golden_state[bn + "_variance"])
    assert tuple(conv1[0].weight.shape) == (256, 256, 2, 2) and conv1[0].dilation == (2, 2)


def test_old_processer_spelling(tmp_path, golden_state):
    old = {k.replace(".processor.", ".processer."): v for k, v in golden_state.items()}
    assert old.keys() != golden_state.keys()
    write_pdparams(old, tmp_path / "old.pdparams")
    a = load_paddle_state_dict(tmp_path / "old.pdparams")
    b = srn_fast.weights.paddle_to_state_dict(golden_state, srn_fast.SRNConfig())
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_numpy_core_and_numpy__core_pickles(tmp_path):
    """Files from Paddle 2 (numpy 1: ``numpy.core``) and Paddle 3 (``numpy._core``) both load."""
    state = {"a.weight": np.arange(6, dtype=np.float32).reshape(2, 3)}
    raw = pickle.dumps(state, protocol=2)  # GLOBAL opcodes name the module as text
    assert b"numpy._core.multiarray" in raw or b"numpy.core.multiarray" in raw
    for module in (b"numpy._core.multiarray", b"numpy.core.multiarray"):
        patched = raw.replace(b"cnumpy._core.multiarray\n", b"c" + module + b"\n").replace(
            b"cnumpy.core.multiarray\n", b"c" + module + b"\n"
        )
        assert module in patched
        path = tmp_path / "m.pdparams"
        path.write_bytes(patched)
        np.testing.assert_array_equal(read_pdparams(path)["a.weight"], state["a.weight"])


def test_pdparams_cannot_run_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pdparams"
    path.write_bytes(pickle.dumps({"x": Evil()}, protocol=4))
    with pytest.raises(ValueError, match="builtins.print"):
        read_pdparams(path)


def test_not_a_pdparams_file(tmp_path):
    path = tmp_path / "junk.pdparams"
    path.write_bytes(b"this is not a pickle")
    with pytest.raises(ValueError, match="not a readable .pdparams"):
        read_pdparams(path)


def test_paddle_tensor_tuples_and_split_params(tmp_path):
    """Paddle's ``(name, array)`` tensor pickles and protocol-2/3 split big parameters."""
    big = np.arange(10, dtype=np.float32).reshape(2, 5)
    obj = {
        "t": ("linear_0.w_0", np.ones(3, dtype=np.float32)),
        "big@@.0": big.reshape(-1)[:6],
        "big@@.1": big.reshape(-1)[6:],
        "UnpackBigParamInfor@@": {"big": {"OriginShape": (2, 5), "slices": ["big@@.0", "big@@.1"]}},
    }
    path = tmp_path / "x.pdparams"
    path.write_bytes(pickle.dumps(obj, protocol=3))
    state = read_pdparams(path)
    np.testing.assert_array_equal(state["big"], big)
    np.testing.assert_array_equal(state["t"], np.ones(3, dtype=np.float32))


def test_mismatch_lists_every_key(golden_state):
    bad = dict(golden_state)
    del bad["head.pvam.fc0.bias"]
    del bad["backbone.conv.bn._mean"]
    bad["head.extra.weight"] = np.zeros(3, dtype=np.float32)
    bad["head.vsfd.fc1.weight"] = np.zeros((512, 40), dtype=np.float32)
    with pytest.raises(WeightsMismatchError) as info:
        srn_fast.weights.paddle_to_state_dict(bad, srn_fast.SRNConfig())
    err = info.value
    assert sorted(err.missing) == ["backbone.conv.bn._mean", "head.pvam.fc0.bias"]
    assert err.unexpected == ["head.extra.weight"]
    assert [k for k, _, _ in err.mismatched] == ["head.vsfd.fc1.weight"]
    for name in ("head.pvam.fc0.bias", "backbone.conv.bn._mean", "head.extra.weight", "head.vsfd.fc1.weight"):
        assert name in str(err)


def test_tied_embedding_must_agree(golden_state):
    bad = dict(golden_state)
    key = "head.gsrm.wrap_encoder1.prepare_decoder.emb0.weight"
    bad[key] = bad[key] + 1
    with pytest.raises(ValueError, match="same tensor"):
        srn_fast.weights.paddle_to_state_dict(bad, srn_fast.SRNConfig())


def test_small_config_round_trip_through_pdparams(tmp_path):
    model = random_model()
    write_pdparams(state_dict_to_paddle(model.state_dict(), TINY_CONFIG), tmp_path / "tiny.pdparams")
    loaded = srn_fast.SRN.from_paddle(tmp_path / "tiny.pdparams", config=TINY_CONFIG)
    x = torch.rand(2, 1, 64, 256) * 255
    with torch.no_grad():
        torch.testing.assert_close(loaded(x)["predict"], model(x)["predict"], rtol=0, atol=0)


def test_own_format_round_trip(tmp_path):
    model = random_model(TINY_CONFIG.replace(dropout_scale=1.0, charset="abc"))
    model.save_pretrained(tmp_path / "m.safetensors")
    loaded = srn_fast.SRN.from_pretrained(tmp_path / "m.safetensors")
    assert not loaded.training
    assert loaded.config == model.config
    x = torch.rand(2, 1, 64, 256) * 255
    with torch.no_grad():
        torch.testing.assert_close(loaded(x)["logits"], model(x)["logits"], rtol=0, atol=0)


def test_own_format_rejects_other_files(tmp_path):
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(1)}, tmp_path / "plain.safetensors")
    with pytest.raises(ValueError, match="without an srn_fast config"):
        srn_fast.SRN.from_pretrained(tmp_path / "plain.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not an srn_fast weights file"):
        srn_fast.SRN.from_pretrained(tmp_path / "junk.safetensors")


def test_load_state_dict_names_all_problems():
    model = srn_fast.SRN(TINY_CONFIG)
    state = model.state_dict()
    state.pop("vsfd.fc1.bias")
    state["vsfd.fc0.weight"] = torch.zeros(3, 3)
    state["surprise"] = torch.zeros(1)
    with pytest.raises(WeightsMismatchError) as info:
        model.load_state_dict(state)
    assert info.value.missing == ["vsfd.fc1.bias"]
    assert info.value.unexpected == ["surprise"]
    assert [k for k, _, _ in info.value.mismatched] == ["vsfd.fc0.weight"]
