"""VSFD: gated fusion of visual (PVAM) and semantic (GSRM) features, then the classifier."""

from __future__ import annotations

import torch
from torch import nn

from ..config import SRNConfig
from ..kernels.vsfd.reference import gated_fusion_reference


class VSFD(nn.Module):
    def __init__(self, config: SRNConfig) -> None:
        super().__init__()
        d = config.d_model
        self.fc0 = nn.Linear(2 * d, d)
        self.fc1 = nn.Linear(d, config.num_classes)

    def forward(self, g: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """``g``, ``s`` ``[B, T, D]`` -> logits ``[B, T, C]``."""
        return self.fc1(gated_fusion_reference(g, s, self.fc0.weight, self.fc0.bias))
