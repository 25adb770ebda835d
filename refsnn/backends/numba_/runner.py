"""Python side of the numba backend: flatten, call one compiled loop, rebuild.

The driver has already validated and cast everything. Here the state is
copied once into a ``(fields, N)`` array, the parameters into a
``(params, 1 or N)`` array, the input projections of recurrent layers are
computed for all steps at once (one BLAS call, written straight into the
output buffer), and a single compiled loop runs every step. Outputs and
recorded states are preallocated; nothing is allocated per step.

Parallelism: the loops take a neuron range and release the GIL; large
problems are split into ``NUMBA_NUM_THREADS`` ranges (multiples of the
kernel's block for elementwise models, whole batch rows for models with
matrix products, since batch rows never interact) run on a small thread
pool. This replaces the ``prange`` of DESIGN.md: a parallel region costs
~12 ms per launch with Numba's OpenMP layer on a loaded machine (measured),
which a recurrent loop would pay every step; the threading layer is
process-global (not ours to choose); and ``parallel=True`` adds compile time
to every kernel. With a single batch row, a recurrent layer runs on one
thread, BLAS products excepted (they are threaded by BLAS).
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numba
import numpy as np
from numba import typeof, types

from refsnn._checks import is_namedtuple
from refsnn.backends.numba_ import kernels
from refsnn.backends.numba_._specs import SPECS
from refsnn.functional import reset
from refsnn.models import Connectivity, NeuronModel


def _leaves(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``(dotted name, leaf)`` of a nested NamedTuple, depth first; callables skipped."""
    out = []
    for field, value in zip(tree._fields, tree):
        if is_namedtuple(value):
            out += _leaves(value, f"{prefix}{field}.")
        elif not callable(value) and value is not None:
            out.append((prefix + field, value))
    return out


def _rebuild(template: NamedTuple, leaves) -> NamedTuple:
    """A tuple shaped like ``template`` whose array leaves come from ``leaves`` in order."""
    values = []
    for value in template:
        values.append(_rebuild(value, leaves) if is_namedtuple(value) else next(leaves))
    return type(template)(*values)


def _check_layout(what: str, model: str, got: list, expected: tuple) -> None:
    names = tuple(name for name, _ in got)
    if names != expected:
        raise RuntimeError(
            f"numba backend: {what} of model {model!r} has the numeric fields {names}, but "
            f"its kernel reads {expected} (a field that is None, or a model definition "
            "that changed without refsnn.backends.numba_)"
        )


def _readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view: kernels are compiled for read-only inputs only."""
    a = a.view()
    a.flags.writeable = False
    return a


def _state_array(leaves: list, shape: tuple, n: int, dtype) -> np.ndarray:
    s = np.empty((len(leaves), n), dtype)
    for row, (_, leaf) in zip(s, leaves):
        row.reshape(shape)[...] = leaf
    return s


def _parameter_array(leaves: list, shape: tuple, n: int, dtype) -> np.ndarray:
    """``(params, 1)`` when every parameter is a scalar, else ``(params, N)``."""
    arrays = [np.asarray(leaf, dtype) for _, leaf in leaves]
    if all(a.size == 1 for a in arrays):
        return _readonly(np.array([[a.reshape(-1)[0]] for a in arrays], dtype).reshape(-1, 1))
    p = np.empty((len(arrays), n), dtype)
    for row, a in zip(p, arrays):
        row.reshape(shape)[...] = a
    return _readonly(p)


def compiled(loop, args: tuple):
    """The compiled entry point of ``loop`` for ``args = (kind, ...)``.

    ``kind`` is typed as a string literal: compiling (or loading from the
    on-disk cache) with the literal signature directly, then calling the
    entry point, spares every call the dispatcher's detour through the
    non-literal signature (~10 ms).
    """
    key = (types.literal(args[0]),) + tuple(typeof(a) for a in args[1:])
    found = loop.overloads.get(key)
    if found is None:
        loop.compile(key)
        found = loop.overloads[key]
    return found.entry_point


#: Smallest number of neuron-steps worth a second thread.
_MIN_WORK = 1 << 16
_POOL: ThreadPoolExecutor | None = None
_POOL_PID = 0
_POOL_LOCK = threading.Lock()


def _threads() -> int:
    """Worker threads: Numba's thread count (``NUMBA_NUM_THREADS``)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def _pool() -> ThreadPoolExecutor:
    """The worker pool, created on first use (and again in a forked child)."""
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or _POOL_PID != os.getpid():
            _POOL = ThreadPoolExecutor(_threads(), thread_name_prefix="refsnn-numba")
            _POOL_PID = os.getpid()
        return _POOL


