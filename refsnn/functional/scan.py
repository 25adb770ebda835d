r"""Plasticity rules and current encoders run over a sequence: the reference
step functions in a time loop.

Each ``*_scan`` takes spikes (or input currents) with time on axis 0 and
applies the matching step function once per row, in order, exactly as a
user's Python loop would:

- :func:`stdp_sensor_scan`: :func:`refsnn.functional.stdp_sensor.stdp_sensor_step`,
  ``(traces, state)``;
- :func:`stp_scan`: :func:`refsnn.functional.tsodyks_makram.stp_step`,
  ``(release, state)``;
- :func:`stdp_linear_scan`: :func:`refsnn.functional.stdp.stdp_step_linear`,
  ``(w, state_stdp)``;

and the current encoders (input current with time on axis 0), each
returning the spikes of every step and the final state:

- :func:`lif_current_encoder_scan`: :func:`refsnn.functional.lif.lif_current_encoder`,
  ``(z, voltage)``;
- :func:`lif_ex_current_encoder_scan`: :func:`refsnn.functional.lif_ex.lif_ex_current_encoder`,
  ``(z, voltage)``;
- :func:`lif_adex_current_encoder_scan`:
  :func:`refsnn.functional.lif_adex.lif_adex_current_encoder`, ``(z, voltage, adaptation)``.

``traces``/``release``/``z`` stack the per-step outputs along a new axis 0;
``state``/``w``/``voltage``/``adaptation`` are the values after the last
step (the given ones, unchanged, for an empty time axis). Every argument
is validated as the step function validates it (an empty time axis
included: the step is tried once on a zero row, whose result is discarded).

``backend=None`` runs this loop; a backend name (``"numba"``) runs that
backend's implementation (:func:`refsnn.backends.function`), which fuses the
time loop around the same per-element update functions and gives the same
result bit for bit, except that :func:`stdp_linear_scan` with a batch of
more than one row sums the batch in its own order.
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from refsnn import registry
from refsnn.functional.lif import LIFParameters, lif_current_encoder
from refsnn.functional.lif_adex import LIFAdExParameters, lif_adex_current_encoder
from refsnn.functional.lif_ex import LIFExParameters, lif_ex_current_encoder
from refsnn.functional.stdp import STDPParameters, STDPState, stdp_step_linear
from refsnn.functional.stdp_sensor import (STDPSensorParameters, STDPSensorState,
                                           stdp_sensor_step)
from refsnn.functional.tsodyks_makram import (TsodyksMakramParameters, TsodyksMakramState,
                                              stp_step)

__all__ = ["lif_adex_current_encoder_scan", "lif_current_encoder_scan",
           "lif_ex_current_encoder_scan", "stdp_linear_scan", "stdp_sensor_scan", "stp_scan"]


def _sequence(z: Any, name: str) -> np.ndarray:
    arr = np.asarray(z)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a time axis (axis 0), got a 0-d array")
    return arr


def _same_length(**named: np.ndarray) -> int:
    lengths = {name: a.shape[0] for name, a in named.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            "the spike sequences must have the same number of steps (axis 0), got "
            + ", ".join(f"{k}: {v}" for k, v in lengths.items())
        )
    return next(iter(lengths.values()))


def _stack(rows: list, template: np.ndarray | None) -> np.ndarray:
    """Rows stacked on a new axis 0, broadcast to their common shape first.

    (A step's output can grow after the first step, when a parameter that
    only the state reads has more axes than the spikes and the state.)
    """
    if not rows:
        return np.empty((0,) + template.shape, template.dtype)
    return np.stack(np.broadcast_arrays(*rows))


def _dispatch(backend: str, name: str):
    return registry.function(backend, name)


def stdp_sensor_scan(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    state: STDPSensorState,
    p: STDPSensorParameters = STDPSensorParameters(),
    dt: float = 0.001,
    backend: str | None = None,
) -> Tuple[STDPSensorState, STDPSensorState]:
    """:func:`~refsnn.functional.stdp_sensor.stdp_sensor_step` for every row of ``z_pre``/``z_post``.

    Parameters
    ----------
    z_pre, z_post : arrays, shape ``(T, ...)``
        Spikes; row ``t`` is the step's ``z_pre``/``z_post``.
    state, p, dt :
        As for the step function.
    backend : str, optional
        ``None``: this loop; a name: that backend's implementation.

    Returns
    -------
    traces : STDPSensorState
        ``a_pre`` and ``a_post`` after every step, shape ``(T, ...)``.
    state : STDPSensorState
        The traces after the last step.
    """
    if backend is not None:
        return _dispatch(backend, "stdp_sensor_scan")(z_pre, z_post, state, p, dt)
    zp, zq = _sequence(z_pre, "z_pre"), _sequence(z_post, "z_post")
    steps = _same_length(z_pre=zp, z_post=zq)
    if steps == 0:
        probe = stdp_sensor_step(np.zeros(zp.shape[1:], zp.dtype),
                                 np.zeros(zq.shape[1:], zq.dtype), state, p, dt)
        return STDPSensorState(*(_stack([], a) for a in probe)), state
    history = []
    for t in range(steps):
        state = stdp_sensor_step(zp[t], zq[t], state, p, dt)
        history.append(state)
    return (STDPSensorState(_stack([s.a_pre for s in history], None),
                            _stack([s.a_post for s in history], None)), state)


def stp_scan(
    z: np.ndarray,
    s: TsodyksMakramState,
    p: TsodyksMakramParameters = TsodyksMakramParameters(),
    dt: float = 0.001,
    backend: str | None = None,
) -> Tuple[np.ndarray, TsodyksMakramState]:
    """:func:`~refsnn.functional.tsodyks_makram.stp_step` for every row of ``z``.

    Parameters
    ----------
    z : array, shape ``(T, ...)``
        Presynaptic spikes; row ``t`` is the step's ``z``.
    s, p, dt :
        As for the step function.
    backend : str, optional
        ``None``: this loop; a name: that backend's implementation.

    Returns
    -------
    release : array, shape ``(T, ...)``
        The release of every step.
    state : TsodyksMakramState
        ``u`` and ``x`` after the last step.
    """
    if backend is not None:
        return _dispatch(backend, "stp_scan")(z, s, p, dt)
    z = _sequence(z, "z")
    if z.shape[0] == 0:
        probe, _ = stp_step(np.zeros(z.shape[1:], z.dtype), s, p, dt)
        return _stack([], probe), s
    release = []
    for t in range(z.shape[0]):
        r, s = stp_step(z[t], s, p, dt)
        release.append(r)
    return _stack(release, None), s


def stdp_linear_scan(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    w: np.ndarray,
    state_stdp: STDPState,
    p_stdp: STDPParameters = STDPParameters(),
    dt: float = 0.001,
    backend: str | None = None,
) -> Tuple[np.ndarray, STDPState]:
    """:func:`~refsnn.functional.stdp.stdp_step_linear` for every row of ``z_pre``/``z_post``.

    Parameters
    ----------
    z_pre : array, shape ``(T, batch, n_pre)`` or ``(T, n_pre)``
    z_post : array, shape ``(T, batch, n_post)`` or ``(T, n_post)``
    w : array, shape ``(n_post, n_pre)``
        The initial weights.
    state_stdp, p_stdp, dt :
        As for the step function.
    backend : str, optional
        ``None``: this loop; a name: that backend's implementation.

    Returns
    -------
    w : array
        The weights after the last step (per-step weights are not kept: they
        would take ``T`` times the weights' memory).
    state_stdp : STDPState
        The traces after the last step.
    """
    if backend is not None:
        return _dispatch(backend, "stdp_linear_scan")(z_pre, z_post, w, state_stdp, p_stdp, dt)
    zp, zq = _sequence(z_pre, "z_pre"), _sequence(z_post, "z_post")
    steps = _same_length(z_pre=zp, z_post=zq)
    if steps == 0:
        stdp_step_linear(np.zeros(zp.shape[1:], zp.dtype), np.zeros(zq.shape[1:], zq.dtype),
                         w, state_stdp, p_stdp, dt)
        return w, state_stdp
    for t in range(steps):
        w, state_stdp = stdp_step_linear(zp[t], zq[t], w, state_stdp, p_stdp, dt)
    return w, state_stdp


# --------------------------------------------------------------------------- current encoders
def _encoder_scan(step, input_current, states, p, dt):
    """``step(i_t, *states, p, dt)`` for every row; returns ``(z stacked, *states)``."""
    x = _sequence(input_current, "input_current")
    if x.shape[0] == 0:
        probe = step(np.zeros(x.shape[1:], x.dtype), *states, p, dt)
        return (_stack([], probe[0]),) + tuple(states)
    spikes = []
    for t in range(x.shape[0]):
        z, *states = step(x[t], *states, p, dt)
        spikes.append(z)
    return (_stack(spikes, None),) + tuple(states)


def lif_current_encoder_scan(
    input_current: np.ndarray,
    voltage: np.ndarray,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
    backend: str | None = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`~refsnn.functional.lif.lif_current_encoder` for every row of ``input_current``.

    Parameters
    ----------
    input_current : array, shape ``(T, ...)``
        Row ``t`` is the step's input current.
    voltage, p, dt :
        As for the step function (``voltage`` is the initial voltage).
    backend : str, optional
        ``None``: this loop; a name: that backend's implementation.

    Returns
    -------
    z : array, shape ``(T, ...)``
        The spikes of every step.
    voltage : array
        The voltage after the last step.
    """
    if backend is not None:
        return _dispatch(backend, "lif_current_encoder_scan")(input_current, voltage, p, dt)
    return _encoder_scan(lif_current_encoder, input_current, (voltage,), p, dt)


def lif_ex_current_encoder_scan(
    input_current: np.ndarray,
    voltage: np.ndarray,
    p: LIFExParameters = LIFExParameters(),
    dt: float = 0.001,
    backend: str | None = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`~refsnn.functional.lif_ex.lif_ex_current_encoder` for every row of ``input_current``.

    Parameters and returns as for :func:`lif_current_encoder_scan`.
    """
    if backend is not None:
        return _dispatch(backend, "lif_ex_current_encoder_scan")(input_current, voltage, p, dt)
    return _encoder_scan(lif_ex_current_encoder, input_current, (voltage,), p, dt)


def lif_adex_current_encoder_scan(
    input_current: np.ndarray,
    voltage: np.ndarray,
    adaptation: np.ndarray,
    p: LIFAdExParameters = LIFAdExParameters(),
    dt: float = 0.001,
    backend: str | None = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~refsnn.functional.lif_adex.lif_adex_current_encoder` for every input row.

    Parameters
    ----------
    input_current : array, shape ``(T, ...)``
        Row ``t`` is the step's input current.
    voltage, adaptation, p, dt :
        As for the step function (initial voltage and adaptation).
    backend : str, optional
        ``None``: this loop; a name: that backend's implementation.

    Returns
    -------
    z : array, shape ``(T, ...)``
        The spikes of every step.
    voltage, adaptation : arrays
        The voltage and adaptation after the last step.
    """
    if backend is not None:
        return _dispatch(backend, "lif_adex_current_encoder_scan")(
            input_current, voltage, adaptation, p, dt)
    return _encoder_scan(lif_adex_current_encoder, input_current, (voltage, adaptation), p, dt)
