"""PVAM: SRN's parallel visual attention (additive attention with a batch-shared query table)."""
