"""The ``numba`` backend: fused multi-step loops that compile the reference's own updates.

The arithmetic of every family is the reference's update function
(:mod:`refsnn.functional`), compiled for one neuron's scalars
(:mod:`.compiling`); two generic loops run all ``T`` steps in one call
(:mod:`.kernels`):

* elementwise updates (every feed-forward family except the
  multi-compartment ones, and the recurrent leaky integrators once their
  input projection is known): blocks of neurons, the time loop inside each
  block. Bit-identical to the numpy backend in float32 and float64 (refsnn's
  own ``exp``: no libm);
* updates with matrix products (recurrent layers, compartment coupling): per
  step the products — BLAS, or for spikes a sum over the neurons that fired —
  then the elementwise update. The products may sum in a different order
  than NumPy's, so results agree within rounding.

The kernels release the GIL; the runner splits large problems over
``NUMBA_NUM_THREADS`` worker threads (neuron blocks, or batch rows for
matrix models) instead of using ``prange`` (see :mod:`.runner` for why).

Numba is imported only when the backend runs, so refsnn imports without it.
Compiled loops are cached on disk, keyed on all of refsnn's sources.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from refsnn.models import MODELS, Connectivity, NeuronModel
from refsnn.registry import BackendUnavailable


class NumbaBackend:
    """Runs every family with fused Numba kernels (see the module docstring)."""

    name = "numba"
    models = frozenset(name for name, model in MODELS.items() if model.updates())

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

    @property
    def functions(self) -> frozenset:
        """Functional-API functions with a fused implementation (the table of :mod:`.functions`)."""
        reason = self.unavailable_reason()
        if reason is not None:
            raise BackendUnavailable(f"backend 'numba' cannot run here: {reason}")
        from refsnn.backends.numba_ import functions

        return frozenset(functions.FUNCTIONS)

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
        spike_dtype: np.dtype | None = None,
    ):
        """Run ``inputs.shape[0]`` steps; the contract of the numpy backend's ``run``."""
        from refsnn.backends.numba_ import runner

        return runner.run(model, inputs, state, p, dt, connectivity, record_states,
                          neuron_shape, spike_dtype)
