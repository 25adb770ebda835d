r"""The versioned conformance cases.

Every case is built from fixed numbers: the random parts (per-neuron
parameters, initial states, input currents and spikes) come from
:func:`refsnn.random.uniform` — Philox4x32-10 keyed by a hash of the case's
name, identical on every machine and NumPy version — drawn in float64 and
rounded once to the case's dtype. A case id ``"<family>/<name>/<dtype>"``
therefore means the same data for as long as :data:`VERSION` stays the
same; a change to any case's data (or a case removed) bumps it.

Cases of every family (``float32`` and ``float64`` each)
---------------------------------------------------------
``default``
    Norse's default parameters and initial state, a noisy constant current
    that makes the neurons fire (the leaky integrators settle above rest).
``random``
    Heterogeneous neurons: every parameter a per-neuron array around its
    default, a random initial state, a noisy current.
``recurrent``
    The family's recurrent step: 0/1 input spikes through input weights,
    the neurons' own spikes through recurrent weights. The weights are
    multiples of 1/8, so every matrix product is exact in float32.

Edge cases
----------
``iaf/threshold``, ``lif_box/threshold``, ``lif/threshold``
    Voltages that land *exactly* on the threshold, built from dyadic numbers
    (:math:`\Delta t = 2^{-10}`, :math:`\Delta t / \tau = 1/2`) so that the
    arithmetic is exact in both dtypes: :math:`v = v_{\text{th}}` must not
    spike (Norse's Heaviside :math:`H(x) = [x > 0]`), one ulp above must.
    Some neurons sit on the threshold for the whole run.
``lif_box/subtract``
    The subtractive reset (:func:`refsnn.functional.reset.reset_subtract`).
``lif_refrac/refractory``, ``lif_adex_refrac/refractory``, ``lif_mc_refrac/refractory``
    Strong drive, so that each neuron fires again on the first step its
    refractory period allows; ``rho_reset`` per neuron from 0 to 8 steps.
``lif/long``, ``lif_adex/long``, ``izhikevich/long``
    20,000 steps (``long=True``; left out unless asked for).
"""

from __future__ import annotations

import math
import zlib
from typing import Any, Callable, Iterable, NamedTuple

import numpy as np

from refsnn import random as philox
from refsnn._checks import is_namedtuple
from refsnn.conformance.case import Case
from refsnn.functional import reset
from refsnn.functional.iaf import IAFFeedForwardState, IAFParameters
from refsnn.functional.lif import LIFFeedForwardState, LIFParameters
from refsnn.functional.lif_box import LIFBoxFeedForwardState, LIFBoxParameters
from refsnn.models import MODELS, Connectivity, NeuronModel

__all__ = ["VERSION", "DTYPES", "cases", "get_case", "case_ids"]

#: Version of the suite: the data behind every case id. Bumped on any change.
VERSION = "1"
#: The dtypes every case comes in.
DTYPES = ("float32", "float64")
#: Neurons and steps of an ordinary case; input spike trains of a recurrent case.
NEURONS, STEPS, INPUTS = 8, 100, 6
#: Steps of a ``long`` case.
LONG_STEPS = 20_000
#: Mean input per step of the ``default`` and ``random`` cases.
CURRENT = {"izhikevich": 10.0, "coba_lif": 5.0, "iaf": 0.05, "lif_box": 1.5}
FALLBACK_CURRENT = 0.5
#: Scale of the input weights of a ``recurrent`` case (powers of two: exact products);
#: the recurrent weights are a quarter of it.
WEIGHT_SCALE = {"iaf": 0.25, "coba_lif": 32.0, "izhikevich": 16.0, "lsnn": 2.0, "ada_lif": 2.0}
#: Strength of the compartment coupling (Norse's lif_mc_refrac omits dt: keep it stable).
COUPLING_SCALE = {"lif_mc_refrac": 2.0**-8}
#: Typical size of a voltage excursion, for random initial states.
VOLTAGE_SCALE = {"coba_lif": 10.0, "izhikevich": 10.0}


class _Draw:
    """Uniform float64 numbers in ``[low, high)`` from Philox, keyed by a name and a counter."""

    def __init__(self, name: str):
        self.name, self.count = name, 0

    def __call__(self, low: float, high: float, shape: tuple) -> np.ndarray:
        seed = zlib.crc32(f"refsnn.conformance/{self.name}/{self.count}".encode())
        self.count += 1
        u = philox.uniform(seed, 0, math.prod(shape), np.float64).reshape(shape)
        return low + (high - low) * u


