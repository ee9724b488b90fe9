"""Kernels register here what the ahead-of-time compile check needs; importing this needs no triton.

A kernel module calls ``register(CompileSpec(...))`` at import. ``srn_fast.kernels.compile_check``
imports every ``kernel.py`` of the package, then compiles each registered kernel with each of its
autotune configs and dtypes for each target, so a new kernel joins the check by registering itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CompileSpec:
    """One kernel as the compile check sees it.

    Attributes:
        name: short name for the table.
        fn: the ``@triton.jit`` function.
        configs: ``dtype name -> autotune configs``, each a ``(meta, num_warps, num_stages)`` tuple;
            ``meta`` holds the block-size constexprs.
        signature: ``dtype name -> (signature, constexprs)`` for ``triton.compiler.ASTSource``;
            ``constexprs`` holds the non-block constexprs (dtype-dependent flags and the like).
        dtypes: dtype names to compile (``"fp32"``, ``"fp16"``, ``"bf16"``).
        uses_dot: whether the kernel uses ``tl.dot`` (tensor-core instructions are then expected in the
            SASS for 16-bit dtypes).
    """

    name: str
    fn: Any
    configs: Callable[[str], list[tuple[dict[str, int], int, int]]]
    signature: Callable[[str], tuple[dict[str, str], dict[str, Any]]]
    dtypes: tuple[str, ...] = ("fp32", "fp16", "bf16")
    uses_dot: bool = True
    notes: dict[str, str] = field(default_factory=dict)


REGISTRY: dict[str, CompileSpec] = {}


def register(spec: CompileSpec) -> CompileSpec:
    REGISTRY[spec.name] = spec
    return spec


def autotuned(fn: Any, configs: list[tuple[dict[str, int], int, int]], key: list[str]) -> Any:
    """``triton.autotune`` of ``fn`` over ``(meta, num_warps, num_stages)`` configs."""
    import triton

    return triton.autotune(
        configs=[triton.Config(meta, num_warps=w, num_stages=s) for meta, w, s in configs], key=key
    )(fn)
