"""The CUDA kernels on a GPU: NVRTC directly, loaded and launched through CuPy.

The translation unit is compiled by :mod:`.nvrtc` for the device's
architecture (a CUBIN where this NVRTC knows the architecture, else PTX for
the driver to finish), written to the cache directory and loaded with
``cupy.RawModule(path=...)`` — never ``RawModule(code=...)``, which would
compile with ``-ftz=true``.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from refsnn.backends.cuda_ import nvrtc, source

#: Threads per block of every launch.
THREADS = 256


def _cupy():
    import cupy

    return cupy


@cache
def module(architecture: str):
    """The ``cupy.RawModule`` of every kernel for ``architecture`` (compiled once, cached)."""
    text = source.translation_unit(host=False)
    major, minor = nvrtc.version()
    key = source.digest(text, architecture, f"nvrtc {major}.{minor}", *nvrtc.OPTIONS)
    directory = nvrtc.cache_directory() / "cuda" / key
    path = directory / "refsnn.cubin"
    if not path.exists() and not (directory / "refsnn.ptx").exists():
        try:
            nvrtc.write_atomically(path, nvrtc.compile_program(text, architecture))
        except nvrtc.CompileError as exc:
            if "invalid value for --gpu-architecture" not in str(exc):
                raise
            path = directory / "refsnn.ptx"     # an architecture newer than this NVRTC
            nvrtc.write_atomically(path, nvrtc.compile_program(text, architecture,
                                                               cubin=False))
    if not path.exists():
        path = directory / "refsnn.ptx"
    return _cupy().RawModule(path=str(path))


def architecture() -> str:
    """``"sm_XY"`` of the current device."""
    return "sm_" + _cupy().cuda.Device().compute_capability


class DeviceExecutor:
    """Launches the kernels on the current CUDA device (CuPy arrays)."""

    def __init__(self) -> None:
        self.xp = _cupy()

    def to_array(self, a):
        return self.xp.ascontiguousarray(self.xp.asarray(a))

    def to_numpy(self, a):
        return self.xp.asnumpy(a)

    @cache
    def _function(self, name: str):
        return module(architecture()).get_function(name)

    def launch(self, name: str, args: tuple, n: int) -> None:
        """Launch ``name`` on ``args`` (CuPy arrays, typed NumPy scalars) for elements ``0..n``."""
        blocks = max(1, -(-n // THREADS))
        self._function(name)((blocks,), (THREADS,), (*args, np.int64(0), np.int64(n)))