class _Data(NamedTuple):
    """A case's numbers in float64, before they are cast to the case's dtype."""

    inputs: np.ndarray
    p: Any
    state: Any
    dt: float = 1e-3
    connectivity: Connectivity = Connectivity()


# --------------------------------------------------------------------------- building blocks
def _defaults(model: NeuronModel, recurrent: bool) -> tuple[Any, Any]:
    """Norse's default parameters (the step's tuple) and initial state of ``NEURONS`` neurons."""
    p = model.make_parameters()
    state = model.initial_state(p, (NEURONS,), np.dtype(np.float64), recurrent)
    return model.step_parameters(p), state


def _jitter(p: Any, draw: _Draw) -> Any:
    """Per-neuron parameters around ``p``: offsets for zero voltages, +-10 % for the rest."""
    values = []
    for name, value in zip(p._fields, p):
        if is_namedtuple(value):
            values.append(_jitter(value, draw))
        elif callable(value):
            values.append(value)
        elif name == "rho_reset":
            values.append(np.floor(draw(1, 7, (NEURONS,))))
        elif value == 0 and name in ("v_leak", "v_reset"):
            values.append(draw(-0.1, 0.1, (NEURONS,)))
        else:
            values.append(value * draw(0.9, 1.1, (NEURONS,)))
    return type(p)(*values)


def _random_state(state: Any, draw: _Draw, scale: float) -> Any:
    """A random state near Norse's initial ``state``, field by field."""
    values = []
    for name, value in zip(state._fields, state):
        if is_namedtuple(value):
            values.append(_random_state(value, draw, scale))
            continue
        value = np.asarray(value, np.float64)
        offsets = {"v": (-0.3 * scale, 0.9 * scale), "i": (-1, 1), "a": (0, 0.1), "b": (0, 0.2),
                   "g_e": (0, 1), "g_i": (0, 1), "u": (-1, 1), "rho": (0, 4)}
        if name in offsets:
            value = value + draw(*offsets[name], value.shape)
            if name == "rho":
                value = np.floor(value)
        values.append(value)
    return type(state)(*values)


def _current(draw: _Draw, mean: float, steps: int) -> np.ndarray:
    """A constant ``mean`` plus uniform noise of +-50 % of it, shape ``(steps, NEURONS)``."""
    return mean * (1 + draw(-0.5, 0.5, (steps, NEURONS)))


def _chain(scale: float) -> np.ndarray:
    """Nearest-neighbour coupling of ``NEURONS`` compartments (rows sum to zero)."""
    g = np.zeros((NEURONS, NEURONS))
    k = np.arange(NEURONS - 1)
    g[k, k + 1] = g[k + 1, k] = scale
    g[np.diag_indices(NEURONS)] = -g.sum(axis=1)
    return g


def _coupling(model: NeuronModel, draw: _Draw | None) -> np.ndarray | None:
    if not model.takes_coupling:
        return None
    scale = COUPLING_SCALE.get(model.name, 1.0)
    if draw is None:
        return _chain(scale)
    g = np.round(draw(0, 1, (NEURONS, NEURONS)) * 8) / 8 * scale
    g[np.diag_indices(NEURONS)] = 0
    g[np.diag_indices(NEURONS)] = -g.sum(axis=1)
    return g


# --------------------------------------------------------------------------- the kinds
def _default(model: NeuronModel, draw: _Draw, steps: int = STEPS) -> _Data:
    p, state = _defaults(model, False)
    x = _current(draw, CURRENT.get(model.name, FALLBACK_CURRENT), steps)
    return _Data(x, p, state, connectivity=Connectivity(g_coupling=_coupling(model, None)))


def _random(model: NeuronModel, draw: _Draw, steps: int = STEPS) -> _Data:
    p, state = _defaults(model, False)
    state = _random_state(state, draw,
                          VOLTAGE_SCALE.get(model.name, 1.0))
    x = _current(draw, CURRENT.get(model.name, FALLBACK_CURRENT), steps)
    return _Data(x, _jitter(p, draw), state,
                 connectivity=Connectivity(g_coupling=_coupling(model, draw)))


def _recurrent(model: NeuronModel, draw: _Draw) -> _Data:
    p, state = _defaults(model, True)
    state = _random_state(state, draw,
                          VOLTAGE_SCALE.get(model.name, 1.0))
    spikes = (draw(0, 1, (STEPS, INPUTS)) < 0.2).astype(np.float64)
    scale = WEIGHT_SCALE.get(model.name, 1.0)
    w_in = np.round(draw(-1, 2, (NEURONS, INPUTS)) * 8) / 8 * scale
    w_rec = None
    if model.takes_recurrent_weights:
        w_rec = np.round(draw(-1, 1, (NEURONS, NEURONS)) * 8) / 8 * (scale / 4)
    return _Data(spikes, _jitter(p, draw), state,
                 connectivity=Connectivity(w_in, w_rec, _coupling(model, draw)))


