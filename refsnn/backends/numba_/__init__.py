"""The ``numba`` backend: fused multi-step kernels compiled by Numba.

Each family has a scalar step function that performs the reference's IEEE
operations in the reference's order (:mod:`.kernels`); two shared loops run
all ``T`` steps inside one compiled call:

* elementwise models (every feed-forward family except the multi-compartment
  ones, and the recurrent leaky integrators once their input projection is
  known): blocks of neurons, the time loop inside each block. Bit-identical
  to the numpy backend in float32 and float64 (float64 ``exp``: the libm's,
  so within a few ulp of NumPy's on another machine);
* models with matrix products (recurrent layers, compartment coupling): per
  step the products — BLAS, or for spikes a sum over the neurons that fired —
  then the elementwise update. The products may sum in a different order
  than NumPy's, so results agree within rounding.

The kernels release the GIL; the runner splits large problems over
``NUMBA_NUM_THREADS`` worker threads (neuron blocks, or batch rows for
matrix models) instead of using ``prange`` (see :mod:`.runner` for why).

Numba is imported only when the backend runs, so refsnn imports without it.
Kernels are cached on disk (``cache=True``): the first call of a model and
dtype on a machine compiles (a second or so), later processes load it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from refsnn.backends.numba_._specs import SPECS
from refsnn.models import Connectivity, NeuronModel


class NumbaBackend:
    """Runs every family with fused Numba kernels (see the module docstring)."""

    name = "numba"
    models = frozenset(SPECS)
    #: Functional-API functions with a fused implementation (:mod:`.functions`).
    functions = frozenset({
        "poisson_encode", "signed_poisson_encode", "constant_current_lif_encode",
        "spike_latency_lif_encode", "lif_current_encoder_scan", "lif_ex_current_encoder_scan",
        "lif_adex_current_encoder_scan", "stdp_sensor_scan", "stp_scan", "stdp_linear_scan",
    })

    def __init__(self) -> None:
        self._reason: str | None = None
        self._checked = False

    def unavailable_reason(self) -> str | None:
        """``None`` when numba (and scipy, for its BLAS) import, else why not and the fix."""
        if not self._checked:
            try:
                import numba  # noqa: F401
                import scipy.linalg.cython_blas  # noqa: F401  (numba's np.dot)
            except Exception as exc:  # ImportError, or a numba/numpy version clash
                self._reason = (
                    f"numba could not be imported ({type(exc).__name__}: {exc}); "
                    "install it with `pip install numba` (it needs scipy too: "
                    "`pip install scipy`)"
                )
            self._checked = True
        return self._reason

    def function(self, name: str):
        """The compiled implementation of the functional-API function ``name``."""
        from refsnn.backends.numba_ import functions

        return functions.FUNCTIONS[name]

    def run(
        self,
        model: NeuronModel,
        inputs: np.ndarray,
        state: NamedTuple,
        p: NamedTuple,
        dt: float,
        connectivity: Connectivity,
        record_states: bool,
        neuron_shape: tuple,
    ):
        """Run ``inputs.shape[0]`` steps; the contract of the numpy backend's ``run``."""
        from refsnn.backends.numba_ import runner

        return runner.run(model, inputs, state, p, dt, connectivity, record_states,
                          neuron_shape)
