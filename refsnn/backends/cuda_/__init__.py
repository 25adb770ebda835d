"""The ``cuda`` backend (CuPy on a GPU) and its host build ``cuda-host``.

The kernels are C++ (``cuda/*.cuh``) around each family's update,
**translated from the reference** (:mod:`.translate`): the same IEEE
operations in the same order as :mod:`refsnn.functional`, refsnn's own
``exp`` included, so elementwise models give the reference's bits.
One thread per neuron, its state and parameters in registers, the time
loop inside the kernel (:mod:`.source`, ``cuda/kernels.cuh``).

* ``cuda``: compiled by NVRTC directly with ``--fmad=false --ftz=false
  --prec-div=true --prec-sqrt=true`` (:mod:`.nvrtc`), loaded and launched
  through CuPy (:mod:`.device`). Needs CuPy, a CUDA driver and a device:
  ``pip install "refsnn[cuda]"``.
* ``cuda-host``: the same text compiled for the CPU by g++
  (``-ffp-contract=off``) through ``cuda/host_shim.h`` (:mod:`.host`),
  called with ctypes. It exists so that machines without a GPU (CI) run
  the CUDA sources in the agreement suite; it is not meant to be fast (one
  CPU thread, one neuron's whole time loop after another).

Nothing here is imported until a CUDA backend is asked for, and asking
imports CuPy only for ``cuda``.
"""

from __future__ import annotations

from refsnn.backends.sequences import NAMES
from refsnn.models import MODELS

INSTALL = ('pip install "refsnn[cuda]" (CuPy for CUDA 12 and NVRTC; for a CUDA 13 driver '
           'use pip install cupy-cuda13x instead of cupy-cuda12x)')


class _CudaSources:
    """What the two CUDA backends share: the models, the functions, ``run``."""

    name = ""
    models = frozenset(name for name, model in MODELS.items() if model.updates())
    #: The sequence functions (encoders, scans) of :mod:`refsnn.backends.sequences`.
    functions = frozenset(NAMES)

    def _executor(self):
        raise NotImplementedError

    def function(self, name: str):
        """The implementation of the functional-API function ``name`` on this backend."""
        from refsnn.backends.cuda_.functions import functions

        if self._functions is None:
            self._functions = functions(self._executor())
        return self._functions[name]

    def run(self, model, inputs, state, p, dt, connectivity, record_states, neuron_shape,
            spike_dtype=None):
        """Run ``inputs.shape[0]`` steps; the contract of the numpy backend's ``run``."""
        from refsnn.backends.cuda_ import runner

        return runner.run(self._executor(), model, inputs, state, p, dt, connectivity,
                          record_states, neuron_shape, spike_dtype)


class CudaHostBackend(_CudaSources):
    """The CUDA sources compiled for the CPU with g++ (see the module docstring)."""

    name = "cuda-host"

    def __init__(self) -> None:
        self._functions = None

    def unavailable_reason(self) -> str | None:
        from refsnn.backends.cuda_ import host

        if host.compiler() is None:
            return ("no C++ compiler was found for the host build of the CUDA kernels; "
                    "install g++ (e.g. apt install g++) or set $CXX")
        return None

    def _executor(self):
        from refsnn.backends.cuda_.host import HostExecutor

        return HostExecutor()


class CudaBackend(_CudaSources):
    """The CUDA kernels on a GPU (see the module docstring)."""

    name = "cuda"

    def __init__(self) -> None:
        self._functions = None
        self._reason: str | None = None
        self._checked = False

    def unavailable_reason(self) -> str | None:
        """``None`` when CuPy, NVRTC, a driver and a device are present, else why not."""
        if not self._checked:
            self._reason = _probe()
            self._checked = True
        return self._reason

    def _executor(self):
        from refsnn.backends.cuda_.device import DeviceExecutor

        return DeviceExecutor()

    @staticmethod
    def device_array(x):
        """``x`` as a CuPy array: device arrays without a copy, host arrays copied over."""
        import cupy

        if hasattr(x, "__cuda_array_interface__") or not hasattr(x, "__dlpack__"):
            return cupy.asarray(x)
        return cupy.from_dlpack(x)


def _probe() -> str | None:
    try:
        import cupy
    except Exception as exc:  # ImportError, or a CuPy built for another CUDA
        return f"CuPy could not be imported ({type(exc).__name__}: {exc}); install it: {INSTALL}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, or a driver older than CuPy's CUDA
        return f"no usable CUDA driver ({type(exc).__name__}: {exc}); a GPU and its driver are needed"
    if count == 0:
        return "no CUDA device was found"
    from refsnn.backends.cuda_ import nvrtc

    try:
        nvrtc.library()
    except nvrtc.NvrtcUnavailable as exc:
        return str(exc)
    return None

