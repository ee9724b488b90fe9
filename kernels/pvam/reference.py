"""Plain-PyTorch PVAM attention: the eager math of PaddleOCR's PVAM and the kernel's truth."""

from __future__ import annotations

import torch


def pvam_scores_reference(wf: torch.Tensor, query: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Additive-attention scores ``e[b, t, j] = w . tanh(query[t] + wf[b, j])``.

    Materialises ``[B, T, N, D]`` exactly as PaddleOCR's eager PVAM does.

    Args:
        wf: ``[B, N, D]`` keys (the encoder features after ``fc0``).
        query: ``[T, D]`` per-position query table (``pvam.emb``).
        w: ``[D]`` scorer vector (``pvam.fc1``).

    Returns:
        ``[B, T, N]`` scores in the dtype of ``wf``.
    """
    y = torch.tanh(query[None, :, None, :] + wf[:, None, :, :])  # [B, T, N, D]
    return torch.matmul(y, w.to(y.dtype))  # [B, T, N]


def pvam_attention_reference(
    wf: torch.Tensor,
    query: torch.Tensor,
    w: torch.Tensor,
    return_weights: bool = False,
    return_scores: bool = False,
):
    """``G = softmax_j(w . tanh(query[t] + wf[b, j])) @ wf``: PVAM's glimpses.

    Args:
        wf: ``[B, N, D]`` keys and values.
        query: ``[T, D]`` query table shared by the batch.
        w: ``[D]`` scorer vector.
        return_weights: also return the attention weights ``[B, T, N]`` (fp32).
        return_scores: also return the scores before the softmax ``[B, T, N]``.

    Returns:
        ``G`` ``[B, T, D]`` in the dtype of ``wf``; with either flag a tuple
        ``(G, weights)``, ``(G, scores)`` or ``(G, weights, scores)``.
    """
    scores = pvam_scores_reference(wf, query, w)  # [B, T, N]
    weights = torch.softmax(scores.float(), dim=-1)
    g = torch.matmul(weights.to(wf.dtype), wf)  # [B, T, D]
    extra = ([weights] if return_weights else []) + ([scores] if return_scores else [])
    return (g, *extra) if extra else g