def _run_chunks(fn, args: tuple, n: int, unit: int, work: int) -> None:
    """Call ``fn(*args, lo, hi)`` on ``[0, n)`` split into multiples of ``unit``.

    The kernels release the GIL, so the chunks run in parallel on the pool
    (the first in the calling thread). Small problems run in one call.
    """
    units = -(-n // unit)
    chunks = min(_threads(), units, max(1, work // _MIN_WORK))
    if chunks <= 1:
        fn(*args, 0, n)
        return
    per = -(-units // chunks) * unit
    bounds = [(lo, min(lo + per, n)) for lo in range(0, n, per)]
    futures = [_pool().submit(fn, *args, lo, hi) for lo, hi in bounds[1:]]
    fn(*args, *bounds[0])
    for f in futures:
        f.result()


def _kind(spec, model: NeuronModel, p: Any, recurrent: bool) -> str:
    if recurrent:
        return spec.rec
    if model.name == "lif_box":
        methods = {reset.reset_value: "value", reset.reset_subtract: "subtract"}
        method = methods.get(p.reset_method)
        if method is None:
            raise ValueError(
                "the numba backend implements lif_box with reset_method = "
                "refsnn.functional.reset.reset_value or reset_subtract, got "
                f"{p.reset_method!r}; use backend='numpy' for another reset"
            )
        return f"lif_box_{method}_ff"
    return spec.ff


def _relu(w: np.ndarray) -> np.ndarray:
    return np.maximum(w, 0)


def run(model: NeuronModel, inputs: np.ndarray, state: NamedTuple, p: NamedTuple, dt: Any,
        connectivity: Connectivity, record_states: bool, neuron_shape: tuple):
    """Same contract as :meth:`refsnn.backends.numpy_.NumpyBackend.run`."""
    spec = SPECS[model.name]
    recurrent = connectivity.input_weights is not None
    dtype = inputs.dtype
    shape = tuple(neuron_shape)
    steps = inputs.shape[0]
    n = math.prod(shape)

    state_leaves = _leaves(state)
    _check_layout("the state", model.name, state_leaves,
                  spec.rec_state if recurrent else spec.ff_state)
    p_leaves = _leaves(p)
    _check_layout("p", model.name, p_leaves, spec.params)
    kind = _kind(spec, model, p, recurrent)

    outputs = np.empty((steps, n), dtype)
    if steps == 0:
        if record_states:
            empty = (np.empty((0,) + shape, dtype) for _ in state_leaves)
            return outputs.reshape((0,) + shape), _rebuild(state, empty)
        return outputs.reshape((0,) + shape), state

    s = _state_array(state_leaves, shape, n, dtype)
    params = _parameter_array(p_leaves, shape, n, dtype)
    rec = (np.empty((len(state_leaves), steps, n), dtype) if record_states
           else np.empty((0, 0, 0), dtype))
    dt = dtype.type(dt)

    batch = math.prod(shape[:-1]) if shape else 1
    if recurrent:
        # x @ W_in.T for every step at once, in place of the outputs it becomes.
        x = np.ascontiguousarray(inputs).reshape(steps * batch, inputs.shape[-1])
        w_in = connectivity.input_weights
        if spec.sign_split:
            drive = np.empty((2, steps, n), dtype)
            np.matmul(x, _relu(w_in).T, out=drive[0].reshape(steps * batch, -1))
            np.matmul(x, _relu(-w_in).T, out=drive[1].reshape(steps * batch, -1))
        else:
            np.matmul(x, w_in.T, out=outputs.reshape(steps * batch, -1))
            drive = outputs.reshape(1, steps, n)
    else:
        drive = np.ascontiguousarray(inputs).reshape(1, steps, n)
    drive = _readonly(drive)

    if n == 0:
        pass
    elif (recurrent and not spec.rec_elementwise) or model.takes_coupling:
        names = [name.rsplit(".", 1)[-1] for name, _ in state_leaves]
        g = connectivity.g_coupling
        gt = np.ascontiguousarray(g.T) if g is not None else np.empty((0, 0), dtype)
        w_rec = connectivity.recurrent_weights if recurrent else None
        if w_rec is None:
            wt = np.empty((0, 0, 0), dtype)
        elif spec.sign_split:
            wt = np.ascontiguousarray(np.stack([_relu(w_rec).T, _relu(-w_rec).T]))
        else:
            wt = np.ascontiguousarray(w_rec.T)[None]
        products = np.empty(((g is not None) + len(wt), n), dtype)
        args = (kind, drive, s, params, dt, outputs, rec, record_states, products,
                _readonly(gt), names.index("v"), _readonly(wt),
                names.index("z") if "z" in names else 0, bool(np.isfinite(wt).all()),
                shape[-1])
        loop = compiled(kernels.matrix_loop, args + (0, n))
        _run_chunks(loop, args, n, shape[-1], steps * n)
    else:
        args = (kind, drive, s, params, dt, outputs, rec, record_states,
                np.empty((0, 0), dtype))
        loop = compiled(kernels.elementwise_loop, args + (0, n))
        _run_chunks(loop, args, n, kernels.BLOCK, steps * n)

    out = outputs.reshape((steps,) + shape)
    if record_states:
        return out, _rebuild(state, (r.reshape((steps,) + shape) for r in rec))
    return out, _rebuild(state, (row.reshape(shape) for row in s))
