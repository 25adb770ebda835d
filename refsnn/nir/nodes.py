r"""NIR nodes as refsnn modules, and the discretisation of their ODEs.

Every node of a graph becomes one module of the module layer:

=============================  ==============================================================
NIR node                       refsnn module (``x``: the summed input of the node)
=============================  ==============================================================
``Input``, ``Output``          the identity
``Affine``, ``Linear``         :class:`~refsnn.module.Linear` (with / without bias)
``Scale``                      :math:`y = s \odot x`
``Threshold``                  :math:`z = H(x - \theta)`
``Flatten``                    :class:`~refsnn.module.Flatten` over the node's axes
``Conv1d``, ``Conv2d``         :class:`~refsnn.module.Conv2d` (``Conv1d`` as height 1)
``SumPool2d``, ``AvgPool2d``   :class:`~refsnn.module.AvgPool2d` (sum: divisor 1)
``LIF``                        :class:`~refsnn.module.LIFBoxCell` behind the gain :math:`R`
``LI``                         :class:`~refsnn.module.LIBoxCell` behind the gain :math:`R`
``CubaLIF``                    ``LIBoxCell`` (synapse) then ``LIFBoxCell``
``CubaLI``                     ``LIBoxCell`` (synapse) then ``LIBoxCell``
``IF``                         :class:`~refsnn.module.IAFCell` behind the gain :math:`R\,\Delta t`
``I`` (integrator)             :class:`Integrator`
``NIRGraph`` (a subgraph)      a nested :class:`~refsnn.nir.GraphNetwork`
=============================  ==============================================================

Axes: NIR describes one sample. A node acts on the trailing axes of its
input (a vector for ``Affine``, ``(C, H, W)`` for ``Conv2d`` and the pools,
``(C, L)`` for ``Conv1d``, the node's ``input_type`` for ``Flatten``, whose
``start_dim``/``end_dim`` count within the sample); any leading axes (batch,
time) are carried along. Neuron parameters broadcast against the trailing
axes.

Discretisation
--------------
Each neuron's input :math:`x_t` is taken as constant over the step
:math:`[t\Delta t, (t+1)\Delta t)` (a box of current, as Norse's importer
does), and a spike is emitted at the end of a step whose voltage exceeds
the threshold, :math:`z = H(v - v_{\text{th}})`, which resets the voltage to
:math:`v_{\text{reset}}`.

``method="euler"`` is Norse's forward Euler. For ``LIF``
(:math:`\tau \dot v = (v_{\text{leak}} - v) + R\,x`):

.. math::
    v' = v + \Delta t\,\tau^{-1}\,\bigl((R x + v_{\text{leak}}) - v\bigr)

(``LI`` the same with ``(v_leak - v) + R x``); ``CubaLIF``
(:math:`\tau_{\text{syn}} \dot I = -I + w_{\text{in}} x`, then
:math:`\tau_{\text{mem}} \dot v = (v_{\text{leak}} - v) + R I`) updates the
synapse first and drives the membrane with the *new* current:

.. math::
    I' = I + \Delta t\,\tau_{\text{syn}}^{-1}\,\bigl((0 - I) + w_{\text{in}} x\bigr),
    \qquad
    v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,\bigl((R I' + v_{\text{leak}}) - v\bigr).

These are the operations of Norse 1.1.0's ``from_nir`` (``LIFBoxCell``,
``LIBoxCell``), so a graph runs bit for bit as in Norse where Norse reads
the same parameters; Norse ignores ``R`` and ``v_reset`` of ``LIF`` and
``IF`` (exact here when they are 1 and 0) and uses ``v_leak`` also as the
leak of the ``CubaLIF`` synapse (0 here, NIR's equation; the same when
``v_leak = 0``).

``method="exact"`` integrates each linear ODE exactly over the step with
its input held. For :math:`\tau \dot v = (v_{\text{leak}} - v) + R x`,

.. math::
    v(t + \Delta t) = v + \bigl(1 - e^{-\Delta t/\tau}\bigr)\,\bigl(v_{\text{leak}} + R x - v\bigr),

which is the Euler step above with the effective rate
:math:`\tau_{\text{eff}}^{-1} = (1 - e^{-\Delta t/\tau})/\Delta t` in place of
:math:`1/\tau` — so it runs on the same families and backends. It is exact
for ``LIF``, ``LI``, ``IF`` and ``I`` between spikes, up to rounding (the
product :math:`\Delta t \cdot \tau_{\text{eff}}^{-1}` is rounded to the
working precision). For ``CubaLIF``/``CubaLI`` each of the two ODEs is
integrated exactly with *its own* input held — the synapse with
:math:`x`, the membrane with the synapse's end-of-step current
:math:`I'` — but :math:`I` decays during the step, and that coupling is not
integrated exactly: the error is first order in :math:`\Delta t/\tau_{\text{syn}}`.
Threshold crossings are detected only at the ends of steps, with either
method.

``IF`` and ``I`` (:math:`\dot v = R x`) have no leak: both methods give
:math:`v' = v + (R\,\Delta t)\,x`, exact for a held input. Norse's importer
adds :math:`x` itself (a charge per step): with
``dt=1`` and :math:`R = 1` the two agree.

Neuron parameters are derived in float64 from the graph's values
(:math:`1/\tau`, the exact rate, :math:`R\,\Delta t`) and rounded once to the
network's dtype. Weights (``Affine``, ``Linear``, convolutions) are kept as
the graph stores them and cast to the dtype of the data at each call — the
same numbers as casting them once — so that :func:`refsnn.nir.to_nir` writes
them back unchanged.
"""

