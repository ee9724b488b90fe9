"""Preprocessing exactly as PaddleOCR's ``process_image_srn`` (``tools/infer/predict_rec.py``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

IMAGE_HEIGHT = 64
IMAGE_WIDTH = 256
COLOR_ORDERS = ("bgr", "rgb")


def _cv2():
    import cv2

    return cv2


def load_image(source: str | os.PathLike | bytes | bytearray | memoryview) -> np.ndarray:
    """Decode an image file or encoded bytes as PaddleOCR does: BGR uint8 ``[H, W, 3]``
    (``cv2.imdecode(buf, IMREAD_COLOR)``: alpha dropped, 16-bit scaled to 8-bit, gray expanded)."""
    cv2 = _cv2()
    if isinstance(source, (bytes, bytearray, memoryview)):
        buf = np.frombuffer(source, dtype=np.uint8)
        name = "<bytes>"
    else:
        name = os.fspath(source)
        buf = np.fromfile(name, dtype=np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR) if buf.size else None
    if img is None:
        raise ValueError(f"cannot decode image {name!r} ({buf.size} bytes)")
    return img


def to_bgr(image: Any, color: str = "bgr") -> np.ndarray:
    """Any supported image to what PaddleOCR's preprocessing expects: ``uint8`` ``[H, W, 3]`` BGR,
    or ``[H, W]`` gray.

    Accepted: a numpy array ``[H, W]`` (gray), ``[H, W, 1]`` (gray), ``[H, W, 3]`` (BGR, or RGB with
    ``color="rgb"``) or ``[H, W, 4]`` (BGRA/RGBA: alpha dropped, as ``cv2.imread`` does); ``uint8``, or
    ``uint16`` (scaled by 1/256, as ``cv2.imread`` does); a PIL image (converted from its mode to RGB,
    or kept gray for ``L``); an image path or encoded bytes (decoded as ``cv2.imread``).
    """
    if color not in COLOR_ORDERS:
        raise ValueError(f"color must be one of {COLOR_ORDERS}, got {color!r}")
    if isinstance(image, (str, os.PathLike, bytes, bytearray, memoryview)):
        return load_image(image)
    if type(image).__module__.startswith("PIL."):
        if image.mode in ("L", "I;16", "I", "F"):
            arr = np.asarray(image.convert("L"))
        else:
            arr = np.asarray(image.convert("RGB"))[:, :, ::-1]
        return np.ascontiguousarray(arr)
    if isinstance(image, torch.Tensor):
        raise TypeError(
            "preprocess takes images (numpy, PIL, paths, bytes), not tensors; "
            "an already preprocessed [B, 1, 64, 256] tensor goes to the model directly"
        )
    arr = np.asarray(image)
    if arr.dtype == np.uint16:
        arr = (arr >> 8).astype(np.uint8)
    if arr.dtype != np.uint8:
        raise ValueError(f"image must be uint8 or uint16, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        pass
    elif arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = arr[:, :, :3]
        if color == "rgb":
            arr = arr[:, :, ::-1]
    else:
        raise ValueError(f"image must be [H, W], [H, W, 1], [H, W, 3] or [H, W, 4], got {list(arr.shape)}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"image is empty: {list(arr.shape)}")
    return np.ascontiguousarray(arr)


def resize_width(height: int, width: int, target_h: int = IMAGE_HEIGHT, target_w: int = IMAGE_WIDTH) -> int:
    """PaddleOCR's width bucket for an ``height x width`` image: 1, 2 or 3 times the target height by
    aspect ratio, else the full target width (widths between buckets are stretched)."""
    for k in (1, 2, 3):
        if width <= height * k:
            return target_h * k
    return target_w


def preprocess_one(
    image: Any, color: str = "bgr", height: int = IMAGE_HEIGHT, width: int = IMAGE_WIDTH
) -> np.ndarray:
    """One image -> ``[1, height, width]`` float32 (gray levels 0..255, right zero padding).

    ``cv2.resize`` (INTER_LINEAR) of the colour image to the bucket width, ``COLOR_BGR2GRAY``, pasted
    at the left of a zero canvas. Gray inputs are resized directly.
    """
    cv2 = _cv2()
    img = to_bgr(image, color)
    new_w = resize_width(img.shape[0], img.shape[1], height, width)
    resized = cv2.resize(img, (new_w, height))
    if resized.ndim == 3:
        resized = cv2.cvtColor(resized, cv2.COLOR_BGR2GRAY)
    canvas = np.zeros((height, width), dtype=np.float64)
    canvas[:, : resized.shape[1]] = resized
    return canvas.astype(np.float32)[None]


def preprocess(
    images: Any, color: str = "bgr", height: int = IMAGE_HEIGHT, width: int = IMAGE_WIDTH
) -> torch.Tensor:
    """One image or a list of images -> the model's input ``[B, 1, height, width]`` float32 tensor.

    See ``to_bgr`` for the accepted image kinds. A single image gives ``B = 1``.
    """
    if isinstance(images, (list, tuple)) or (
        isinstance(images, Sequence) and not isinstance(images, (str, bytes, bytearray))
    ):
        if len(images) == 0:
            raise ValueError("preprocess got an empty list of images")
        arrays = [preprocess_one(im, color, height, width) for im in images]
    else:
        arrays = [preprocess_one(images, color, height, width)]
    return torch.from_numpy(np.stack(arrays))
