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
step (the given ones, unchanged, for an empty time axis).

Every argument is validated once, at entry, as the step function validates
it: the sequences as a whole (dtype, and the ``nonfinite`` policy of
:mod:`refsnn.config`), the rest by the first step (an empty time axis
included: the step is tried once on a zero row, whose result is discarded).
The carried values (state, weights) are not re-validated at every step: if
they become non-finite from finite arguments, the policy is applied after
the run, naming the step (:func:`refsnn.guards.check_scan`), identically on
every backend.

``backend=None`` runs this loop; a backend name (``"numba"``) runs that
backend's implementation (:func:`refsnn.backends.function`), which fuses the
time loop around the same per-element update functions and gives the same
result bit for bit, except that :func:`stdp_linear_scan` with a batch of
more than one row sums the batch in its own order.
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from refsnn import _checks, guards, registry
from refsnn.functional.lif import LIFParameters, lif_current_encoder
from refsnn.functional.lif_adex import LIFAdExParameters, lif_adex_current_encoder
from refsnn.functional.lif_ex import LIFExParameters, lif_ex_current_encoder
from refsnn.functional.stdp import STDPParameters, STDPState, stdp_step_linear
from refsnn.functional.stdp_sensor import (STDPSensorParameters, STDPSensorState,
                                           stdp_sensor_step)
from refsnn.functional.tsodyks_makram import (TsodyksMakramParameters, TsodyksMakramState,
                                              stp_step)
from refsnn.memory import check_arrays

__all__ = ["lif_adex_current_encoder_scan", "lif_current_encoder_scan",
           "lif_ex_current_encoder_scan", "stdp_linear_scan", "stdp_sensor_scan", "stp_scan"]


def _sequence(z: Any, name: str) -> np.ndarray:
    """``z`` as an array with a time axis (a backend's check of a validated sequence)."""
    arr = _checks.as_array(z, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a time axis (axis 0), got a 0-d array")
    return arr


def _entry(**sequences: Any) -> tuple:
    """The sequences validated at entry: a time axis, floats or bool spikes, the
    ``nonfinite`` policy over every row."""
    return tuple(_checks.check_input(_sequence(z, name), name)
                 for name, z in sequences.items())


def _run(name: str, backend: str | None, loop, sequences: tuple, rest: tuple, finals,
         stacked: bool = True):
    """``loop`` (the reference) or ``backend``'s ``name`` over ``sequences``, then the
    ``nonfinite`` policy on the carried values ``finals(result)`` (``(name, array)``).

    First the request is sized from the shapes (:func:`refsnn.memory.check_arrays`,
    at 4 bytes an element): the outputs stacked over time (``stacked``: one array
    per sequence) and the contiguous float copies a fused backend makes of
    sequences that are not (broadcast views, bool spikes).
    """
    parts = {"copies of the sequences": (
        (sum(z.size for z in sequences if not (z.flags.c_contiguous and z.dtype.kind == "f")),),
        4)}
    if stacked:
        parts["outputs of every step"] = ((sum(z.size for z in sequences),), 4)
    check_arrays(f"{name} ({sequences[0].shape[0]} steps)", parts)
    run = loop if backend is None else registry.function(backend, name)
    if run is globals()[name]:  # (the numpy backend's: this function, whose loop it is)
        run = loop
    result = run(*sequences, *rest)
    guards.check_scan(name, finals(result), sequences + rest, sequences[0].shape[0],
                      lambda steps: finals(run(*(z[:steps] for z in sequences), *rest)))
    return result


def _named(prefix: str, values) -> list:
    """``(prefix.field, array)`` of a state's fields (``prefix`` alone for an array)."""
    if not hasattr(values, "_fields"):
        return [(prefix, np.asarray(values))]
    return [(f"{prefix}.{f}", np.asarray(v)) for f, v in zip(values._fields, values)]


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
    zp, zq = _entry(z_pre=z_pre, z_post=z_post)
    _same_length(z_pre=zp, z_post=zq)
    return _run("stdp_sensor_scan", backend, _stdp_sensor_loop, (zp, zq), (state, p, dt),
                lambda out: _named("state", out[1]))


def _stdp_sensor_loop(zp, zq, state, p, dt):
    if zp.shape[0] == 0:
        probe = stdp_sensor_step(np.zeros(zp.shape[1:], zp.dtype),
                                 np.zeros(zq.shape[1:], zq.dtype), state, p, dt)
        return STDPSensorState(*(_stack([], a) for a in probe)), state
    history = []
    for t in range(zp.shape[0]):
        with _checks.trusted_step(t):
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
    return _run("stp_scan", backend, _stp_loop, _entry(z=z), (s, p, dt),
                lambda out: _named("s", out[1]))


def _stp_loop(z, s, p, dt):
    if z.shape[0] == 0:
        probe, _ = stp_step(np.zeros(z.shape[1:], z.dtype), s, p, dt)
        return _stack([], probe), s
    release = []
    for t in range(z.shape[0]):
        with _checks.trusted_step(t):
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
    zp, zq = _entry(z_pre=z_pre, z_post=z_post)
    _same_length(z_pre=zp, z_post=zq)
    return _run("stdp_linear_scan", backend, _stdp_linear_loop, (zp, zq),
                (w, state_stdp, p_stdp, dt),
                lambda out: _named("w", out[0]) + _named("state_stdp", out[1]), stacked=False)


def _stdp_linear_loop(zp, zq, w, state_stdp, p_stdp, dt):
    if zp.shape[0] == 0:
        stdp_step_linear(np.zeros(zp.shape[1:], zp.dtype), np.zeros(zq.shape[1:], zq.dtype),
                         w, state_stdp, p_stdp, dt)
        return w, state_stdp
    for t in range(zp.shape[0]):
        with _checks.trusted_step(t):
            w, state_stdp = stdp_step_linear(zp[t], zq[t], w, state_stdp, p_stdp, dt)
    return w, state_stdp


# --------------------------------------------------------------------------- current encoders
_STATE_NAMES = ("voltage", "adaptation")


def _encoder_scan(name, backend, step, input_current, states, p, dt):
    """The current encoder scan ``name`` (of ``step``) on ``backend``; ``states``: the
    initial voltage (and adaptation)."""
    def loop(x, *args):
        *states, p, dt = args
        if x.shape[0] == 0:
            probe = step(np.zeros(x.shape[1:], x.dtype), *states, p, dt)
            return (_stack([], probe[0]),) + tuple(states)
        spikes = []
        for t in range(x.shape[0]):
            with _checks.trusted_step(t):
                z, *states = step(x[t], *states, p, dt)
            spikes.append(z)
        return (_stack(spikes, None),) + tuple(states)

    return _run(name, backend, loop, _entry(input_current=input_current), (*states, p, dt),
                lambda out: [(label, np.asarray(v)) for label, v in zip(_STATE_NAMES, out[1:])])


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
    return _encoder_scan("lif_current_encoder_scan", backend, lif_current_encoder,
                         input_current, (voltage,), p, dt)


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
    return _encoder_scan("lif_ex_current_encoder_scan", backend, lif_ex_current_encoder,
                         input_current, (voltage,), p, dt)


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
    return _encoder_scan("lif_adex_current_encoder_scan", backend, lif_adex_current_encoder,
                         input_current, (voltage, adaptation), p, dt)