from __future__ import annotations

from typing import Any, Callable

import nir
import numpy as np

from refsnn import numerics
from refsnn.module import (IAFCell, IAFParameters, LIBoxCell, LIBoxParameters, LIFBoxCell,
                           LIFBoxParameters, Lift)
from refsnn.module._base import Module, NeuronCell
from refsnn.module.layers import AvgPool2d, Conv2d, Flatten, Linear
from refsnn.nir.export import layer_to_nir

METHODS = ("euler", "exact")


def parameter(node: Any, field: str) -> np.ndarray:
    """A node's field as a float64 array (a NumPy array, a number or a CPU torch tensor)."""
    value = getattr(node, field)
    try:
        return np.asarray(value, dtype=np.float64).copy()
    except (TypeError, ValueError) as error:
        raise ValueError(f"NIR field {field!r} of a {type(node).__name__} node must be a real "
                         f"array, got {type(value).__name__}") from error


def copy_fields(node: Any, fields: tuple) -> dict:
    """Private copies of a node's array fields (their own dtype kept)."""
    return {f: np.asarray(getattr(node, f)).copy() for f in fields}


def rate(tau: np.ndarray, dt: float, method: str) -> np.ndarray:
    """The Euler rate :math:`1/\\tau` or the exact :math:`(1 - e^{-\\Delta t/\\tau})/\\Delta t`."""
    if method == "euler":
        return 1.0 / tau
    return (1.0 - numerics.exp(-dt / tau)) / dt


# --------------------------------------------------------------------------- stateless

class ItemLayer(Module):
    """A stateless layer applied to the trailing ``item_ndim`` axes of its input.

    Leading axes (batch, time) are merged into one for the layer and split
    again afterwards; ``to_nir`` rebuilds the NIR node.
    """

    def __init__(self, layer: Callable, item_ndim: int, to_nir: Callable, name: str):
        self.layer = layer
        self.item_ndim = item_ndim
        self._export = to_nir
        self.name = name

    def forward(self, x: Any) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim < self.item_ndim:
            raise ValueError(f"NIR node {self.name!r} needs inputs with at least "
                             f"{self.item_ndim} axes, got shape {x.shape}")
        lead = x.shape[:x.ndim - self.item_ndim]
        out = self.layer(x.reshape((-1,) + x.shape[len(lead):]))
        return out.reshape(lead + out.shape[1:])

    def to_nir(self) -> nir.NIRNode:
        return self._export()

    def extra_repr(self) -> str:
        return f"{self.name!r}, {self.layer!r}"


