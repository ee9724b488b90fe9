"""GSRM embedding step: launcher, functional API, cost model and module."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..launch import (
    bucket,
    cdiv,
    check_device,
    check_dtype,
    check_inner_stride,
    check_shape,
    empty,
    interpreting,
)

MAX_C = 1024


def gsrm_embed_launch(
    word_logits: torch.Tensor,
    embedding: torch.Tensor,
    pos_forward: torch.Tensor,
    pos_backward: torch.Tensor,
    pad_id: int | None = None,
    emb_scale: float | None = None,
    out_scale: float = 1.0,
    config: tuple[dict[str, int], int, int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    check_device("word_logits", word_logits)
    check_dtype("word_logits", word_logits)
    check_shape("word_logits", word_logits, 3, "[B, T, C]")
    b, t, c = word_logits.shape
    for name, x in (("embedding", embedding), ("pos_forward", pos_forward), ("pos_backward", pos_backward)):
        check_device(name, x, word_logits.device)
        check_dtype(name, x, embedding.dtype)
        check_shape(name, x, 2, "[V, D]" if name == "embedding" else "[T, D]")
        check_inner_stride(name, x)
    v, d = embedding.shape
    pad_id = c if pad_id is None else int(pad_id)
    emb_scale = math.sqrt(d) if emb_scale is None else float(emb_scale)
    if not 1 <= c <= MAX_C:
        raise ValueError(f"word_logits: C must be in 1..{MAX_C}, got {c}")
    if v <= max(c - 1, pad_id) or pad_id < 0:
        raise ValueError(
            f"embedding must have more than max(C - 1, pad_id) = {max(c - 1, pad_id)} rows, got {v}"
        )
    for name, x in (("pos_forward", pos_forward), ("pos_backward", pos_backward)):
        if x.shape[0] < t or x.shape[1] != d:
            raise ValueError(
                f"{name} must be [>= {t}, {d}] (T rows of the embedding width), got {list(x.shape)}"
            )
    check_inner_stride("word_logits", word_logits)
    logits2 = word_logits.reshape(b * t, c)
    ids = empty((b, t), torch.int64, word_logits.device)
    out = empty((2, b, t, d), embedding.dtype, word_logits.device)
    r = b * t
    if r > 0:
        from .kernel import AUTOTUNED, GSRM_EMBED_CONFIGS, gsrm_embed_kernel

        args = (logits2, embedding, pos_forward, pos_backward, ids, out, r, t, c, d,
                logits2.stride(0), embedding.stride(0), pos_forward.stride(0), pos_backward.stride(0),
                out.stride(0), out.stride(2), pad_id, emb_scale, float(out_scale), bucket(r), bucket(d))  # fmt: skip
        flags = dict(BLOCK_C=max(16, bucket(c)))
        if config is None and not interpreting():
            AUTOTUNED[lambda meta: (cdiv(r, meta["BLOCK_R"]),)](*args, **flags)
        else:
            meta, num_warps, num_stages = config or GSRM_EMBED_CONFIGS[0]
            gsrm_embed_kernel[(cdiv(r, meta["BLOCK_R"]),)](
                *args, **flags, **meta, num_warps=num_warps, num_stages=num_stages
            )
    return ids, out


def gsrm_embed(
    word_logits: torch.Tensor,
    embedding: torch.Tensor,
    pos_forward: torch.Tensor,
    pos_backward: torch.Tensor,
    pad_id: int | None = None,
    emb_scale: float | None = None,
    out_scale: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """GSRM's embedding step in one launch: argmax ids and both transformer streams' inputs.

    ``ids = argmax(word_logits)`` (ties: first index, as ``torch.argmax``); stream 0 (forward) reads
    ``[pad_id, ids[:-1]]``, stream 1 (backward) reads ``ids``; each
    ``x = out_scale * (E[token] * emb_scale + P_stream[t])`` where id 0 reads as a zero vector
    (Paddle's ``padding_idx=0``).

    Args:
        word_logits: ``[B, T, C]`` fp32 / fp16 / bf16 (unit inner stride).
        embedding: ``[V, D]`` shared word embedding, V > max(C - 1, pad_id).
        pos_forward, pos_backward: ``[T, D]`` position tables (dtype of ``embedding``).
        pad_id: forward stream start token (default C).
        emb_scale: embedding factor (default ``sqrt(D)``).
        out_scale: factor on the sum (SRN's dropout scale).

    Returns:
        ``(ids [B, T] int64, streams [2, B, T, D])`` in the dtype of ``embedding``.
    """
    return gsrm_embed_launch(word_logits, embedding, pos_forward, pos_backward, pad_id, emb_scale, out_scale)


def gsrm_embed_cost(b: int, t: int, c: int, d: int, dtype: torch.dtype = torch.bfloat16) -> dict:
    """FLOPs and compulsory bytes: logits read once, two gathered embedding rows and two position rows
    per position, the ids and both streams written."""
    e = torch.empty((), dtype=dtype).element_size()
    return {
        "flops": b * t * c + 2 * b * t * d * 3,
        "transcendentals": 0,
        "bytes": b * t * c * e + 2 * b * t * d * e + 2 * t * d * e + 8 * b * t + 2 * b * t * d * e,
    }


class GSRMEmbed(nn.Module):
    """Holds the shared embedding and both position tables; ``forward(word_logits)`` runs ``gsrm_embed``."""

    def __init__(
        self, embedding, pos_forward, pos_backward, pad_id: int, emb_scale: float, out_scale: float = 1.0
    ):
        super().__init__()
        self.register_buffer("embedding", embedding.detach().clone())
        self.register_buffer("pos_forward", pos_forward.detach().clone())
        self.register_buffer("pos_backward", pos_backward.detach().clone())
        self.pad_id, self.emb_scale, self.out_scale = pad_id, emb_scale, out_scale

    def forward(self, word_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return gsrm_embed(word_logits, self.embedding, self.pos_forward, self.pos_backward,
                          self.pad_id, self.emb_scale, self.out_scale)  # fmt: skip
