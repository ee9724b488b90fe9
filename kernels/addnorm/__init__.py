"""Residual add + LayerNorm for SRN's pre-LN transformer units."""
