r"""LIF neurons with spike-triggered adaptation (LSNN; Bellec et al., 2018).

Adaptive threshold (``lsnn_step``, ``lsnn_feed_forward_step``)
---------------------------------------------------------------
Each neuron has the LIF variables :math:`v`, :math:`i` and an adaptive
threshold :math:`b` that relaxes towards the base threshold
:math:`v_{\text{th}}` and rises by :math:`\beta` at every spike:

.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i), \qquad
    \dot i = -\frac{1}{\tau_{\text{syn}}}\, i, \qquad
    \dot b = \frac{1}{\tau_b}\,(v_{\text{th}} - b),

jump condition :math:`z = H(v - b)`, transitions
:math:`v \leftarrow (1 - z) v + z v_{\text{reset}}`,
:math:`b \leftarrow b + \beta z`. The more a neuron has fired recently,
the higher its threshold, so under constant drive its rate falls.

**State convention.** ``b`` holds the *whole* threshold, as in Norse's code
(Norse's layers start from ``b = v_th``). Norse's docstrings write the same
model with an offset :math:`b_{\text{doc}} = b - v_{\text{th}}` that decays
to 0, and print the jump condition as :math:`H(v - v_{\text{th}} + b_{\text{doc}})`;
the plus sign is a typo (it would make adaptation excite), the model is
:math:`H(v - v_{\text{th}} - b_{\text{doc}}) = H(v - b)`. Start a fresh
state with ``b = v_th``; ``b = 0`` means a threshold of 0.

Discretisation (forward Euler, step :math:`\Delta t`), in this order:

1. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v) + i)`;
2. current decay: :math:`i' = i - \Delta t\,\tau_{\text{syn}}^{-1}\, i`;
3. threshold relaxation: :math:`b' = b + \Delta t\,\tau_b^{-1}\,(v_{\text{th}} - b)`;
4. spike: :math:`z = H(v' - b')`;
5. reset: :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`;
6. threshold jump: :math:`b'' = b' + \beta z`;
7. current jump: :math:`i'' = i' + i_{\text{in}}` (recurrent form:
   :math:`i'' = i' + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`).

The input therefore reaches the voltage one step after it arrives (unlike
:mod:`refsnn.functional.lif`, where the current jumps first).

Adaptive current (``ada_lif_step``)
-----------------------------------
Here :math:`b` is an adaptation *current* that decays to 0 and inhibits the
voltage; the threshold is fixed:

.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i - b), \qquad
    \dot i = -\frac{1}{\tau_{\text{syn}}}\, i, \qquad
    \dot b = -\frac{1}{\tau_b}\, b,

jump condition :math:`z = H(v - v_{\text{th}})`, transitions
:math:`v \leftarrow (1 - z) v + z v_{\text{reset}}`,
:math:`b \leftarrow b + \beta z`. (Norse's docstring prints :math:`+b` in
:math:`\dot v`, a typo: the code and the name "adaptation" need
:math:`-b`.) Update order:

1. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v) + i - b)`;
2. current decay: :math:`i' = i - \Delta t\,\tau_{\text{syn}}^{-1}\, i`;
3. adaptation decay: :math:`b' = b - \Delta t\,\tau_b^{-1}\, b`;
4. spike: :math:`z = H(v' - v_{\text{th}})`;
5. reset: :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`;
6. adaptation jump: :math:`b'' = b' + \beta z`;
7. current jump: :math:`i'' = i' + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`.

Norse 1.1.0 documents the value reset of step 5 but computes a
subtractive one, :math:`v'' = v' - z\,(v_{\text{th}} - v_{\text{reset}})`,
which leaves a spiking neuron above :math:`v_{\text{reset}}` by however far
it overshot the threshold; :func:`refsnn.compat.norse.lsnn.ada_lif_step`
reproduces that.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.numerics import complement, heaviside


class LSNNParameters(NamedTuple):
    """Parameters of an LSNN neuron.

    Attributes
    ----------
    tau_syn_inv : inverse synaptic time constant :math:`1/\\tau_{\\text{syn}}`
    tau_mem_inv : inverse membrane time constant :math:`1/\\tau_{\\text{mem}}`
    tau_adapt_inv : inverse adaptation time constant :math:`1/\\tau_b`
    v_leak : leak potential
    v_th : base threshold (the value the adaptive threshold relaxes to)
    v_reset : potential after a spike
    beta : increase of the threshold (or adaptation current) per spike
    """

    tau_syn_inv: float | np.ndarray = 1.0 / 5e-3
    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    tau_adapt_inv: float | np.ndarray = 1.0 / 800
    v_leak: float | np.ndarray = 0.0
    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0
    beta: float | np.ndarray = 1.8


class LSNNState(NamedTuple):
    """State of a recurrent LSNN layer.

    Fields: last spikes ``z``, voltage ``v``, current ``i`` and adaptation
    ``b`` (the threshold for :func:`lsnn_step`, start at ``v_th``; the
    adaptation current for :func:`ada_lif_step`, start at 0).
    """

    z: np.ndarray
    v: np.ndarray
    i: np.ndarray
    b: np.ndarray


class LSNNFeedForwardState(NamedTuple):
    """State of a feed-forward LSNN layer: voltage ``v``, current ``i``, threshold ``b``."""

    v: np.ndarray
    i: np.ndarray
    b: np.ndarray


def _lsnn_update(v, i, b, p, dt):
    """Steps 1-6 of the adaptive-threshold update; returns (z, v, i, b)."""
    dv = dt * p.tau_mem_inv * ((p.v_leak - v) + i)
    v_decayed = v + dv
    di = -dt * p.tau_syn_inv * i
    i_decayed = i + di
    db = dt * p.tau_adapt_inv * (p.v_th - b)
    b_decayed = b + db
    z_new = heaviside(v_decayed - b_decayed)
    v_new = complement(z_new) * v_decayed + z_new * p.v_reset
    b_new = b_decayed + z_new * p.beta
    return z_new, v_new, i_decayed, b_new


def lsnn_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, LSNNFeedForwardState)`` (every backend's arithmetic).

    The input jumps the current after the update (Norse's order).
    """
    z_new, v_new, i_decayed, b_new = _lsnn_update(state.v, state.i, state.b, p, dt)
    return z_new, LSNNFeedForwardState(v=v_new, i=i_decayed + input_current, b=b_new)


