"""Plain-PyTorch multi-head attention: the math SRN's transformer units use, and the kernels' truth."""

from __future__ import annotations

import torch

MASK_MODES = ("none", "causal", "anticausal")

# Paddle's SRN adds -1e9 to masked scores; after the max-subtraction exp() of it is exactly 0 in fp32,
# the same as -inf, but without NaNs on a row that has every key masked.
MASK_VALUE = -1e9


def mask_bias(
    mode: str, length: int, device: torch.device | str | None = None, dtype: torch.dtype = torch.float32
) -> torch.Tensor | None:
    """Additive attention mask ``[L, L]`` for a mask mode, or ``None`` for ``"none"``.

    ``"causal"``: query i sees keys j <= i (GSRM's forward stream). ``"anticausal"``: query i sees keys
    j >= i (GSRM's backward stream). Masked entries hold ``MASK_VALUE``, others 0.
    """
    if mode not in MASK_MODES:
        raise ValueError(f"mask mode must be one of {MASK_MODES}, got {mode!r}")
    if mode == "none":
        return None
    i = torch.arange(length, device=device)
    hidden = i[None, :] > i[:, None] if mode == "causal" else i[None, :] < i[:, None]
    return torch.zeros(length, length, device=device, dtype=dtype).masked_fill(hidden, MASK_VALUE)


def key_length_bias(key_lengths: torch.Tensor, length: int) -> torch.Tensor:
    """Additive mask ``[B, 1, 1, L]`` hiding keys at positions ``>= key_lengths[b]``."""
    j = torch.arange(length, device=key_lengths.device)
    hidden = j[None, :] >= key_lengths[:, None]
    bias = torch.zeros(hidden.shape, device=key_lengths.device, dtype=torch.float32)
    return bias.masked_fill(hidden, MASK_VALUE)[:, None, None, :]


def attention_reference(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    scale: float,
    prob_scale: float = 1.0,
    bias: torch.Tensor | None = None,
    key_lengths: torch.Tensor | None = None,
    dropout_p: float = 0.0,
) -> torch.Tensor:
    """Scaled dot-product attention as Paddle's SRN computes it.

    ``out = (prob_scale * softmax(q @ k^T * scale + bias)) @ v``

    Args:
        q, k, v: ``[B, H, L, Dh]`` (any float dtype; the softmax runs in fp32).
        scale: score scale (SRN uses ``d_model ** -0.5``, not ``Dh ** -0.5``).
        prob_scale: factor on the probabilities (SRN's inference dropout, 0.9 for Paddle weights).
        bias: additive mask broadcastable to ``[B, H, L, L]`` (see ``mask_bias``).
        key_lengths: optional ``[B]`` int tensor; keys at ``j >= key_lengths[b]`` are hidden.
        dropout_p: training-time dropout on the probabilities (PyTorch convention).

    Returns:
        ``[B, H, L, Dh]`` in the dtype of ``v``.
    """
    scores = torch.matmul(q, k.transpose(-1, -2)).float() * scale  # [B, H, L, L]
    if bias is not None:
        scores = scores + bias.float()
    if key_lengths is not None:
        scores = scores + key_length_bias(key_lengths, scores.shape[-1])
    probs = torch.softmax(scores, dim=-1)
    if prob_scale != 1.0:
        probs = probs * prob_scale
    if dropout_p > 0.0:
        probs = torch.nn.functional.dropout(probs, dropout_p, training=True)
    return torch.matmul(probs.to(v.dtype), v)
