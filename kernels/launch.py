"""What every launcher shares: device and dtype checks, interpreter detection, size buckets."""

from __future__ import annotations

import contextlib
import os

import torch

SUPPORTED_DTYPES = (torch.float32, torch.float16, torch.bfloat16)
DTYPE_NAMES = {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}


_NAN_FILL = False


@contextlib.contextmanager
def fill_outputs_with_nan(enabled: bool = True):
    """Within this context every kernel output is allocated full of NaN (integer outputs: their most
    negative value), so an element a kernel forgets to write shows up in tests."""
    global _NAN_FILL
    previous, _NAN_FILL = _NAN_FILL, enabled
    try:
        yield
    finally:
        _NAN_FILL = previous


def empty(shape, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Allocation for kernel outputs (NaN-filled inside ``fill_outputs_with_nan``)."""
    if _NAN_FILL:
        fill = float("nan") if dtype.is_floating_point else torch.iinfo(dtype).min
        return torch.full(shape, fill, dtype=dtype, device=device)
    return torch.empty(shape, dtype=dtype, device=device)


def interpreting() -> bool:
    """Whether Triton runs kernels on the CPU through its interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")


def check_device(name: str, t: torch.Tensor, device: torch.device | None = None) -> None:
    """CUDA tensors, or CPU tensors under the interpreter; all on one device."""
    if not isinstance(t, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.device.type == "cpu" and not interpreting():
        raise ValueError(
            f"{name} is on the CPU: Triton kernels run on CUDA tensors, or on CPU tensors with "
            "TRITON_INTERPRET=1 set before import (the reference functions run anywhere)"
        )
    if t.device.type not in ("cpu", "cuda"):
        raise ValueError(f"{name} is on {t.device}; kernels run on CUDA (or CPU under the interpreter)")
    if device is not None and t.device != device:
        raise ValueError(f"{name} is on {t.device}, expected {device} like the first input")


def check_dtype(name: str, t: torch.Tensor, dtype: torch.dtype | None = None) -> None:
    if t.dtype not in SUPPORTED_DTYPES:
        raise ValueError(f"{name} has dtype {t.dtype}; supported: float32, float16, bfloat16")
    if dtype is not None and t.dtype != dtype:
        raise ValueError(f"{name} has dtype {t.dtype}, expected {dtype} like the first input")


def check_shape(name: str, t: torch.Tensor, ndim: int, description: str) -> None:
    if t.dim() != ndim:
        raise ValueError(f"{name} must be {description}, got shape {list(t.shape)}")


def check_inner_stride(name: str, t: torch.Tensor) -> None:
    if t.numel() > 0 and t.stride(-1) != 1:
        raise ValueError(f"{name} must have unit stride in its last dimension (call .contiguous())")


def bucket(n: int) -> int:
    """Autotune key for a runtime size: the next power of two."""
    return 1 << max(0, int(n) - 1).bit_length()


def cdiv(a: int, b: int) -> int:
    return (a + b - 1) // b


def rows_view(name: str, t: torch.Tensor) -> torch.Tensor:
    """``t`` ``[..., D]`` as a ``[M, D]`` view with unit inner stride and one row stride, without copying."""
    d = t.shape[-1]
    if t.dim() == 2 and t.stride(1) == 1:
        return t
    if t.is_contiguous():
        return t.view(-1, d)
    raise ValueError(f"{name} must be contiguous, or a 2-D view with unit inner stride")
