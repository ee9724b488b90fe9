"""VSFD: SRN's gated fusion of visual and semantic features."""
