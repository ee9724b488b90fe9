"""The ``srn-fast`` command (also ``python -m srn_fast``)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

SAMPLES_DIR = Path(__file__).parent / "assets" / "samples"


def sample_images() -> list[Path]:
    """The word images bundled with the package."""
    return sorted(SAMPLES_DIR.glob("*.png"))


def _load_model(weights: str | None, device: str):
    import torch

    from .model import SRN

    if weights:
        return SRN.from_pretrained(weights, map_location=device), True
    torch.manual_seed(0)
    return SRN().to(device).eval(), False


def cmd_demo(args: argparse.Namespace) -> int:
    import torch

    from .decode import decode
    from .preprocess import preprocess

    paths = [Path(p) for p in args.images] if args.images else sample_images()
    if not paths:
        print("no images to read", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    model, trained = _load_model(args.weights, args.device)
    t_load = time.perf_counter() - t0
    batch = preprocess(paths).to(args.device)
    with torch.inference_mode():
        model(batch[:1])  # warm-up
        t0 = time.perf_counter()
        out = model(batch)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - t0
    results = decode(out, charset=model.config.charset, max_text_length=model.config.max_text_length)
    source = args.weights if trained else "untrained weights (random, seed 0): texts are meaningless"
    print(f"SRN {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters, {source}")
    print(f"model built in {t_load:.2f} s on {args.device}")
    width = max(len(p.name) for p in paths)
    print(f"{'image':<{width}}  {'text':<25}  confidence")
    for path, (text, conf) in zip(paths, results, strict=True):
        print(f"{path.name:<{width}}  {text:<25}  {conf:.4f}")
    print(f"{len(paths)} images in {elapsed * 1000:.1f} ms: {len(paths) / elapsed:.1f} images/s")
    if not trained:
        print("pass --weights (a PaddleOCR .pdparams or srn-fast .safetensors file) for real predictions")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from .config import SRNConfig
    from .model import SRN

    config = SRNConfig(dropout_scale=args.dropout_scale)
    model = SRN.from_paddle(args.pdparams, config=config)
    model.save_pretrained(args.output)
    print(f"wrote {args.output} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="srn-fast", description="SRN scene-text recognition (PaddleOCR-compatible) with Triton kernels."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="recognise the bundled sample images (or given ones)")
    demo.add_argument("images", nargs="*", help="image files to read (default: the bundled samples)")
    demo.add_argument(
        "--weights", help="PaddleOCR .pdparams or srn-fast .safetensors file (default: untrained weights)"
    )
    demo.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default: cpu)")
    demo.set_defaults(func=cmd_demo)

    convert = sub.add_parser("convert", help="convert PaddleOCR SRN weights (.pdparams) to srn-fast's format")
    convert.add_argument(
        "pdparams", help="PaddleOCR weights, e.g. rec_r50_vd_srn_train/best_accuracy.pdparams"
    )
    convert.add_argument("output", help="output .safetensors file (weights and config)")
    convert.add_argument(
        "--dropout-scale",
        type=float,
        default=0.9,
        help="inference dropout scale stored in the config (0.9 for PaddleOCR-trained weights)",
    )
    convert.set_defaults(func=cmd_convert)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
