"""Conda package names → PyPI requirement strings, for machines with no conda channel.

Most conda names are PyPI names; this map holds the ones that differ, and the ones that have no
PyPI equivalent at all (None). Version specs are translated: `numpy=1.26` → `numpy==1.26.*`,
`numpy=1.26.4=py311h…` → `numpy==1.26.4`; range specs pass through.
"""

from __future__ import annotations

import re

CONDA_TO_PYPI: dict[str, str | None] = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "pytorch-gpu": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "py-lightgbm": "lightgbm",
    "tensorflow-gpu": "tensorflow",
    "pytables": "tables",
    "matplotlib-base": "matplotlib",
    "pyqt": "PyQt5",
    "opencv": "opencv-python",
    "py-opencv": "opencv-python",
    "libopencv": None,
    "cudatoolkit": None,
    "cuda-toolkit": None,
    "cudnn": None,
    "nccl": None,
    "openmpi": None,
    "mpich": None,
    "libgcc-ng": None,
    "libstdcxx-ng": None,
    "r-base": None,
    "nodejs": None,
    "git": None,
    "ffmpeg": None,
    "graphviz": "graphviz",
    "python-graphviz": "graphviz",
    "pillow-simd": "pillow",
    "mkl": "mkl",
    "blas": None,
    "cmake": "cmake",
}
# Entries the conda world needs but a PyPI environment has anyway.
IMPLICIT = {"pip", "setuptools", "wheel"}
_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<rest>.*)$")


class NoPyPIEquivalent(ValueError):
    def __init__(self, package: str) -> None:
        super().__init__(package)
        self.package = package


def split_conda_python(conda_packages: list[str], python_version: str | None) -> tuple[list[str], str | None]:
    """Drop the `python=X.Y` entry from the conda list and return it as the version pin."""
    return [p for p in conda_packages if _name(p) != "python"], python_version


def _name(spec: str) -> str:
    match = _SPEC.match(spec.split("::", 1)[-1].strip())
    return match.group("name").lower() if match else spec.lower()


def conda_to_pypi(spec: str) -> str | None:
    """A PyPI requirement for a conda spec; None for packages a PyPI environment has anyway.

    Raises NoPyPIEquivalent for packages that only exist in conda (CUDA toolkits, compilers, R…).
    """
    text = spec.split("::", 1)[-1].strip()  # channel::package
    match = _SPEC.match(text)
    if not match:
        raise NoPyPIEquivalent(spec)
    name, rest = match.group("name"), match.group("rest").strip()
    lowered = name.lower()
    if lowered in IMPLICIT:
        return None
    if lowered.startswith("r-"):
        raise NoPyPIEquivalent(spec)
    if lowered in CONDA_TO_PYPI:
        mapped = CONDA_TO_PYPI[lowered]
        if mapped is None:
            raise NoPyPIEquivalent(spec)
        name = mapped
    if not rest:
        return name
    if rest.startswith("=") and not rest.startswith("=="):
        version = rest[1:].split("=", 1)[0]  # drop a build string
        if "=" in rest[1:]:
            return f"{name}=={version}"
        return f"{name}=={version}.*" if not version.endswith("*") else f"{name}=={version}"
    return f"{name}{rest.replace(' ', '')}"
