"""The whole reference SRN: ResNetFPN -> PVAM -> GSRM -> VSFD."""

from __future__ import annotations

import os

import torch
from torch import nn

from .config import SRNConfig
from .kernels.vsfd.reference import softmax_top1_reference
from .modules import GSRM, PVAM, VSFD, ResNetFPN


class SRN(nn.Module):
    """Semantic Reasoning Network (Yu et al., CVPR 2020), matching PaddleOCR's deployed SRN.

    ``forward(image)`` takes the preprocessed ``[B, 1, 64, 256]`` float tensor (gray levels 0..255, see
    ``srn_fast.preprocess``) and returns a dict:

    - ``predict`` ``[B, T, C]``: class probabilities (softmax of ``logits``), what inference uses
    - ``logits`` ``[B, T, C]``: VSFD logits
    - ``decoded_out`` ``[B, T]``: top-1 class index
    - ``pvam_feature`` ``[B, T, D]``: PVAM glimpses ``G``
    - ``word_out`` ``[B, T, C]``: GSRM visual-to-semantic logits
    - ``gsrm_out`` ``[B, T, C + 1]``: GSRM semantic logits (training loss only)

    with T = 25 slots, C = 38 classes, D = 512 for the default config. Unlike PaddleOCR, ``predict`` is
    always probabilities (the training losses use ``logits``), and rows are ``[B, T]``, not ``[B*T]``.
    """

    def __init__(self, config: SRNConfig | None = None) -> None:
        super().__init__()
        self.config = config or SRNConfig()
        self.backbone = ResNetFPN(self.config)
        self.pvam = PVAM(self.config)
        self.gsrm = GSRM(self.config)
        self.vsfd = VSFD(self.config)

    def check_input(self, image: torch.Tensor) -> None:
        c = self.config
        expected = (c.in_channels, c.image_height, c.image_width)
        if image.dim() != 4 or tuple(image.shape[1:]) != expected:
            raise ValueError(
                f"image must be [B, {expected[0]}, {expected[1]}, {expected[2]}], got {list(image.shape)}"
            )

    def forward(self, image: torch.Tensor, return_stages: bool = False) -> dict[str, torch.Tensor]:
        """See the class docstring. ``return_stages`` adds every intermediate stage PaddleOCR's golden
        fixtures hold (``backbone_out``, ``pvam_encoder_out``, ``pvam_attn_logits``, ``gsrm_word_ids``,
        ``gsrm_word1_ids``, ``gsrm_feature1``, ``gsrm_feature2``, ``gsrm_feature``)."""
        self.check_input(image)
        stages: dict[str, torch.Tensor] | None = {} if return_stages else None
        feat = self.backbone(image)
        g = self.pvam(feat, stages)
        s, word_out, gsrm_out = self.gsrm(g, stages)
        logits = self.vsfd(g, s)
        predict, decoded, _ = softmax_top1_reference(logits)
        out = {
            "predict": predict,
            "logits": logits,
            "decoded_out": decoded,
            "pvam_feature": g,
            "word_out": word_out,
            "gsrm_out": gsrm_out,
        }
        if stages is not None:
            out.update(stages, backbone_out=feat, gsrm_feature=s)
        return out

    # Weights --------------------------------------------------------------------------------------
    @classmethod
    def from_paddle(
        cls, path: str | os.PathLike, config: SRNConfig | None = None, map_location: str = "cpu"
    ) -> SRN:
        """A model in eval mode from a PaddleOCR ``.pdparams`` file (no Paddle needed).

        ``config`` defaults to PaddleOCR's ``rec_r50_fpn_srn`` with ``dropout_scale = 0.9`` (Paddle's
        ``downscale_in_infer`` dropout).
        """
        from .weights import load_paddle_state_dict

        model = cls(config or SRNConfig())
        model.load_state_dict(load_paddle_state_dict(path, model.config), strict=True)
        return model.to(map_location).eval()

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, map_location: str = "cpu") -> SRN:
        """A model in eval mode from the project's own weights file (config stored beside the tensors).

        A ``.pdparams`` path is read as PaddleOCR weights with the default config.
        """
        from .weights import load_weights

        if str(path).endswith(".pdparams"):
            return cls.from_paddle(path, map_location=map_location)
        config, state = load_weights(path)
        model = cls(config)
        model.load_state_dict(state, strict=True)
        return model.to(map_location).eval()

    def save_pretrained(self, path: str | os.PathLike) -> None:
        """Write the weights and config as one safetensors file (read back by ``from_pretrained``)."""
        from .weights import save_weights

        save_weights(self, path)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """``nn.Module.load_state_dict`` that checks shapes first and names every missing, unexpected
        and mis-shaped key in one error."""
        from .weights import check_state_dict

        if strict:
            check_state_dict(self, state_dict)
        return super().load_state_dict(state_dict, strict=strict, assign=assign)
