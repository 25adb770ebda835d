r"""Exponential filter (exponential smoothing) of a time series.

The filter keeps a running value :math:`s` that decays by a factor
:math:`\alpha` per step while new input is added:

.. math::
    s_t = \alpha\, s_{t-1} + x_t, \qquad
    \alpha = e^{-\Delta t / \tau_{\text{filter}}},

so an input pulse fades as :math:`\alpha^n` over the following :math:`n`
steps. The step function takes :math:`\alpha` itself (the ``parameter``);
computing it from :math:`\Delta t` and :math:`\tau_{\text{filter}}` is left
to the caller. The product :math:`\alpha\,s_{t-1}` is formed first, then
:math:`x_t` is added (two roundings, no fused multiply-add).
"""

from __future__ import annotations

import numpy as np

from refsnn.functional._elementwise import as_real, operands


def exp_filter_step(
    old_value: np.ndarray, new_value: np.ndarray, parameter: float
) -> np.ndarray:
    r"""One filter step :math:`s_t = \alpha\, s_{t-1} + x_t`.

    Parameters
    ----------
    old_value : array_like
        The filtered value so far, :math:`s_{t-1}`.
    new_value : array_like
        This step's input :math:`x_t`; must broadcast with ``old_value``.
    parameter : float or array_like
        The decay factor :math:`\alpha` (usually
        :math:`e^{-\Delta t / \tau}` in :math:`(0, 1]`); an array gives each
        element its own factor and must broadcast with the values.

    Returns
    -------
    ndarray
        :math:`s_t`. The values' dtypes promote to a common dtype in which
        the arithmetic runs (integer or bool values are computed in
        float32, Norse's default dtype); ``parameter`` is cast to it first.
    """
    (old, new), dtype = operands({"old_value": old_value, "new_value": new_value},
                                 floating=True)
    alpha = as_real(parameter, "parameter")
    if alpha.dtype == np.bool_:
        raise TypeError("parameter must be a real number or an array, got a bool")
    alpha = alpha.astype(dtype)
    shape = np.broadcast_shapes(old.shape, new.shape)
    try:
        grown = np.broadcast_shapes(alpha.shape, shape)
    except ValueError:
        grown = None
    if grown != shape:
        raise ValueError(
            f"parameter has shape {alpha.shape}, which does not broadcast to the shape "
            f"{shape} of old_value and new_value"
        )
    return alpha * old + new
