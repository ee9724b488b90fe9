"""Preprocessing (PaddleOCR's process_image_srn) and decoding (SRNLabelDecode)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import srn_fast
from srn_fast.preprocess import preprocess_one, resize_width


@pytest.mark.parametrize(
    "hw, width",
    [
        ((32, 30), 64),
        ((32, 32), 64),
        ((32, 33), 128),
        ((32, 64), 128),
        ((32, 96), 192),
        ((32, 97), 256),
        ((10, 1000), 256),
        ((100, 10), 64),
    ],
)
def test_width_buckets(hw, width):
    assert resize_width(*hw) == width
    img = np.full((*hw, 3), 200, dtype=np.uint8)
    x = preprocess_one(img)
    assert x.shape == (1, 64, 256) and x.dtype == np.float32
    assert (x[0, :, :width] == 200).all() and (x[0, :, width:] == 0).all()


def test_colour_orders_and_alpha(golden):
    bgr = golden["img1"]
    ref = preprocess_one(bgr)
    np.testing.assert_array_equal(preprocess_one(bgr[:, :, ::-1].copy(), color="rgb"), ref)
    bgra = np.concatenate([bgr, np.full(bgr.shape[:2] + (1,), 7, np.uint8)], axis=2)
    np.testing.assert_array_equal(preprocess_one(bgra), ref)
    np.testing.assert_array_equal(preprocess_one(bgr.astype(np.uint16) * 256 + 255), ref)


def test_gray_inputs():
    gray = (np.arange(40 * 100) % 256).astype(np.uint8).reshape(40, 100)
    a = preprocess_one(gray)
    np.testing.assert_array_equal(preprocess_one(gray[:, :, None]), a)
    # a gray image given as 3 equal channels gives the same result within rounding
    b = preprocess_one(np.repeat(gray[:, :, None], 3, axis=2))
    assert np.abs(a - b).max() <= 1


def test_paths_bytes_and_pil(tmp_path, golden):
    import cv2

    img = golden["img2"]
    path = tmp_path / "x.png"
    cv2.imwrite(str(path), img)
    ref = preprocess_one(img)
    np.testing.assert_array_equal(preprocess_one(path), ref)
    np.testing.assert_array_equal(preprocess_one(path.read_bytes()), ref)
    Image = pytest.importorskip("PIL.Image")
    np.testing.assert_array_equal(preprocess_one(Image.fromarray(img[:, :, ::-1].copy())), ref)


def test_batch_and_errors():
    x = srn_fast.preprocess(np.zeros((20, 20, 3), np.uint8))
    assert x.shape == (1, 1, 64, 256)
    assert srn_fast.preprocess([np.zeros((20, 20), np.uint8)] * 3).shape == (3, 1, 64, 256)
    with pytest.raises(ValueError, match="uint8 or uint16"):
        srn_fast.preprocess(np.zeros((20, 20, 3), np.float32))
    with pytest.raises(ValueError, match="empty"):
        srn_fast.preprocess(np.zeros((0, 20, 3), np.uint8))
    with pytest.raises(ValueError, match="cannot decode"):
        srn_fast.preprocess(b"not an image")
    with pytest.raises(ValueError, match="empty list"):
        srn_fast.preprocess([])


def _one_hot(ids, p=0.9, num_classes=38):
    probs = torch.full((len(ids), num_classes), (1 - p) / (num_classes - 1))
    probs[torch.arange(len(ids)), torch.tensor(ids)] = p
    return probs[None]


def test_decode_skips_sos_eos_everywhere():
    ids = [10, 37, 11, 36, 12] + [37] * 20  # a, eos, b, sos, c, eos...
    ((text, conf),) = srn_fast.decode(_one_hot(ids))
    assert text == "abc" and conf == pytest.approx(0.9)
    ((text, conf),) = srn_fast.decode({"predict": _one_hot(ids)}, stop_at_eos=True)
    assert text == "a"


def test_decode_char_probs_and_flat_rows():
    probs = _one_hot([1, 2, 3] + [37] * 22)
    probs[0, 1, 2] = 0.5
    ((text, conf, chars),) = srn_fast.decode(probs.reshape(25, 38).numpy(), return_char_probs=True)
    assert text == "123"
    np.testing.assert_allclose(chars, [0.9, 0.5, 0.9], rtol=1e-6)
    assert conf == pytest.approx(np.mean([0.9, 0.5, 0.9]), abs=1e-6)


def test_decode_empty_text_confidence_is_defined():
    ((text, conf),) = srn_fast.decode(_one_hot([37] * 25, p=0.8))
    assert text == "" and conf == pytest.approx(0.8)


def test_decode_rejects_wrong_class_count():
    with pytest.raises(ValueError, match="classes"):
        srn_fast.decode(torch.zeros(1, 25, 40))
