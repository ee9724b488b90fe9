"""Ahead-of-time compile check: every registered kernel, every autotune config, every dtype, compiled
for real GPU targets without a GPU.

    python -m srn_fast.kernels.compile_check [--arch 80 90] [--json report.json]

Prints one row per (kernel, dtype, config, target): registers, spilled bytes, shared memory, and for
kernels using ``tl.dot`` whether tensor-core instructions (HMMA / HGMMA) appear in the SASS. Exits 1 on
any compile error, register spill, or shared memory beyond the target's limit.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .launch import interpreting
from .registry import REGISTRY, CompileSpec

# Largest shared memory one block may use (bytes): A100 163 KiB, H100 227 KiB.
SHARED_LIMIT = {80: 166912, 90: 232448}
ARCH_NAMES = {80: "sm_80", 90: "sm_90a"}


@dataclass
class CompileResult:
    kernel: str
    dtype: str
    config: str
    arch: str
    ok: bool
    registers: int = -1
    spill_bytes: int = -1
    shared_bytes: int = -1
    tensor_cores: str = "-"
    error: str = ""

    @property
    def passed(self) -> bool:
        arch = 90 if self.arch == "sm_90a" else 80
        return self.ok and self.spill_bytes == 0 and self.shared_bytes <= SHARED_LIMIT[arch]


def load_all_kernels() -> dict[str, CompileSpec]:
    """Import every ``kernel`` module of the package, so each registers itself."""
    package = importlib.import_module(__package__)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{__package__}."):
        if info.name.rsplit(".", 1)[-1] == "kernel":
            importlib.import_module(info.name)
    return REGISTRY


def _nvidia_tool(name: str) -> str:
    import triton

    path = Path(triton.__file__).parent / "backends" / "nvidia" / "bin" / name
    return str(path) if path.exists() else name


def _resource_usage(cubin: bytes) -> tuple[int, int, str]:
    """Registers and local-memory (spill) bytes from ``cuobjdump --dump-resource-usage``; SASS text."""
    with tempfile.NamedTemporaryFile(suffix=".cubin", delete=False) as f:
        f.write(cubin)
        path = f.name
    try:
        usage = subprocess.run(
            [_nvidia_tool("cuobjdump"), "--dump-resource-usage", path],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        sass = subprocess.run(
            [_nvidia_tool("cuobjdump"), "-sass", path], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(path)
    regs = int(re.search(r"REG:(\d+)", usage).group(1))
    local = int(re.search(r"LOCAL:(\d+)", usage).group(1))
    stack = int(re.search(r"STACK:(\d+)", usage).group(1))
    return regs, local + stack, sass


def compile_one(spec: CompileSpec, dtype: str, config: tuple[dict, int, int], arch: int) -> CompileResult:
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    meta, num_warps, num_stages = config
    label = (
        " ".join(f"{k.replace('BLOCK_', '')}={v}" for k, v in meta.items()) + f" w{num_warps} s{num_stages}"
    )
    result = CompileResult(spec.name, dtype, label, ARCH_NAMES[arch], ok=False)
    signature, constexprs = spec.signature(dtype)
    constexprs = {**constexprs, **meta}
    try:
        src = ASTSource(fn=spec.fn, signature=signature, constexprs=constexprs)
        compiled = triton.compile(
            src,
            target=GPUTarget("cuda", arch, 32),
            options={"num_warps": num_warps, "num_stages": num_stages},
        )
        regs, spill, sass = _resource_usage(compiled.asm["cubin"])
    except Exception as e:  # noqa: BLE001 - every failure is reported in the table
        result.error = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200] if str(e).strip() else ''}"
        return result
    result.ok = True
    result.registers, result.spill_bytes = regs, spill
    result.shared_bytes = int(getattr(compiled.metadata, "shared", 0))
    if spec.uses_dot:
        mma = re.findall(r"\b(HGMMA|HMMA)\.\S+", sass)
        result.tensor_cores = sorted({m for m in mma})[0] if mma else "none"
    return result


def run(archs: list[int], kernels: list[str] | None = None) -> list[CompileResult]:
    specs = load_all_kernels()
    results = []
    for name, spec in sorted(specs.items()):
        if kernels and name not in kernels:
            continue
        for dtype in spec.dtypes:
            for config in spec.configs(dtype):
                for arch in archs:
                    results.append(compile_one(spec, dtype, config, arch))
    return results


def format_table(results: list[CompileResult]) -> str:
    head = ("kernel", "dtype", "config", "target", "regs", "spill B", "shared B", "tensor cores", "status")
    rows = [head]
    for r in results:
        status = "ok" if r.passed else ("FAIL: " + (r.error or "spill or shared memory over limit"))
        rows.append((r.kernel, r.dtype, r.config, r.arch, str(r.registers), str(r.spill_bytes),
                     str(r.shared_bytes), r.tensor_cores, status))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", type=int, nargs="+", default=[80, 90], choices=sorted(ARCH_NAMES),
                        help="compute capabilities to compile for (80: sm_80, 90: sm_90a)")  # fmt: skip
    parser.add_argument("--kernel", nargs="*", help="only these registered kernels")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--extra-module", nargs="*", default=[],
                        help="also import these modules (kernels outside the package that register)")  # fmt: skip
    args = parser.parse_args(argv)
    if interpreting():
        parser.error("TRITON_INTERPRET is set: kernels are interpreted, not compiled; unset it")
    for module in args.extra_module:
        importlib.import_module(module)
    results = run(args.arch, args.kernel)
    print(format_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=1))
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
