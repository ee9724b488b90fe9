"""Conventions every kernel test follows, written once.

- One tolerance rule per dtype (``TOLERANCES``), applied by ``assert_close_to_reference``.
- References run in fp32 (TF32 off) on the same, already rounded, inputs the kernel gets.
- Kernel outputs are allocated full of NaN (``nan_outputs`` fixture), so unwritten elements fail.
- ``kernel_device``: CPU under ``TRITON_INTERPRET=1`` where there is no GPU, CUDA where there is one.
  bf16 runs on CUDA only: the interpreter's ``tl.dot`` on bf16 operands is wrong.
"""

from __future__ import annotations

import pytest
import torch

from srn_fast.kernels.launch import fill_outputs_with_nan, interpreting

TOLERANCES: dict[torch.dtype, dict[str, float]] = {
    torch.float32: dict(atol=2e-5, rtol=2e-5),
    torch.float16: dict(atol=3e-3, rtol=3e-3),
    torch.bfloat16: dict(atol=2e-2, rtol=2e-2),
}
ALL_DTYPES = list(TOLERANCES)
# Sizes that catch off-by-one tiling bugs.
ODD_SIZES = (1, 7, 25, 33, 255, 256, 257)


def kernel_devices() -> list:
    return [
        pytest.param("cpu", marks=pytest.mark.skipif(not interpreting(), reason="needs TRITON_INTERPRET=1")),
        pytest.param(
            "cuda",
            marks=pytest.mark.skipif(
                interpreting() or not torch.cuda.is_available(), reason="needs a GPU (interpreter off)"
            ),
        ),
    ]


def skip_unsupported(device: str, dtype: torch.dtype) -> None:
    if device == "cpu" and dtype == torch.bfloat16:
        pytest.skip("the interpreter computes tl.dot on bf16 wrongly: bf16 is checked on the GPU")


@pytest.fixture(params=kernel_devices())
def kernel_device(request) -> str:
    return request.param


@pytest.fixture
def nan_outputs():
    with fill_outputs_with_nan():
        yield


@pytest.fixture
def fp32_reference_math():
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def assert_close_to_reference(
    actual: torch.Tensor, expected: torch.Tensor, dtype: torch.dtype, name: str = ""
):
    """The one comparison: ``actual`` (kernel, any dtype) against an fp32 reference, at ``dtype``'s tolerance."""
    if actual.is_floating_point():
        assert not torch.isnan(actual).any(), f"{name}: NaN in the kernel output (an element was not written)"
    torch.testing.assert_close(
        actual.float().cpu(), expected.float().cpu(), **TOLERANCES[dtype], msg=lambda m: f"{name}: {m}"
    )
