"""Model configuration: PaddleOCR's ``rec_r50_fpn_srn`` by default, smaller models on request."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

DEFAULT_CHARSET = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class SRNConfig:
    """Every size of an SRN model.

    The defaults are PaddleOCR's ``configs/rec/rec_r50_fpn_srn.yml`` (ResNetFPN-50 + SRNHead, 54.6 M
    parameters). Smaller models for tests and training change the backbone depths and widths, the head
    width (``d_model``), heads, FFN width, number of transformer units, text length or charset.

    Classes are ``charset`` followed by ``sos`` and ``eos`` (``num_classes = len(charset) + 2``); GSRM's
    vocabulary adds one ``pad`` id (``num_classes + 1``).

    ``dropout_scale`` is what every dropout site multiplies by at inference. PaddleOCR trains with
    ``mode="downscale_in_infer"`` and p = 0.1, so its weights need 0.9; weights trained with PyTorch's
    convention (scale at training time) need 1.0.
    """

    image_height: int = 64
    image_width: int = 256
    in_channels: int = 1
    stem_channels: int = 64
    depths: tuple[int, ...] = (3, 4, 6, 3)
    widths: tuple[int, ...] = (64, 128, 256, 512)
    expansion: int = 4
    d_model: int = 512
    num_heads: int = 8
    ffn_dim: int = 512
    num_encoder_units: int = 2
    num_decoder_units: int = 4
    max_text_length: int = 25
    charset: str = DEFAULT_CHARSET
    dropout: float = 0.1
    dropout_scale: float = 0.9
    norm_eps: float = 1e-5

    def __post_init__(self) -> None:
        object.__setattr__(self, "depths", tuple(int(d) for d in self.depths))
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        if len(self.depths) != 4 or len(self.widths) != 4:
            raise ValueError(f"depths and widths need 4 stages, got {self.depths} and {self.widths}")
        if any(d < 1 for d in self.depths):
            raise ValueError(f"every stage needs at least one block, got depths={self.depths}")
        if self.image_height % 8 or self.image_width % 8:
            raise ValueError(
                f"image size must be a multiple of 8, got {self.image_height}x{self.image_width}"
            )
        if self.d_model % self.num_heads:
            raise ValueError(f"d_model={self.d_model} is not divisible by num_heads={self.num_heads}")
        if len(set(self.charset)) != len(self.charset) or not self.charset:
            raise ValueError("charset must be a non-empty string of distinct characters")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    # Derived sizes -------------------------------------------------------------------------------
    @property
    def num_classes(self) -> int:
        """Classifier outputs: the charset, then ``sos`` and ``eos``."""
        return len(self.charset) + 2

    @property
    def sos_id(self) -> int:
        return len(self.charset)

    @property
    def eos_id(self) -> int:
        return len(self.charset) + 1

    @property
    def pad_id(self) -> int:
        """GSRM's extra token that starts the forward stream."""
        return self.num_classes

    @property
    def num_visual_tokens(self) -> int:
        """Encoder sequence length: the backbone's ``H/8 x W/8`` feature map."""
        return (self.image_height // 8) * (self.image_width // 8)

    @property
    def head_dim(self) -> int:
        return self.d_model // self.num_heads

    @property
    def stage_channels(self) -> tuple[int, ...]:
        return tuple(w * self.expansion for w in self.widths)

    # Serialisation ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["depths"] = list(self.depths)
        d["widths"] = list(self.widths)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SRNConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown SRNConfig fields: {unknown}")
        return cls(**d)

    @classmethod
    def from_json(cls, s: str) -> SRNConfig:
        return cls.from_dict(json.loads(s))

    def replace(self, **changes: Any) -> SRNConfig:
        return dataclasses.replace(self, **changes)
