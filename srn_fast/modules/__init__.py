"""The reference SRN, one module per part."""

from .backbone import ResNetFPN
from .gsrm import GSRM
from .pvam import PVAM
from .transformer import ScaledDropout, TransformerStack, TransformerUnit
from .vsfd import VSFD

__all__ = ["GSRM", "PVAM", "VSFD", "ResNetFPN", "ScaledDropout", "TransformerStack", "TransformerUnit"]
