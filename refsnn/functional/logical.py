r"""Logic gates on spike vectors, written as arithmetic.

A spike vector holds 0 (silent) or 1 (spike) per neuron. Each gate is a
polynomial in its inputs, thresholded where the polynomial can exceed 1 by
the Heaviside step :math:`H(u) = [u > 0]`:

.. math::
    \operatorname{and}(x, y) &= x\,y \\
    \operatorname{or}(x, y)  &= H(x + y) \\
    \operatorname{xor}(x, y) &= |x - y| \\
    C(y_{t-1}, x_1, x_2)     &= H\bigl(x_1 x_2 + (x_1 + x_2)\, y_{t-1}\bigr) \\
    \operatorname{posedge}(z_t, z_{t-1}) &= (1 - z_{t-1})\, z_t

:math:`C` is the Muller C-element: its output turns on when both inputs are
on, off when both are off, and otherwise keeps its previous value
:math:`y_{t-1}`. The positive-edge detector reports a 0 -> 1 transition.

On spike vectors these are the Boolean truth tables. Any other real input is
evaluated by the same formulas (nothing clips or rounds it), so the result
for, e.g., ``x = 0.5`` or NaN is what the arithmetic gives: NaN propagates
through ``and``/``xor``/``posedge`` and is mapped to 0 by the step in
``or``/``C``.

Operands broadcast against each other and are promoted to a common dtype in
which the formulas are evaluated (bool arrays count as float32 spikes, a
Python number adopts the dtype of the arrays); the result has that dtype.
Inputs are never modified.
"""

from __future__ import annotations

import numpy as np

from refsnn.functional._elementwise import operands
from refsnn.functional.threshold import heaviside


def logical_and(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Elementwise AND of two spike vectors: :math:`x\,y`.

    Parameters
    ----------
    x, y : array_like
        Spike vectors (0 or 1); shapes must broadcast.

    Returns
    -------
    array
        1 where both spike, else 0, in the promoted dtype of ``x`` and ``y``.
    """
    (x, y), _ = operands({"x": x, "y": y})
    return x * y


def logical_or(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Elementwise OR of two spike vectors: :math:`H(x + y)`.

    Parameters
    ----------
    x, y : array_like
        Spike vectors (0 or 1); shapes must broadcast.

    Returns
    -------
    array
        1 where either spikes (more precisely, where :math:`x + y > 0`),
        else 0, in the promoted dtype of ``x`` and ``y``.
    """
    (x, y), _ = operands({"x": x, "y": y})
    return heaviside(x + y)


def logical_xor(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Elementwise exclusive OR of two spike vectors: :math:`|x - y|`.

    Parameters
    ----------
    x, y : array_like
        Spike vectors (0 or 1); shapes must broadcast.

    Returns
    -------
    array
        1 where exactly one spikes, else 0, in the promoted dtype of ``x``
        and ``y``.
    """
    (x, y), _ = operands({"x": x, "y": y})
    return np.abs(x - y)


def muller_c(y_prev: np.ndarray, x_1: np.ndarray, x_2: np.ndarray) -> np.ndarray:
    r"""Next output of a Muller C-element: :math:`H(x_1 x_2 + (x_1 + x_2)\,y_{t-1})`.

    Parameters
    ----------
    y_prev : array_like
        The element's previous output :math:`y_{t-1}` (0 or 1).
    x_1, x_2 : array_like
        The two input spike vectors. All three shapes must broadcast.

    Returns
    -------
    array
        1 if both inputs spike, 0 if neither does, ``y_prev`` otherwise; in
        the promoted dtype of the three arguments.
    """
    (y_prev, x_1, x_2), _ = operands({"y_prev": y_prev, "x_1": x_1, "x_2": x_2})
    return heaviside(x_1 * x_2 + (x_1 + x_2) * y_prev)


def posedge_detector(z: np.ndarray, z_prev: np.ndarray) -> np.ndarray:
    r"""Rising-edge detector: :math:`(1 - z_{t-1})\,z_t`.

    Parameters
    ----------
    z : array_like
        Current spike vector :math:`z_t`.
    z_prev : array_like
        Previous spike vector :math:`z_{t-1}`; shapes must broadcast.

    Returns
    -------
    array
        1 where ``z_prev`` is 0 and ``z`` is 1, else 0, in the promoted dtype.
    """
    (z, z_prev), dtype = operands({"z": z, "z_prev": z_prev})
    return (dtype.type(1) - z_prev) * z
