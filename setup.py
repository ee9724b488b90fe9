"""Packages: ``srn_fast`` and the ``kernels/`` folder shipped as ``srn_fast.kernels``.

Everything else is in pyproject.toml; only the package list needs code, since ``kernels/`` must never
install as a top-level module named ``kernels``.
"""

from setuptools import find_packages, setup

kernel_packages = ["srn_fast." + p for p in find_packages(include=["kernels", "kernels.*"])]
setup(
    packages=find_packages(include=["srn_fast", "srn_fast.*"]) + kernel_packages,
    package_dir={"srn_fast.kernels": "kernels"},
)
