"""Reset rules applied after a spike.

With spikes :math:`z \\in \\{0, 1\\}`, membrane voltage :math:`v`, reset
voltage :math:`v_{\\text{reset}}` and threshold :math:`v_{\\text{th}}`:

* value reset: :math:`v \\leftarrow (1 - z) v + z v_{\\text{reset}}`
* subtractive reset: :math:`v \\leftarrow (1 - z) v + z (v - v_{\\text{th}})`

Both are written as blends so that the arithmetic is the same operation
sequence on every backend.
"""

import numpy as np

from refsnn.numerics import complement


def reset_value(z: np.ndarray, v: np.ndarray, reset: np.ndarray, th: np.ndarray) -> np.ndarray:
    """Set spiking neurons to ``reset``."""
    return complement(z) * v + z * reset


def reset_subtract(z: np.ndarray, v: np.ndarray, reset: np.ndarray, th: np.ndarray) -> np.ndarray:
    """Lower spiking neurons by ``th`` (``reset`` is unused, kept for a common signature)."""
    return complement(z) * v + z * (v - th)
