r"""Phase portraits of the two-variable families: vector field and nullclines.

Izhikevich (``"izhikevich"``), voltage :math:`v` and recovery :math:`u`:

.. math::
    \dot v = \tau^{-1}\,(s_q v^2 + m_n v + \text{bias} - u + I), \qquad
    \dot u = \tau^{-1}\, a\,(b v - u);

nullclines :math:`u = s_q v^2 + m_n v + \text{bias} + I` (:math:`\dot v = 0`)
and :math:`u = b v` (:math:`\dot u = 0`).

AdEx (``"lif_adex"``), voltage :math:`v` and adaptation :math:`a`
(:math:`I`: the synaptic current :math:`i` held constant):

.. math::
    \dot v = \tau_{\text{mem}}^{-1}\big(v_{\text{leak}} - v
             + \Delta_T e^{(v - v_{\text{th}})/\Delta_T} + I - a\big), \qquad
    \dot a = \tau_{\text{ada}}^{-1}\big(a_{\text{current}}(v - v_{\text{leak}}) - a\big);

nullclines :math:`a = v_{\text{leak}} - v + \Delta_T e^{(v - v_{\text{th}})/\Delta_T} + I`
and :math:`a = a_{\text{current}}(v - v_{\text{leak}})`.

Derivatives are per unit of ``dt``'s time, the rates the forward-Euler step
of :mod:`refsnn.functional` multiplies by :math:`\Delta t` (below the
threshold, one step moves :math:`(v, w)` by :math:`\Delta t\,(\dot v, \dot w)`).
Computed in float64 with NumPy's ``exp``.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np

from refsnn.analysis._inputs import count
from refsnn.models import get_model


class PhasePortrait(NamedTuple):
    """A phase portrait on a grid.

    Fields: ``model`` (the family name); ``v``, the grid's voltages (shape
    ``(n_v,)``); ``w``, the grid's values of the second variable
    (Izhikevich :math:`u`, AdEx :math:`a`; shape ``(n_w,)``); ``dv`` and
    ``dw``, the time derivatives at every grid point (shape ``(n_w, n_v)``,
    row ``w``, column ``v``, as :func:`numpy.meshgrid` lays them out);
    ``v_nullcline`` and ``w_nullcline``, for each ``v`` the ``w`` at which
    :math:`\\dot v = 0` and :math:`\\dot w = 0` (shape ``(n_v,)``);
    ``threshold``, the spike threshold :math:`v_{\\text{th}}`; ``reset``,
    the voltage after a spike.
    """

    model: str
    v: np.ndarray
    w: np.ndarray
    dv: np.ndarray
    dw: np.ndarray
    v_nullcline: np.ndarray
    w_nullcline: np.ndarray
    threshold: float
    reset: float


def _scalars(p: NamedTuple) -> Any:
    """``p`` with every field a Python float (one neuron), or a ValueError naming the field."""
    values = {}
    for name, value in zip(p._fields, p):
        arr = np.asarray(value, dtype=np.float64)
        if arr.size != 1:
            raise ValueError(f"params.{name} must be a scalar (a phase portrait is of one "
                             f"neuron), got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"params.{name} must be finite, got {value!r}")
        values[name] = float(arr.reshape(()))
    return type(p)(**values)


def _izhikevich(p, v, w, current):
    v_null = p.sq * v * v + p.mn * v + p.bias + current
    dv = p.tau_inv * (v_null[None, :] - w[:, None])
    dw = p.tau_inv * p.a * (p.b * v[None, :] - w[:, None])
    return dv, dw, v_null, p.b * v, p.v_th, p.c


def _lif_adex(p, v, w, current):
    v_null = p.v_leak - v + p.delta_T * np.exp((v - p.v_th) / p.delta_T) + current
    w_null = p.adaptation_current * (v - p.v_leak)
    dv = p.tau_mem_inv * (v_null[None, :] - w[:, None])
    dw = p.tau_ada_inv * (w_null[None, :] - w[:, None])
    return dv, dw, v_null, w_null, p.v_th, p.v_reset


_FIELDS = {"izhikevich": _izhikevich, "lif_adex": _lif_adex}


def _range(value: Any, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {value!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, got {value!r}")
    return lo, hi


def phase_portrait(model: str, params: Any = None, *, v_range: Any, w_range: Any,
                   resolution: int | tuple[int, int] = 25, current: float = 0.0
                   ) -> PhasePortrait:
    r"""Vector field and nullclines of a two-variable family (module docstring).

    Parameters
    ----------
    model : {"izhikevich", "lif_adex"}
    params : Parameters, optional
        One neuron's parameters (scalar fields): ``IzhikevichParameters``
        (or an Izhikevich spiking behaviour) or ``LIFAdExParameters``;
        default: the family's defaults.
    v_range, w_range : (float, float)
        Extent of the grid in :math:`v` and in the second variable.
    resolution : int or (int, int)
        Grid points along ``v`` and ``w`` (>= 2 each).
    current : float
        The constant input :math:`I`.

    Returns
    -------
    PhasePortrait

    Examples
    --------
    >>> from refsnn.functional.izhikevich import tonic_spiking
    >>> pp = phase_portrait("izhikevich", tonic_spiking, v_range=(-80, 30),
    ...                     w_range=(-20, 10), current=10.0)
    >>> pp.dv.shape, float(pp.w_nullcline[0])  # u = b v at v = -80
    ((25, 25), -16.0)
    """
    descriptor = get_model(model)
    if descriptor.name not in _FIELDS:
        raise ValueError(f"phase_portrait supports {sorted(_FIELDS)}, got model {model!r}")
    p = descriptor.step_parameters(descriptor.make_parameters() if params is None else params)
    if not isinstance(p, descriptor.parameters):
        raise TypeError(f"params must be {descriptor.parameters.__name__} for model "
                        f"{model!r}, got {type(params).__name__}")
    p = _scalars(p)
    sizes = (resolution, resolution) if np.ndim(resolution) == 0 else tuple(resolution)
    if len(sizes) != 2:
        raise ValueError(f"resolution must be an int or a pair (n_v, n_w), got {resolution!r}")
    n_v, n_w = sizes
    v = np.linspace(*_range(v_range, "v_range"), count(n_v, "resolution", minimum=2))
    w = np.linspace(*_range(w_range, "w_range"), count(n_w, "resolution", minimum=2))
    if isinstance(current, bool) or not isinstance(current, (numbers.Real, np.floating)):
        raise TypeError(f"current must be a real number, got {type(current).__name__}")
    if not np.isfinite(float(current)):
        raise ValueError(f"current must be finite, got {current!r}")
    dv, dw, v_null, w_null, threshold, reset = _FIELDS[descriptor.name](p, v, w, float(current))
    return PhasePortrait(descriptor.name, v, w, dv, dw, v_null, w_null, threshold, reset)
