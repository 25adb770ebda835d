r"""Box leaky integrators: a leaky membrane driven directly by its input.

Model
-----
.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i)

Unlike :mod:`refsnn.functional.li` there is no synaptic current with its own
decay: the input :math:`i` acts on the voltage only during the step in which
it arrives (a "box" of current one step wide). The neuron never spikes; its
output is the voltage.

Discretisation (forward Euler, step :math:`\Delta t`):

1. input: :math:`i = x` (weighted form: :math:`i = W_{\text{in}} x`);
2. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v) + i)`.

The output of a step is :math:`v'`. (Norse's module is
``leaky_integrator_box``.)
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare


class LIBoxParameters(NamedTuple):
    """Parameters of a box leaky integrator.

    Attributes
    ----------
    tau_mem_inv : inverse membrane time constant :math:`1/\\tau_{\\text{mem}}`
    v_leak : leak potential
    """

    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    v_leak: float | np.ndarray = 0.0


class LIBoxState(NamedTuple):
    """State of a box leaky integrator: voltage ``v``."""

    v: np.ndarray


def _li_box_update(i_in, v, p, dt):
    """Step 2 of the module docstring."""
    dv = dt * p.tau_mem_inv * ((p.v_leak - v) + i_in)
    return v + dv


def li_box_feed_forward_update(state, input_current, p, dt):
    r"""One step from a validated state, input, ``p`` and ``dt``: ``(v, LIBoxState)``.

    The arithmetic every backend runs (a recurrent layer passes
    :math:`W_{\text{in}} x` as ``input_current``).
    """
    v_new = _li_box_update(input_current, state.v, p, dt)
    return v_new, LIBoxState(v=v_new)


def li_box_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIBoxState,
    p: LIBoxParameters = LIBoxParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIBoxState]:
    r"""One Euler step of a box leaky integrator driven by an input current.

    .. math::
        v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v) + x)

    Parameters
    ----------
    input_tensor : array
        Input current of this step (already weighted).
    state : LIBoxState
    p : LIBoxParameters
    dt : float

    Returns
    -------
    v : array
        The new voltage (the layer's output).
    state : LIBoxState
    """
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state, LIBoxState,
                             p, LIBoxParameters, dt)
    check_neuron_shape(p, x, s.v)
    return li_box_feed_forward_update(s, x, p, dt)


def li_box_step(
    input_spikes: np.ndarray,
    state: LIBoxState,
    input_weights: np.ndarray,
    p: LIBoxParameters = LIBoxParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIBoxState]:
    r"""One Euler step of a box leaky integrator with weighted input.

    .. math::
        v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v) + W_{\text{in}} x)

    Parameters
    ----------
    input_spikes : array, shape ``(..., n_in)``
    state : LIBoxState
        Voltage of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    p : LIBoxParameters
    dt : float

    Returns
    -------
    v : array
        The new voltage.
    state : LIBoxState
    """
    (x, w_in), s, p, dt = prepare({"input_spikes": input_spikes}, state, LIBoxState,
                                  p, LIBoxParameters, dt,
                                  weights={"input_weights": input_weights})
    i_in = linear(x, w_in, "input_spikes", "input_weights")
    check_neuron_shape(p, i_in, s.v)
    return li_box_feed_forward_update(s, i_in, p, dt)
