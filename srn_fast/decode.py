"""Decoding as PaddleOCR's ``SRNLabelDecode``, with a stop-at-first-eos option."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from .config import DEFAULT_CHARSET


def _probabilities(output: Any, num_classes: int) -> np.ndarray:
    pred = output["predict"] if isinstance(output, Mapping) else output
    if isinstance(pred, torch.Tensor):
        pred = pred.detach().float().cpu().numpy()
    pred = np.asarray(pred, dtype=np.float32)
    if pred.shape[-1] != num_classes:
        raise ValueError(f"predictions have {pred.shape[-1]} classes, the charset needs {num_classes}")
    return pred


def decode(
    output: Any,
    charset: str = DEFAULT_CHARSET,
    max_text_length: int = 25,
    stop_at_eos: bool = False,
    return_char_probs: bool = False,
) -> list[tuple]:
    """Model output -> one ``(text, confidence)`` per image (``(text, confidence, char_probs)`` with
    ``return_char_probs``).

    Args:
        output: the model's output dict, or its ``predict`` probabilities ``[B, T, C]`` or ``[B*T, C]``
            (tensor or array).
        charset: the model's characters; classes are ``charset + [sos, eos]``.
        max_text_length: T, to split ``[B*T, C]`` rows.
        stop_at_eos: end each text at its first ``eos``. The default, like PaddleOCR, skips ``sos`` and
            ``eos`` wherever they occur and keeps reading.

    Confidence is the mean top-1 probability of the kept characters (PaddleOCR's score). An empty text
    (PaddleOCR gives NaN) gets the top-1 probability of the first slot, the model's confidence that
    there is nothing to read.
    """
    num_classes = len(charset) + 2
    pred = _probabilities(output, num_classes).reshape(-1, max_text_length, num_classes)
    ids = pred.argmax(axis=-1)  # [B, T]
    probs = pred.max(axis=-1)  # [B, T]
    sos, eos = len(charset), len(charset) + 1
    results = []
    for row_ids, row_probs in zip(ids, probs, strict=True):
        chars, char_probs = [], []
        for i, p in zip(row_ids.tolist(), row_probs.tolist(), strict=True):
            if i == eos and stop_at_eos:
                break
            if i in (sos, eos):
                continue
            chars.append(charset[i])
            char_probs.append(p)
        confidence = (
            float(np.mean(np.asarray(char_probs, dtype=np.float32))) if chars else float(row_probs[0])
        )
        text = "".join(chars)
        results.append((text, confidence, char_probs) if return_char_probs else (text, confidence))
    return results