#: dt and 1/tau of the threshold cases: dt / tau = 1/2 exactly in both dtypes.
_DYADIC_DT, _DYADIC_RATE = 2.0**-10, 2.0**9


def _columns(*columns: Iterable[float], steps: int = 12) -> np.ndarray:
    """Inputs ``(steps, len(columns))``: each column's values, then its last value repeated."""
    x = np.zeros((steps, len(columns)))
    for k, values in enumerate(columns):
        values = list(values)
        x[:len(values), k] = values
        x[len(values):, k] = values[-1]
    return x


def _iaf_threshold(dtype: np.dtype) -> _Data:
    above, below = np.nextafter(dtype.type(1), dtype.type(2)), np.nextafter(dtype.type(1),
                                                                               dtype.type(0))
    # v = 0.25 k, 0.5 k reach 1 exactly; 1 stays on the threshold; one ulp above/below.
    x = _columns([0.25], [0.5], [1.0, 0.0], [float(above), 0.0], [float(below), 0.0])
    p = IAFParameters(v_th=1.0, v_reset=0.0)
    return _Data(x, p, IAFFeedForwardState(np.zeros(x.shape[1])))


def _lif_box_threshold(dtype: np.dtype) -> _Data:
    ulp = float(np.spacing(dtype.type(2)))
    # v' = v + (x - v) / 2: 0 -> 1 (stays), 0.5 with x = 1.5 -> 1 forever, 2 + 2 ulp -> above.
    x = _columns([2.0], [1.5], [2.0 + ulp], [1.0])
    v = np.array([0.0, 0.5, 0.0, 1.0])
    p = LIFBoxParameters(tau_mem_inv=_DYADIC_RATE, v_leak=0.0, v_th=1.0, v_reset=0.0)
    return _Data(x, p, LIFBoxFeedForwardState(v), dt=_DYADIC_DT)


def _lif_threshold(dtype: np.dtype) -> _Data:
    ulp = float(np.spacing(dtype.type(2)))
    # The input jumps i first; v' = v + (i - v) / 2 (v_leak = 0), then i halves.
    # v = 1, i + x = 1 is a fixed point on the threshold; i + x = 2 lands on it from v = 0.
    x = _columns([0.5], [0.5], [0.5], [1.0])
    v = np.array([0.0, 1.0, 0.0, 0.0])
    i = np.array([1.5, 0.5, 1.5 + ulp, 1.0])
    p = LIFParameters(tau_syn_inv=_DYADIC_RATE, tau_mem_inv=_DYADIC_RATE, v_leak=0.0,
                      v_th=1.0, v_reset=0.0)
    return _Data(x, p, LIFFeedForwardState(v, i), dt=_DYADIC_DT)


def _refractory(model: NeuronModel, draw: _Draw) -> _Data:
    p, state = _defaults(model, False)
    p = p._replace(rho_reset=np.array([0, 1, 2, 3, 4, 5, 6, 8], np.float64))
    x = _current(draw, 20.0, 60)
    return _Data(x, p, state, connectivity=Connectivity(g_coupling=_coupling(model, None)))


def _subtract(model: NeuronModel, draw: _Draw) -> _Data:
    data = _random(model, draw)
    p = data.p._replace(v_leak=0.0, reset_method=reset.reset_subtract)
    return data._replace(p=p)


def _long(kind: Callable) -> Callable:
    return lambda model, draw: kind(model, draw, LONG_STEPS)


# --------------------------------------------------------------------------- the table
class _Kind(NamedTuple):
    name: str
    description: str
    build: Callable  # (model, draw) -> _Data, or (dtype) -> _Data with ``by_dtype``
    families: tuple[str, ...]
    long: bool = False
    by_dtype: bool = False


_FEED_FORWARD = tuple(n for n, m in MODELS.items() if m.feed_forward_step is not None)
_RECURRENT = tuple(n for n, m in MODELS.items() if m.recurrent_step is not None)