class Elementwise(Module):
    """``Scale`` (:math:`y = s \\odot x`) or ``Threshold`` (:math:`z = H(x - \\theta)`)."""

    def __init__(self, node: Any, dtype: np.dtype):
        self.kind = type(node)
        field = "scale" if self.kind is nir.Scale else "threshold"
        self.fields = copy_fields(node, (field,))
        self.value = parameter(node, field).astype(dtype)

    def forward(self, x: Any) -> np.ndarray:
        x = np.asarray(x)
        value = self.value.astype(x.dtype, copy=False)
        if self.kind is nir.Scale:
            return x * value
        return numerics.heaviside(x - value)

    def to_nir(self) -> nir.NIRNode:
        return self.kind(**{k: v.copy() for k, v in self.fields.items()})

    def extra_repr(self) -> str:
        return self.kind.__name__


# --------------------------------------------------------------------------- neurons

class Integrator(Module):
    """NIR's integrator ``I``: :math:`v' = v + x` (the gain :math:`R\\Delta t` is applied before).

    ``out, v = integrator(x, v)``; the output is the new :math:`v`, the
    initial state zero. A sequence accumulates in time order
    (``np.add.accumulate``), the same sums as step by step.
    """

    def forward(self, x: Any, state: Any = None):
        x = np.asarray(x)
        v = x.copy() if state is None else state + x
        return v, v

    def sequence(self, xs: Any, state: Any = None):
        xs = np.asarray(xs)
        if state is not None:
            xs = np.concatenate([np.broadcast_to(state, xs.shape[1:])[None], xs])
        vs = np.add.accumulate(xs, axis=0)
        vs = vs[1:] if state is not None else vs
        return vs, (vs[-1] if len(vs) else state)


class NeuronNode(Module):
    """A NIR neuron node: stages ``(gain, cell)`` run in series, each with its own state.

    A stage multiplies its input by ``gain`` (elementwise, in the input's
    dtype) and steps its cell; ``out, state = node(x, state)`` with
    ``state`` a tuple (one entry per stage, None to start afresh). :meth:`sequence` runs each
    stage over a whole sequence (time on axis 0) in one fused call.
    """

    def __init__(self, node: Any, fields: tuple, stages: list):
        self.kind = type(node)
        self.fields = copy_fields(node, fields)
        self.stages = stages

    def _run(self, x: Any, state: Any, step: Callable):
        states = (None,) * len(self.stages) if state is None else state
        new = []
        for (gain, cell), s in zip(self.stages, states):
            x = np.asarray(x)
            x, s = step(cell, x * gain.astype(x.dtype, copy=False), s)
            new.append(s)
        return x, tuple(new)

    def forward(self, x: Any, state: Any = None):
        return self._run(x, state, lambda cell, x, s: cell(x, s))

    def sequence(self, xs: Any, state: Any = None):
        return self._run(xs, state, _sequence)

    def to_nir(self) -> nir.NIRNode:
        return self.kind(**{k: v.copy() for k, v in self.fields.items()})

    def extra_repr(self) -> str:
        return f"{self.kind.__name__}: " + ", ".join(repr(cell) for _, cell in self.stages)


def _sequence(cell: Any, xs: np.ndarray, state: Any):
    """Run ``cell`` over ``xs`` (time on axis 0): fused for neuron cells."""
    if isinstance(cell, NeuronCell):
        return Lift(cell)((xs, state))
    return cell.sequence(xs, state)


