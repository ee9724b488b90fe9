"""The wheel ships ``kernels/`` as ``srn_fast.kernels`` (never a top-level ``kernels``) and the assets."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        env={**os.environ, "TMPDIR": str(build)},
    )
    (path,) = out.glob("srn_fast-*.whl")
    return path


def test_wheel_layout(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "srn_fast/kernels/__init__.py" in names
    assert "srn_fast/kernels/pvam/reference.py" in names
    assert any(n.startswith("srn_fast/assets/samples/") and n.endswith(".png") for n in names)
    assert not [n for n in names if n.startswith("kernels/")], "kernels must not ship as a top-level module"
    kernel_sources = {str(p.relative_to(ROOT)) for p in (ROOT / "kernels").rglob("*.py")}
    assert {"srn_fast/" + s for s in kernel_sources} <= set(names)


def test_installed_wheel_imports_outside_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
    )
    code = (
        "import srn_fast, srn_fast.kernels, srn_fast.kernels.pvam.reference as r; "
        "from srn_fast.cli import sample_images; "
        "print(srn_fast.__file__); print(r.__file__); print(len(sample_images()))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    assert out[0].startswith(str(site)) and out[1].startswith(str(site))
    assert int(out[2]) >= 3


def test_reference_path_imports_without_triton(tmp_path):
    """Model, weights, preprocessing and decoding never import triton."""
    code = (
        "import sys\n"
        "sys.modules['triton'] = None\n"
        "import torch, srn_fast, srn_fast.kernels\n"
        "m = srn_fast.SRN(srn_fast.SRNConfig(stem_channels=8, depths=(1,1,1,1), widths=(8,8,16,16), d_model=32,"
        " num_heads=4, ffn_dim=32, num_encoder_units=1, num_decoder_units=1)).eval()\n"
        "out = m(torch.zeros(1, 1, 64, 256))\n"
        "print(srn_fast.decode(out)[0][0] is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_cli_demo_runs():
    out = subprocess.run(
        [sys.executable, "-m", "srn_fast", "demo"], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "images/s" in out.stdout and "00_srn.png" in out.stdout
