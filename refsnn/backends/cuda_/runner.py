"""Python side of the CUDA backends: lay out, compute products, launch the time loop.

Shared by ``cuda`` (CuPy arrays on a GPU) and ``cuda-host`` (NumPy arrays,
the host build): an *executor* supplies the array module ``xp`` and
``launch``. The driver has validated and cast everything.

* Elementwise models: one launch runs every step (time loop in the kernel).
* Recurrent layers: the input projection of all ``T`` steps is one matrix
  product (cuBLAS through CuPy; BLAS on the host); then per step the
  recurrent product :math:`W_{\\text{rec}} z_{t-1}` (dense, from the spikes
  of the previous step) and the coupling :math:`G v` for multi-compartment
  families, then a one-step launch. Products may sum in another order than
  NumPy's: results agree within rounding (the agreement suite's bound).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from refsnn.backends import layout
from refsnn.backends.cuda_ import source
from refsnn.models import Connectivity, NeuronModel


def _relu(xp, w):
    """:func:`refsnn.numerics.relu` of a weight matrix on ``xp``'s arrays (NaN kept)."""
    return xp.where(w < 0, xp.zeros((), w.dtype), w)


class _Resident:
    """An executor whose results stay where it computes them (device in, device out)."""

    def __init__(self, executor) -> None:
        self.xp = executor.xp
        self.to_array = executor.to_array
        self.launch = executor.launch

    @staticmethod
    def to_numpy(a):
        return a


def _state_rows(executor, state_leaves: list, shape: tuple, n: int, dtype):
    """The state's ``(leaves, n)`` rows as the executor's array.

    On a device, a host leaf that holds one value for every neuron (a
    broadcast view, as :func:`refsnn.simulate` builds the initial state) is
    filled there rather than copied from the host.
    """
    if not isinstance(executor, _Resident):
        return executor.to_array(layout.rows(state_leaves, shape, n, dtype))
    S = executor.xp.empty((len(state_leaves), n), dtype)
    for row, (_, leaf) in zip(S, state_leaves):
        if isinstance(leaf, np.ndarray) and not any(leaf.strides):
            row.fill(leaf.reshape(-1)[0] if leaf.size else 0)
        else:
            row.reshape(shape)[...] = executor.to_array(leaf)
    return S


def _parameters(p: NamedTuple, shape: tuple, n: int, dtype) -> tuple[np.ndarray, int]:
    """``(P, per_neuron)``: ``(leaves, n)`` rows, or ``(leaves, 1)`` when all are shared."""
    leaves = layout.leaves(p)
    if layout.uniform(leaves):
        values = [np.asarray(leaf, dtype).reshape(-1)[0] for _, leaf in leaves]
        return np.array(values or [0], dtype).reshape(-1, 1), 0
    return layout.rows(leaves, shape, n, dtype), 1


def run(executor, model: NeuronModel, inputs, state: NamedTuple, p: NamedTuple, dt: Any,
        connectivity: Connectivity, record_states: bool, neuron_shape: tuple,
        spike_dtype: np.dtype | None = None):
    """Same contract as :meth:`refsnn.backends.numpy_.NumpyBackend.run`."""
    xp = executor.xp
    recurrent = connectivity.input_weights is not None
    name = model.update_name(p, recurrent)
    dtype = np.dtype(inputs.dtype)
    shape = tuple(neuron_shape)
    steps, n = inputs.shape[0], math.prod(shape)
    state_leaves = layout.leaves(state)
    compact = spike_dtype is not None
    if not isinstance(inputs, np.ndarray):      # device inputs: results stay on the device
        executor = _Resident(executor)

    outputs = xp.empty((steps, n), np.uint8 if compact else dtype)
    S = _state_rows(executor, state_leaves, shape, n, dtype)
    if steps == 0 or n == 0:
        if record_states:
            empty = (xp.empty((steps,) + shape, dtype) for _ in state_leaves)
            return _outputs(executor, outputs, spike_dtype, steps, shape), \
                layout.rebuild(state, (executor.to_numpy(e) for e in empty))
        return _outputs(executor, outputs, spike_dtype, steps, shape), \
            layout.rebuild(state, (executor.to_numpy(row.reshape(shape)) for row in S))

    P, per_neuron = _parameters(p, shape, n, dtype)
    P = executor.to_array(P)
    rec = xp.empty((len(state_leaves), steps, n) if record_states else (1,), dtype)
    batch = math.prod(shape[:-1]) if shape else 1

    if recurrent:
        x = executor.to_array(inputs).reshape(steps * batch, inputs.shape[-1])
        w_in = executor.to_array(connectivity.input_weights)
        halves = [_relu(xp, w_in), _relu(xp, -w_in)] if model.sign_split else [w_in]
        I = xp.empty((len(halves), steps, n), dtype)
        for row, w in zip(I, halves):
            xp.matmul(x, xp.ascontiguousarray(w.T), out=row.reshape(steps * batch, -1))
    else:
        I = executor.to_array(inputs).reshape(1, steps, n)

    w_rec = connectivity.recurrent_weights if recurrent and model.takes_recurrent_weights else None
    g = connectivity.g_coupling
    if w_rec is None:
        wt = []
    else:
        w_rec = executor.to_array(w_rec)
        wt = [_relu(xp, w_rec), _relu(xp, -w_rec)] if model.sign_split else [w_rec]
    wt = [xp.ascontiguousarray(w.T) for w in wt]
    gt = xp.ascontiguousarray(executor.to_array(g).T) if g is not None else None
    products = len(wt) + (gt is not None)
    D = xp.zeros((max(products, 1), n), dtype)
    kernel = source.kernel_name(name, dtype, compact)
    scalar = dtype.type(dt)

    i64, i32 = np.int64, np.int32

    def launch(t0, t1):
        executor.launch(kernel, (I, i64(steps), i64(n), i64(t0), i64(t1), D, i64(n), S, P,
                                i32(per_neuron), scalar, outputs, rec, i32(record_states)), n)

    if products == 0:
        launch(0, steps)
    else:
        names = [leaf.rsplit(".", 1)[-1] for leaf, _ in state_leaves]
        z_row = names.index("z") if "z" in names else None
        v_row = names.index("v")
        for t in range(steps):
            for r, w in enumerate(wt):
                xp.matmul(S[z_row].reshape(batch, -1), w, out=D[r].reshape(batch, -1))
            if gt is not None:
                xp.matmul(S[v_row].reshape(batch, -1), gt, out=D[len(wt)].reshape(batch, -1))
            launch(t, t + 1)

    out = _outputs(executor, outputs, spike_dtype, steps, shape)
    if record_states:
        return out, layout.rebuild(
            state, (executor.to_numpy(r.reshape((steps,) + shape)) for r in rec))
    return out, layout.rebuild(state, (executor.to_numpy(row.reshape(shape)) for row in S))


def _outputs(executor, outputs, spike_dtype, steps: int, shape: tuple):
    """The outputs reshaped to ``(T, *shape)``; compact ones viewed as ``spike_dtype``."""
    out = outputs.reshape((steps,) + shape)
    if spike_dtype is not None:
        out = out.view(np.dtype(spike_dtype))
    return executor.to_numpy(out)
