"""ResNetFPN: PaddleOCR's ``rec_resnet_fpn.py`` backbone for SRN, ``[B, 1, 64, 256] -> [B, 512, 8, 32]``."""

from __future__ import annotations

import torch
from torch import nn

from ..config import SRNConfig

# Per-stage stride of the first block. Paddle writes (2, 2) and (1, 1) as tuples; a tuple (1, 1)
# turns that block's 3x3 into a 2x2 conv with dilation 2 (a quirk of PaddleOCR's ConvBNLayer).
STAGE_STRIDES = (2, 2, 1, 1)
DILATED_STAGES = (2, 3)


class ConvBN(nn.Sequential):
    """Conv2d (no bias) -> BatchNorm (eps 1e-5) -> optional ReLU."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int,
        stride: int = 1,
        relu: bool = True,
        dilated_2x2: bool = False,
        eps: float = 1e-5,
    ) -> None:
        padding = (kernel - 1) // 2
        if dilated_2x2:
            conv = nn.Conv2d(in_ch, out_ch, 2, stride=1, padding=padding, dilation=2, bias=False)
        else:
            conv = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=padding, bias=False)
        layers: list[nn.Module] = [conv, nn.BatchNorm2d(out_ch, eps=eps)]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class Bottleneck(nn.Module):
    """1x1 -> 3x3 (block stride) -> 1x1 with a projection shortcut when shape changes."""

    def __init__(
        self, in_ch: int, width: int, expansion: int, stride: int, dilated: bool, eps: float
    ) -> None:
        super().__init__()
        out_ch = width * expansion
        self.conv0 = ConvBN(in_ch, width, 1, eps=eps)
        self.conv1 = ConvBN(width, width, 3, stride=stride, dilated_2x2=dilated, eps=eps)
        self.conv2 = ConvBN(width, out_ch, 1, relu=False, eps=eps)
        self.shortcut = (
            ConvBN(in_ch, out_ch, 1, stride=stride, relu=False, eps=eps)
            if (in_ch != out_ch or stride != 1 or dilated)
            else nn.Identity()
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv2(self.conv1(self.conv0(x)))
        return self.relu(y + self.shortcut(x))


class FPN(nn.Module):
    """Top-down fusion of stages 4, 3 and 2 (all at 1/8 resolution), then a 1x1 to ``d_model``."""

    def __init__(self, c2: int, c3: int, c4: int, out_ch: int, eps: float) -> None:
        super().__init__()
        self.reduce0 = nn.Conv2d(c4 + c3, c3, 1)
        self.smooth0 = nn.Conv2d(c3, c3, 3, padding=1)
        self.bn0 = nn.BatchNorm2d(c3, eps=eps)
        self.reduce1 = nn.Conv2d(c3 + c2, c2, 1)
        self.smooth1 = nn.Conv2d(c2, c2, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c2, eps=eps)
        self.out = nn.Conv2d(c2, out_ch, 1)

    def forward(self, s2: torch.Tensor, s3: torch.Tensor, s4: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn0(self.smooth0(self.reduce0(torch.cat([s4, s3], dim=1)))))
        x = torch.relu(self.bn1(self.smooth1(self.reduce1(torch.cat([x, s2], dim=1)))))
        return self.out(x)


class ResNetFPN(nn.Module):
    """Stem (7x7 stride 2, no max-pool), four bottleneck stages, FPN. Output ``[B, d_model, H/8, W/8]``."""

    def __init__(self, config: SRNConfig) -> None:
        super().__init__()
        eps = config.norm_eps
        self.stem = ConvBN(config.in_channels, config.stem_channels, 7, stride=2, eps=eps)
        stages = []
        in_ch = config.stem_channels
        for s, (depth, width) in enumerate(zip(config.depths, config.widths, strict=True)):
            blocks = []
            for i in range(depth):
                first = i == 0
                blocks.append(
                    Bottleneck(
                        in_ch,
                        width,
                        config.expansion,
                        stride=STAGE_STRIDES[s] if first else 1,
                        dilated=first and s in DILATED_STAGES,
                        eps=eps,
                    )
                )
                in_ch = width * config.expansion
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        c = config.stage_channels
        self.fpn = FPN(c[1], c[2], c[3], config.d_model, eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``[B, C_in, H, W]`` -> ``[B, d_model, H/8, W/8]``."""
        x = self.stem(x)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return self.fpn(feats[1], feats[2], feats[3])
