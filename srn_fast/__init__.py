"""srn-fast: SRN scene-text recognition, number for number with PaddleOCR, with fused Triton kernels."""

from .config import DEFAULT_CHARSET, SRNConfig
from .decode import decode
from .model import SRN
from .preprocess import preprocess
from .weights import WeightsMismatchError, read_pdparams, write_pdparams

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_CHARSET",
    "SRN",
    "SRNConfig",
    "WeightsMismatchError",
    "decode",
    "preprocess",
    "read_pdparams",
    "write_pdparams",
    "__version__",
]
