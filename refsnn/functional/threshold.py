"""Threshold functions: the forward pass of every Norse spike nonlinearity.

Norse attaches surrogate gradients (SuperSpike, triangle, ...) to its
threshold, but all of them share one forward pass, the Heaviside step

.. math::
    H(x) = \\begin{cases} 0, & x \\le 0 \\\\ 1, & x > 0 \\end{cases}

which is all a forward-only reference needs. The result has the dtype of
``x`` so that spikes can be multiplied into the state without promotion.

The signed threshold is built on it, as in Norse:

.. math::
    \\operatorname{sign}(x) = 2\\,H(x) - 1
    = \\begin{cases} -1, & x \\le 0 \\\\ +1, & x > 0 \\end{cases}

Note that this is not ``np.sign``: zero (of either sign) maps to -1, and so
does NaN (because :math:`H(\\text{NaN}) = 0`).
"""

import numpy as np

from refsnn.numerics import heaviside

__all__ = ["heaviside", "sign"]


def sign(x: np.ndarray) -> np.ndarray:
    r"""Signed threshold :math:`2\,H(x) - 1`: +1 where ``x > 0``, else -1.

    The forward pass of Norse's ``threshold.sign(x, method, alpha)`` for every
    ``method`` (the surrogate-gradient ``method`` and ``alpha`` only shape
    Norse's backward pass and are dropped here).

    Parameters
    ----------
    x : array_like
        Real values: float, signed integer or bool.

    Returns
    -------
    array
        +1 where ``x > 0``; -1 where ``x <= 0`` (``0.0`` and ``-0.0`` included)
        and where ``x`` is NaN. The dtype is that of ``x``; bool input gives
        int64 (as PyTorch's ``2 * bool_tensor - 1`` does).

    Raises
    ------
    TypeError
        If ``x`` is unsigned (the result -1 would wrap around), complex or
        not numeric.
    """
    x = np.asarray(x)
    if x.dtype == np.bool_:
        x = x.astype(np.int64)
    if x.dtype.kind not in "if":
        raise TypeError(
            f"x must hold floats, signed integers or bools, got dtype {x.dtype}"
        )
    two, one = x.dtype.type(2), x.dtype.type(1)
    return two * heaviside(x) - one