def lsnn_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`lsnn_feed_forward_update` with :math:`W_{\text{in}} x` and :math:`W_{\text{rec}} z_{t-1}`."""
    z_new, v_new, i_decayed, b_new = _lsnn_update(state.v, state.i, state.b, p, dt)
    i_new = i_decayed + input_drive + recurrent_drive
    return z_new, LSNNState(z=z_new, v=v_new, i=i_new, b=b_new)


def ada_lif_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    """One :func:`ada_lif_step` from validated arguments: ``(z, LSNNState)`` (every backend's arithmetic)."""
    dv = dt * p.tau_mem_inv * ((p.v_leak - state.v) + state.i - state.b)
    v_decayed = state.v + dv
    di = -dt * p.tau_syn_inv * state.i
    i_decayed = state.i + di
    db = -dt * p.tau_adapt_inv * state.b
    b_decayed = state.b + db
    z_new = heaviside(v_decayed - p.v_th)
    v_new = complement(z_new) * v_decayed + z_new * p.v_reset
    b_new = b_decayed + z_new * p.beta
    i_new = i_decayed + input_drive + recurrent_drive
    return z_new, LSNNState(z=z_new, v=v_new, i=i_new, b=b_new)


def lsnn_feed_forward_step(
    input_tensor: np.ndarray,
    state: LSNNFeedForwardState,
    p: LSNNParameters = LSNNParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LSNNFeedForwardState]:
    r"""One Euler step of a feed-forward LSNN layer (adaptive threshold).

    Parameters
    ----------
    input_tensor : array
        Input current, added to :math:`i` at the end of the step.
    state : LSNNFeedForwardState
        ``b`` is the current threshold (start at ``p.v_th``).
    p : LSNNParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    state : LSNNFeedForwardState
    """
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                             LSNNFeedForwardState, p, LSNNParameters, dt)
    check_neuron_shape(p, x, s.v, s.i, s.b)
    return lsnn_feed_forward_update(s, x, p, dt)


def lsnn_step(
    input_tensor: np.ndarray,
    state: LSNNState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LSNNParameters = LSNNParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LSNNState]:
    r"""One Euler step of a recurrently connected LSNN layer (adaptive threshold).

    Parameters
    ----------
    input_tensor : array, shape ``(..., n_in)``
    state : LSNNState
        Fields of shape ``(..., n)``; ``b`` is the current threshold.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : LSNNParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    state : LSNNState
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LSNNState, p, LSNNParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    jump = (linear(x, w_in, "input_tensor", "input_weights"),
            linear(s.z, w_rec, "state.z", "recurrent_weights"))
    check_neuron_shape(p, s.v, s.i, s.b, *jump)
    return lsnn_recurrent_update(s, *jump, p, dt)


def ada_lif_step(
    input_tensor: np.ndarray,
    state: LSNNState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LSNNParameters = LSNNParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LSNNState]:
    r"""One Euler step of a recurrent LIF layer with an adaptation current.

    See "Adaptive current" in the module docstring: :math:`b` (start at 0)
    is subtracted from the voltage drive, decays with :math:`\tau_b` and
    grows by :math:`\beta` per spike; a spiking neuron is set to
    :math:`v_{\text{reset}}`.

    Parameters
    ----------
    input_tensor : array, shape ``(..., n_in)``
    state : LSNNState
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : LSNNParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    state : LSNNState
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LSNNState, p, LSNNParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    jump = (linear(x, w_in, "input_tensor", "input_weights"),
            linear(s.z, w_rec, "state.z", "recurrent_weights"))
    check_neuron_shape(p, s.v, s.i, s.b, *jump)
    return ada_lif_recurrent_update(s, *jump, p, dt)
