"""Multi-head attention for SRN's transformer units."""
