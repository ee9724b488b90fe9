"""GSRM's embedding step: argmax of the word logits to both streams' inputs."""
