"""Shared fixtures: the golden PaddleOCR fixtures and models built from them."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import srn_fast
from srn_fast.weights import write_pdparams

ROOT = Path(__file__).resolve().parents[1]

pytest_plugins = ["kernel_testing"]

# Without a GPU, Triton kernels run on CPU tensors through the interpreter. It is chosen when a kernel
# is defined, so it must be set before any kernel module is imported (kernel modules load lazily).
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")


def golden_dir() -> Path:
    """``$SRN_GOLDEN_DIR``, else ``shared/golden`` beside the checkout (or inside it)."""
    env = os.environ.get("SRN_GOLDEN_DIR")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "golden", ROOT / "shared" / "golden"]
    for c in candidates:
        if (c / "srn_golden_seed0.npz").exists():
            return c
    raise FileNotFoundError(
        "golden fixtures not found: set SRN_GOLDEN_DIR or place shared/golden beside the checkout"
    )


@pytest.fixture(scope="session")
def golden_path() -> Path:
    return golden_dir()


@pytest.fixture(scope="session")
def golden(golden_path) -> dict[str, np.ndarray]:
    with np.load(golden_path / "srn_golden_seed0.npz") as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(scope="session")
def make_weights(golden_path):
    spec = importlib.util.spec_from_file_location("golden_make_weights", golden_path / "make_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_weights


@pytest.fixture(scope="session")
def golden_state(golden_path, make_weights) -> dict[str, np.ndarray]:
    """``make_weights(param_shapes, 0)``: the golden weights in Paddle's names and layouts."""
    meta = json.loads((golden_path / "param_shapes.json").read_text())
    return make_weights(meta["state_dict"], 0)


@pytest.fixture(scope="session")
def golden_pdparams(tmp_path_factory, golden_state) -> Path:
    """The golden weights written as a real ``.pdparams`` file, the way ``paddle.save`` writes one."""
    path = tmp_path_factory.mktemp("weights") / "srn_seed0.pdparams"
    write_pdparams(golden_state, path)
    return path


@pytest.fixture(scope="session")
def golden_model(golden_pdparams) -> srn_fast.SRN:
    return srn_fast.SRN.from_paddle(golden_pdparams)


@pytest.fixture(scope="session")
def golden_outputs(golden_model, golden) -> dict[str, torch.Tensor]:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    with torch.no_grad():
        return golden_model(torch.from_numpy(golden["image"]), return_stages=True)


TINY_CONFIG = srn_fast.SRNConfig(
    stem_channels=8,
    depths=(1, 1, 1, 1),
    widths=(8, 8, 16, 16),
    d_model=32,
    num_heads=4,
    ffn_dim=48,
    num_encoder_units=1,
    num_decoder_units=2,
)


def random_model(config: srn_fast.SRNConfig = TINY_CONFIG, seed: int = 0) -> srn_fast.SRN:
    """A model with every parameter and buffer random (BN statistics and position tables included)."""
    torch.manual_seed(seed)
    model = srn_fast.SRN(config)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("running_var"):
                t.copy_(1 + 0.1 * torch.rand_like(t))
            else:
                t.copy_(
                    torch.randn_like(t) / max(1, t.shape[-1]) ** 0.5
                    if t.dim() > 1
                    else 0.1 * torch.randn_like(t)
                )
    return model.eval()
