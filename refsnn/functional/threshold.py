"""Threshold functions: the forward pass of every Norse spike nonlinearity.

Norse attaches surrogate gradients (SuperSpike, triangle, ...) to its
threshold, but all of them share one forward pass, the Heaviside step

.. math::
    H(x) = \\begin{cases} 0, & x \\le 0 \\\\ 1, & x > 0 \\end{cases}

which is all a forward-only reference needs. The result has the dtype of
``x`` so that spikes can be multiplied into the state without promotion.
"""

import numpy as np


def heaviside(x: np.ndarray) -> np.ndarray:
    """Heaviside step: 1 where ``x > 0``, else 0 (NaN maps to 0), in ``x``'s dtype."""
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)