def _neuron(node: Any, dt: float, method: str, backend: str | None, dtype: np.dtype):
    """The :class:`NeuronNode` of a NIR neuron node (see the module docstring)."""
    p = lambda field: parameter(node, field)  # noqa: E731
    cast = lambda value: np.asarray(value, np.float64).astype(dtype)  # noqa: E731

    def box(tau, v_leak, spiking):
        if spiking:
            return LIFBoxCell(LIFBoxParameters(tau_mem_inv=cast(rate(tau, dt, method)),
                                               v_leak=cast(v_leak),
                                               v_th=cast(p("v_threshold")),
                                               v_reset=cast(p("v_reset"))),
                              dt=dt, backend=backend)
        return LIBoxCell(LIBoxParameters(tau_mem_inv=cast(rate(tau, dt, method)),
                                         v_leak=cast(v_leak)), dt=dt, backend=backend)

    kind = type(node)
    if kind in (nir.LIF, nir.LI):
        spiking = kind is nir.LIF
        fields = ("tau", "r", "v_leak") + (("v_threshold", "v_reset") if spiking else ())
        stages = [(cast(p("r")), box(p("tau"), p("v_leak"), spiking))]
    elif kind in (nir.CubaLIF, nir.CubaLI):
        spiking = kind is nir.CubaLIF
        fields = (("tau_syn", "tau_mem", "r", "v_leak")
                  + (("v_threshold", "v_reset") if spiking else ()) + ("w_in",))
        stages = [(cast(p("w_in")), box(p("tau_syn"), 0.0, False)),
                  (cast(p("r")), box(p("tau_mem"), p("v_leak"), spiking))]
    elif kind is nir.IF:
        fields = ("r", "v_threshold", "v_reset")
        cell = IAFCell(IAFParameters(v_th=cast(p("v_threshold")), v_reset=cast(p("v_reset"))),
                       dt=dt, backend=backend)
        stages = [(cast(p("r") * dt), cell)]
    else:  # nir.I
        fields = ("r",)
        stages = [(cast(p("r") * dt), Integrator())]
    return NeuronNode(node, fields, stages)


# --------------------------------------------------------------------------- layers

def _ints(value: Any, count: int, field: str, name: str) -> tuple:
    """An int or a sequence of ints (NumPy arrays too) as a tuple of ``count`` Python ints."""
    items = np.atleast_1d(np.asarray(value)).ravel()
    if items.dtype.kind not in "iu" or len(items) not in (1, count):
        raise ValueError(f"NIR node {name!r}: {field} must be an int or {count} ints, "
                         f"got {value!r}")
    return tuple(int(v) for v in np.broadcast_to(items, (count,)))


def _padding(value: Any, count: int, name: str) -> Any:
    if isinstance(value, (str, bytes)):
        return value.decode() if isinstance(value, bytes) else value
    return _ints(value, count, "padding", name)


def _array(node: Any, field: str, ndim: int | None, name: str) -> np.ndarray:
    """A copy of a weight field in its own float dtype (cast to the input's at each call)."""
    value = np.asarray(getattr(node, field))
    checked = parameter(node, field)
    if ndim is not None and checked.ndim != ndim:
        raise ValueError(f"NIR node {name!r} ({type(node).__name__}): {field} must be "
                         f"{ndim}-D, got shape {checked.shape}")
    return value.copy() if value.dtype.kind == "f" else checked


def _shape(node: Any) -> tuple | None:
    """The node's input shape (one sample), or None when the graph does not give it."""
    shape = (node.input_type or {}).get("input")
    return None if shape is None or np.size(shape) == 0 else tuple(int(s) for s in shape)


def _affine(node: Any, name: str) -> ItemLayer:
    weight = _array(node, "weight", 2, name)
    has_bias = isinstance(node, nir.Affine)
    layer = Linear(weight.shape[1], weight.shape[0], bias=has_bias)
    layer.weight = weight
    if has_bias:
        layer.bias = _array(node, "bias", None, name).reshape(weight.shape[0])
    return ItemLayer(layer, 1, lambda: layer_to_nir(layer, None), name)


