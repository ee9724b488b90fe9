"""Triton kernels for SRN's hot paths, shipped as ``srn_fast.kernels``.

Each op lives in its own subpackage: ``kernel.py`` (the ``@triton.jit`` kernel and its autotune
configs), ``op.py`` (launcher with every check, functional API, cost model, module) and ``reference.py``
(the plain-PyTorch math, which the reference model itself uses). Importing this package does not import
triton; the public functions below import their kernel on first use.

Kernels run on CUDA tensors, or on CPU tensors with ``TRITON_INTERPRET=1`` set before import.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "pvam_attention": "pvam.op",
    "pvam_attention_cost": "pvam.op",
    "PVAMAttention": "pvam.op",
    "pvam_attention_reference": "pvam.reference",
    "add_layer_norm": "addnorm.op",
    "add_layer_norm_cost": "addnorm.op",
    "FusedAddLayerNorm": "addnorm.op",
    "add_layer_norm_reference": "addnorm.reference",
    "gated_fusion": "vsfd.op",
    "gated_fusion_cost": "vsfd.op",
    "GatedFusion": "vsfd.op",
    "gated_fusion_reference": "vsfd.reference",
    "gated_fusion_classify_reference": "vsfd.reference",
    "gsrm_embed": "gsrm.op",
    "gsrm_embed_cost": "gsrm.op",
    "GSRMEmbed": "gsrm.op",
    "gsrm_embed_reference": "gsrm.reference",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
