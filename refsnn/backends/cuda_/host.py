"""The CUDA sources built for the CPU with g++ (the ``cuda-host`` backend).

The translation unit of :mod:`.source` compiles with ``REFSNN_HOST``
defined, through ``cuda/host_shim.h``: kernels become ``extern "C"``
functions whose thread index is a loop variable over the neurons
``lo..hi``. Flags: ``-O2 -ffp-contract=off -fno-fast-math`` (IEEE
arithmetic, no fused multiply-add), so the results are the CUDA kernels'
and the reference's bits. Built once per source text, compiler and flags,
into the cache directory of :func:`.nvrtc.cache_directory`.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
import threading
from functools import cache
from pathlib import Path

import numpy as np

from refsnn.backends.cuda_ import nvrtc, source

#: g++ flags: IEEE arithmetic, no contraction into fused multiply-adds, no fast math.
FLAGS = ("-O2", "-std=c++17", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared")

_LOCK = threading.Lock()


def compiler() -> str | None:
    """The C++ compiler (``$CXX`` or ``g++``), or ``None`` if there is none."""
    return shutil.which(os.environ.get("CXX", "g++"))


@cache
def _compiler_version(path: str) -> str:
    return subprocess.run([path, "--version"], capture_output=True, text=True,
                          check=True).stdout.splitlines()[0]


def build() -> Path:
    """The shared library of the host build, compiled on first use (then cached on disk)."""
    cxx = compiler()
    if cxx is None:
        raise RuntimeError("no C++ compiler found (set $CXX or install g++)")
    text = source.translation_unit(host=True)
    key = source.digest(text, _compiler_version(cxx), *FLAGS)
    target = nvrtc.cache_directory() / "cuda-host" / key / "refsnn_host.so"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory() as work:
        unit = Path(work) / "refsnn_host.cpp"
        unit.write_text(text)
        built = Path(work) / "refsnn_host.so"
        result = subprocess.run([cxx, *FLAGS, "-o", str(built), str(unit)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{cxx} could not build the host kernels:\n{result.stderr}")
        nvrtc.write_atomically(target, built.read_bytes())
    return target


@cache
def library() -> ctypes.CDLL:
    """The host build, loaded."""
    with _LOCK:
        return ctypes.CDLL(str(build()))


#: ctypes type of each NumPy scalar type a kernel takes.
_CTYPES = {np.dtype(np.int32): ctypes.c_int, np.dtype(np.int64): ctypes.c_longlong,
           np.dtype(np.uint64): ctypes.c_ulonglong, np.dtype(np.float32): ctypes.c_float,
           np.dtype(np.float64): ctypes.c_double}


class HostExecutor:
    """Runs the kernels of the host build on NumPy arrays (one call covers every element)."""

    xp = np

    @staticmethod
    def to_array(a) -> np.ndarray:
        return np.ascontiguousarray(a)

    @staticmethod
    def to_numpy(a) -> np.ndarray:
        return a

    def launch(self, name: str, args: tuple, n: int) -> None:
        """Call ``name`` on ``args`` (arrays, typed NumPy scalars) for elements ``0..n``."""
        fn = getattr(library(), name)
        fn.restype = None
        fn(*(ctypes.c_void_p(a.ctypes.data) if isinstance(a, np.ndarray)
             else _CTYPES[a.dtype](a) for a in args), ctypes.c_longlong(0), ctypes.c_longlong(n))
