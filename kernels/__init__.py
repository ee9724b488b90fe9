"""Triton kernels for SRN's hot paths, shipped as ``srn_fast.kernels``.

Each op lives in its own subpackage with a plain-PyTorch ``reference.py`` beside the kernel. Importing
this package does not import triton: the references are used by the reference model on every platform.
"""
