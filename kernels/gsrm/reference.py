"""Plain-PyTorch GSRM embedding step (PaddleOCR's ``GSRM.forward`` up to the two encoders)."""

from __future__ import annotations

import torch


def embedding_lookup_padding0(ids: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """``table[ids]`` with Paddle's ``padding_idx=0``: id 0 gives a zero vector whatever row 0 holds."""
    out = torch.nn.functional.embedding(ids, table)
    return out * (ids != 0).unsqueeze(-1).to(out.dtype)


def stream_input_reference(
    tokens: torch.Tensor, embedding: torch.Tensor, pos: torch.Tensor, emb_scale: float, out_scale: float = 1.0
) -> torch.Tensor:
    """One GSRM stream's input ``out_scale * (E[tokens] * emb_scale + pos)`` (``E[0]`` reads as zero).

    ``tokens`` ``[B, T]`` int, ``embedding`` ``[V, D]``, ``pos`` ``[T, D]`` -> ``[B, T, D]``.
    """
    x = embedding_lookup_padding0(tokens, embedding) * emb_scale + pos
    return x * out_scale if out_scale != 1.0 else x


def gsrm_embed_reference(
    word_logits: torch.Tensor,
    embedding: torch.Tensor,
    pos_forward: torch.Tensor,
    pos_backward: torch.Tensor,
    pad_id: int,
    emb_scale: float,
    out_scale: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Word ids and both GSRM streams' inputs.

    ``ids = argmax(word_logits)``; forward stream tokens ``[pad_id, ids[:-1]]``, backward stream tokens
    ``ids``; each stream ``x = out_scale * (E[tokens] * emb_scale + P_stream)`` with ``E[0] = 0``.

    Args:
        word_logits: ``[B, T, C]`` GSRM visual-to-semantic logits.
        embedding: ``[C + 1, D]`` shared word embedding (row ``pad_id`` = C is the pad token).
        pos_forward, pos_backward: ``[T, D]`` position tables of the two streams.
        pad_id: the token that starts the forward stream.
        emb_scale: factor on the embedding (``sqrt(D)``).
        out_scale: factor on the sum (SRN's inference dropout scale).

    Returns:
        ``(ids [B, T] int64, x_forward [B, T, D], x_backward [B, T, D])``.
    """
    ids = torch.argmax(word_logits, dim=-1)  # [B, T]
    pad = torch.full_like(ids[:, :1], pad_id)
    tokens_fwd = torch.cat([pad, ids[:, :-1]], dim=1)  # [B, T]
    x_fwd = stream_input_reference(tokens_fwd, embedding, pos_forward, emb_scale, out_scale)
    x_bwd = stream_input_reference(ids, embedding, pos_backward, emb_scale, out_scale)
    return ids, x_fwd, x_bwd
