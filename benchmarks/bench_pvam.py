"""PVAM attention: fused kernel against the eager reference and ``torch.compile`` of it.

    python benchmarks/bench_pvam.py [--batch 1 32 256] [--dtype bf16] [--json out.json]

SRN's shapes (N = 256 visual tokens, T = 25 slots, D = 512). Times are ``triton.testing.do_bench``
medians (warm-up and autotuning excluded), with achieved TFLOP/s and GB/s from the kernel's cost model.
Needs a CUDA GPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys

import torch

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def environment() -> dict:
    import triton

    return {
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "triton": triton.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "python": platform.python_version(),
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 32, 256])
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="bf16")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("bench_pvam needs a CUDA GPU", file=sys.stderr)
        return 2
    from triton.testing import do_bench

    from srn_fast.kernels import pvam_attention, pvam_attention_cost, pvam_attention_reference

    dtype = DTYPES[args.dtype]
    compiled = torch.compile(pvam_attention_reference)
    rows = []
    print(
        f"{'batch':>6} {'eager ms':>10} {'compile ms':>11} {'kernel ms':>10} {'vs eager':>9} {'TFLOP/s':>8} {'GB/s':>7}"
    )
    for b in args.batch:
        wf = torch.randn(b, 256, 512, device="cuda", dtype=dtype)
        q = torch.randn(25, 512, device="cuda", dtype=dtype)
        w = torch.randn(512, device="cuda", dtype=dtype) / 512**0.5
        inputs = (wf, q, w)
        t_eager = do_bench(lambda x=inputs: pvam_attention_reference(*x), return_mode="median")
        t_compile = do_bench(lambda x=inputs: compiled(*x), return_mode="median")
        t_kernel = do_bench(lambda x=inputs: pvam_attention(*x), return_mode="median")
        cost = pvam_attention_cost(b, 25, 256, 512, dtype)
        row = dict(batch=b, dtype=args.dtype, eager_ms=t_eager, compile_ms=t_compile, kernel_ms=t_kernel,
                   speedup_vs_eager=t_eager / t_kernel, tflops=cost["flops"] / t_kernel / 1e9,
                   gbps=cost["bytes"] / t_kernel / 1e6)  # fmt: skip
        rows.append(row)
        print(f"{b:>6} {t_eager:>10.3f} {t_compile:>11.3f} {t_kernel:>10.3f} {row['speedup_vs_eager']:>8.1f}x "
              f"{row['tflops']:>8.2f} {row['gbps']:>7.0f}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"benchmark": "pvam_attention", "env": environment(), "results": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