def _conv(node: Any, name: str) -> ItemLayer:
    one_d = isinstance(node, nir.Conv1d)
    weight = _array(node, "weight", 3 if one_d else 4, name)
    count = 1 if one_d else 2
    stride = _ints(node.stride, count, "stride", name)
    dilation = _ints(node.dilation, count, "dilation", name)
    padding = _padding(node.padding, count, name)
    groups = int(np.asarray(node.groups))
    if one_d:
        weight = weight[:, :, None, :]
        stride, dilation = (1,) + stride, (1,) + dilation
        padding = padding if isinstance(padding, str) else (0,) + padding
    layer = Conv2d(weight.shape[1] * groups, weight.shape[0], weight.shape[2:], stride=stride,
                   padding=padding, dilation=dilation, groups=groups)
    layer.weight = weight
    layer.bias = _array(node, "bias", None, name).reshape(weight.shape[0])
    if not one_d:
        shape = _shape(node)
        return ItemLayer(layer, 3, lambda: layer_to_nir(layer, shape), name)

    def conv1d(x):
        return layer(x[:, :, None, :])[:, :, 0, :]

    return ItemLayer(conv1d, 2, lambda: _conv1d_to_nir(layer, _shape(node)), name)


def _conv1d_to_nir(layer: Conv2d, shape: tuple | None) -> nir.Conv1d:
    padding = layer.padding if isinstance(layer.padding, str) else layer.padding[1]
    return nir.Conv1d(input_shape=None if shape is None else shape[1],
                      weight=layer.weight[:, :, 0, :].copy(), stride=layer.stride[1],
                      padding=padding, dilation=layer.dilation[1], groups=layer.groups,
                      bias=layer.bias.copy())


def _pool(node: Any, name: str) -> ItemLayer:
    kernel = _ints(node.kernel_size, 2, "kernel_size", name)
    stride = _ints(node.stride, 2, "stride", name)
    padding = _ints(node.padding, 2, "padding", name)
    divisor = 1 if isinstance(node, nir.SumPool2d) else None
    layer = AvgPool2d(kernel, stride, padding, divisor_override=divisor)
    return ItemLayer(layer, 3, lambda: layer_to_nir(layer, None), name)


def _flatten(node: Any, name: str) -> ItemLayer:
    shape = _shape(node)
    if shape is None:
        raise ValueError(f"NIR node {name!r} (Flatten) has no input_type: refsnn needs the "
                         f"shape of one sample to tell its axes from the batch axes")
    ndim = len(shape)
    dims = []
    for field in ("start_dim", "end_dim"):
        dim = int(np.asarray(getattr(node, field)))
        if not -ndim <= dim < ndim:
            raise ValueError(f"NIR node {name!r} (Flatten): {field}={dim} is out of range for "
                             f"its input of shape {shape}")
        dims.append(dim % ndim + 1)     # the layer sees (merged leading axes, *sample)
    layer = Flatten(*dims)
    start, end = int(np.asarray(node.start_dim)), int(np.asarray(node.end_dim))
    return ItemLayer(layer, ndim,
                     lambda: nir.Flatten(input_type={"input": np.array(shape)},
                                         start_dim=start, end_dim=end), name)


LAYERS = {nir.Affine: _affine, nir.Linear: _affine, nir.Conv1d: _conv, nir.Conv2d: _conv,
          nir.SumPool2d: _pool, nir.AvgPool2d: _pool, nir.Flatten: _flatten}
NEURONS = (nir.LIF, nir.LI, nir.CubaLIF, nir.CubaLI, nir.IF, nir.I)
SUPPORTED = ("Input", "Output", "NIRGraph", "Scale", "Threshold",
             *(k.__name__ for k in LAYERS), *(k.__name__ for k in NEURONS))


def node_module(name: str, node: Any, dt: float, method: str, backend: str | None,
                dtype: np.dtype) -> Any:
    """The refsnn module of the NIR node ``node`` called ``name`` (not Input/Output/NIRGraph)."""
    kind = type(node)
    if kind in LAYERS:
        return LAYERS[kind](node, name)
    if kind in (nir.Scale, nir.Threshold):
        return Elementwise(node, dtype)
    if kind in NEURONS:
        return _neuron(node, dt, method, backend, dtype)
    raise ValueError(f"NIR node {name!r} of type {kind.__name__} is not supported by "
                     f"refsnn.nir (supported: {', '.join(sorted(SUPPORTED))})")