KINDS: tuple[_Kind, ...] = (
    _Kind("default", "Norse's default parameters and initial state, noisy constant current",
          _default, _FEED_FORWARD),
    _Kind("random", "per-neuron parameters, random initial state, noisy current",
          _random, _FEED_FORWARD),
    _Kind("recurrent", "recurrent step: input spikes, dyadic input and recurrent weights, "
          "per-neuron parameters", _recurrent, _RECURRENT),
    _Kind("threshold", "voltages exactly at the threshold must not spike; one ulp above must",
          _iaf_threshold, ("iaf",), by_dtype=True),
    _Kind("threshold", "voltages exactly at the threshold must not spike; one ulp above must",
          _lif_box_threshold, ("lif_box",), by_dtype=True),
    _Kind("threshold", "voltages exactly at the threshold must not spike; one ulp above must",
          _lif_threshold, ("lif",), by_dtype=True),
    _Kind("subtract", "subtractive reset, per-neuron parameters, v_leak = 0",
          _subtract, ("lif_box",)),
    _Kind("refractory", "strong drive: each neuron fires on the first step its refractory "
          "period (0 to 8 steps) allows", _refractory,
          ("lif_refrac", "lif_adex_refrac", "lif_mc_refrac")),
    _Kind("long", f"{LONG_STEPS} steps of the random case", _long(_random),
          ("lif", "lif_adex"), long=True),
    _Kind("long", f"{LONG_STEPS} steps of the default case", _long(_default),
          ("izhikevich",), long=True),
)


def _cast(tree: Any, dtype: np.dtype) -> Any:
    """``tree`` with every number an array of ``dtype`` (callables kept)."""
    if is_namedtuple(tree):
        return type(tree)(*(_cast(v, dtype) for v in tree))
    if tree is None or callable(tree):
        return tree
    return np.asarray(tree, dtype=dtype)


def _build(kind: _Kind, family: str, dtype: str) -> Case:
    model, dt_ = MODELS[family], np.dtype(dtype)
    data = kind.build(dt_) if kind.by_dtype else kind.build(model, _Draw(f"{family}/{kind.name}"))
    conn = data.connectivity
    return Case(
        id=f"{family}/{kind.name}/{dtype}", family=family, description=kind.description,
        inputs=_cast(data.inputs, dt_), p=_cast(data.p, dt_), state=_cast(data.state, dt_),
        dt=data.dt, input_weights=_cast(conn.input_weights, dt_),
        recurrent_weights=_cast(conn.recurrent_weights, dt_),
        g_coupling=_cast(conn.g_coupling, dt_), long=kind.long)


def case_ids(long: bool = False) -> list[str]:
    """The ids of the suite (with ``long``: the long cases too), in order."""
    return [f"{family}/{kind.name}/{dtype}" for kind in KINDS if long or not kind.long
            for family in kind.families for dtype in DTYPES]


def cases(families: str | Iterable[str] | None = None, *, dtypes: Iterable[str] = DTYPES,
          long: bool = False) -> list[Case]:
    """The conformance cases, built fresh.

    Parameters
    ----------
    families : str or iterable of str, optional
        Only these families (default: all).
    dtypes : iterable of str
        ``"float32"`` and/or ``"float64"``.
    long : bool
        Include the long cases (:data:`LONG_STEPS` steps each).

    Returns
    -------
    list of Case
        By kind, then family, then dtype.

    Raises
    ------
    ValueError
        An unknown family or dtype.
    """
    wanted = _families(families)
    dtypes = tuple(dtypes)
    for dtype in dtypes:
        if dtype not in DTYPES:
            raise ValueError(f"dtypes: expected 'float32' or 'float64', got {dtype!r}")
    return [_build(kind, family, dtype) for kind in KINDS if long or not kind.long
            for family in kind.families if family in wanted for dtype in dtypes]


def _families(families: str | Iterable[str] | None) -> set[str]:
    if families is None:
        return set(MODELS)
    wanted = {families} if isinstance(families, str) else set(families)
    unknown = wanted - set(MODELS)
    if unknown:
        raise ValueError(f"families: unknown {sorted(unknown)}; known: {', '.join(MODELS)}")
    return wanted


def get_case(case_id: str) -> Case:
    """The case with this id (long cases included).

    Raises
    ------
    ValueError
        No such id; the message lists the ids of the same family.
    """
    if not isinstance(case_id, str):
        raise TypeError(f"case_id must be a str, got {type(case_id).__name__}")
    family, _, rest = case_id.partition("/")
    name, _, dtype = rest.partition("/")
    for kind in KINDS:
        if kind.name == name and family in kind.families and dtype in DTYPES:
            return _build(kind, family, dtype)
    same = [i for i in case_ids(long=True) if i.startswith(family + "/")]
    raise ValueError(f"no conformance case {case_id!r} (suite version {VERSION}); "
                     + (f"the cases of {family}: {', '.join(same)}" if same else
                        "ids are '<family>/<name>/<dtype>', see refsnn.conformance.case_ids()"))
