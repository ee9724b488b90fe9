"""Every registered kernel, config and dtype compiles for sm_80 and sm_90a without a GPU, with no
register spills and shared memory within the target's limit.

The check runs in a subprocess: under ``TRITON_INTERPRET=1`` (the CPU test setting) ``@triton.jit``
gives interpreted functions, which cannot be compiled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("triton")

from srn_fast.kernels.compile_check import load_all_kernels  # noqa: E402

ARCHS = {80: "sm_80", 90: "sm_90a"}
CASES = [
    pytest.param(name, dtype, i, arch, id=f"{name}-{dtype}-{i}-{ARCHS[arch]}")
    for name, spec in sorted(load_all_kernels().items())
    for dtype in spec.dtypes
    for i in range(len(spec.configs(dtype)))
    for arch in ARCHS
]


def run_check(*args: str, cwd=None, pythonpath: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRITON_INTERPRET": "0"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "srn_fast.kernels.compile_check", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=1800,
    )  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("aot") / "report.json"
    proc = run_check("--arch", "80", "90", "--json", str(out))
    assert out.exists(), proc.stderr[-3000:]
    rows = json.loads(out.read_text())
    return proc, {(r["kernel"], r["dtype"], r["config"], r["arch"]): r for r in rows}, rows


def test_command_passes_and_prints_the_table(report):
    proc, _, rows = report
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]
    assert "| kernel" in proc.stdout and "regs" in proc.stdout and "spill B" in proc.stdout
    assert len(rows) == len(CASES)


@pytest.mark.parametrize("name, dtype, index, arch", CASES)
def test_config_compiles_without_spills(report, name, dtype, index, arch):
    rows = [r for r in report[2] if (r["kernel"], r["dtype"], r["arch"]) == (name, dtype, ARCHS[arch])]
    row = rows[index]
    assert row["ok"], row["error"]
    assert row["registers"] > 0
    assert row["spill_bytes"] == 0, row
    assert row["shared_bytes"] <= (166912 if arch == 80 else 232448), row
    if load_all_kernels()[name].uses_dot and dtype != "fp32":
        assert row["tensor_cores"] in ("HMMA", "HGMMA"), row


def test_a_new_kernel_joins_by_registering_and_failures_fail(tmp_path):
    (tmp_path / "broken_kernel_mod.py").write_text(
        textwrap.dedent("""
        import triton
        import triton.language as tl
        from srn_fast.kernels.registry import CompileSpec, register

        @triton.jit
        def broken_kernel(x_ptr, BLOCK: tl.constexpr):
            offs = tl.arange(0, BLOCK)
            tl.store(x_ptr + offs, tl.load(x_ptr + offs) + undefined_name)

        register(CompileSpec("broken_for_test", broken_kernel, lambda dt: [(dict(BLOCK=32), 4, 1)],
                             lambda dt: ({"x_ptr": "*" + dt, "BLOCK": "constexpr"}, {}), dtypes=("fp32",)))
    """)
    )
    proc = run_check("--arch", "90", "--kernel", "broken_for_test", "--extra-module", "broken_kernel_mod",
                     pythonpath=str(tmp_path))  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "broken_for_test" in proc.stdout and "FAIL" in proc.stdout
