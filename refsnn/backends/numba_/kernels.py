"""The numba backend's two time loops: generic machinery around the reference's update.

There is no model arithmetic here. A loop gathers one neuron's scalars into
the family's State and Parameters NamedTuples, calls the reference update
(``refsnn.models.NeuronModel.updates``, compiled from :mod:`refsnn.functional`
by :mod:`.compiling`) and scatters the new state back.

Layout (built by :mod:`.runner`):

* ``S`` — the state, shape ``(leaves, N)``: the State's array leaves in field
  order (nested tuples depth first), batch and neuron axes flattened into
  ``N``. Updated in place (a private copy). ``s_like`` is a State of scalars
  with the same structure: it carries the structure into compiled code.
* ``P``/``p_like`` — the parameters: ``p_like`` is the Parameters tuple of
  scalars (callable fields as ``None``); when some parameter differs per
  neuron, ``P`` holds every leaf per neuron, shape ``(leaves, N)``, else
  ``P`` has shape ``(leaves, 0)`` and ``p_like`` is used as it is.
* ``I`` — per-step drives known in advance, shape ``(k, T, N)``: the input
  ``x`` (feed-forward) or the projections :math:`W_{\\text{in}} x` of every
  step (recurrent; two for sign-split families).
* ``D`` — per-step products, shape ``(k, N)``: the recurrent drives
  :math:`W_{\\text{rec}} z_{t-1}`, then the coupling :math:`G v`, computed at
  the start of each step from the state before it.

The update is called as ``update(state, *I[:, t, j], *D[:, j], p, dt)``
(the contract of :mod:`refsnn.models`). It is chosen by the string literal
``kind`` (a key of ``NeuronModel.updates``), resolved at compile time: each
compiled loop is specialised to one update and one dtype, and the literal is
part of the on-disk cache key.

The loops take a neuron range ``lo:hi`` and release the GIL; the runner
splits large problems over threads. The elementwise loop works in blocks of
:data:`BLOCK` neurons with the time loop inside each block (its state stays
in cache); its inner loop is unit-stride over row views, with no calls left
after inlining, so LLVM vectorises it.
"""

from __future__ import annotations

import numpy as np
from numba import literally, njit, types
from numba.extending import overload

from refsnn.backends.numba_.compiling import JIT_OPTIONS, compile_reference
from refsnn.models import MODELS

#: Neurons per block of the elementwise loop.
BLOCK = 1024

#: Update name -> the reference's update, compiled; and its drive counts.
UPDATES = {name: compile_reference(update)
           for model in MODELS.values() for name, update in model.updates().items()}
DRIVES = {
    name: model.drives(recurrent="/recurrent" in name)
    for model in MODELS.values() for name in model.updates()
}


def _counts(kind: str) -> tuple[int, int]:
    """``(rows of I, rows of D)`` that the update ``kind`` reads."""
    inputs = sum(1 for drive in DRIVES[kind] if drive.startswith("input"))
    return inputs, len(DRIVES[kind]) - inputs


# --------------------------------------------------------------------------- generated helpers
# Numba cannot build a tuple of run-time length; these helpers are generated
# at compile time from the NamedTuple types and the update's drive counts.

def _source(args: str, body: str, namespace: dict | None = None):
    """Compile ``def f(args): body`` (``body`` a list of lines) in ``namespace``."""
    namespace = dict(namespace or {})
    exec("def f(" + args + "):\n" + "".join(f"    {line}\n" for line in body), namespace)
    return namespace["f"]


def _leaf_paths(nt, prefix="value") -> list[str]:
    """Attribute paths of the numeric leaves of a NamedTuple type (``None`` fields skipped)."""
    paths = []
    for field, ty in zip(nt.fields, nt.types):
        if isinstance(ty, types.BaseNamedTuple):
            paths += _leaf_paths(ty, f"{prefix}.{field}")
        elif not isinstance(ty, types.NoneType):
            paths.append(f"{prefix}.{field}")
    return paths


def _constructor(nt, leaf: str, counter, namespace: dict) -> str:
    """Source building a NamedTuple like ``nt`` whose k-th leaf is ``leaf.format(k)``."""
    name = f"C{len(namespace)}"
    namespace[name] = nt.instance_class
    items = []
    for ty in nt.types:
        if isinstance(ty, types.BaseNamedTuple):
            items.append(_constructor(ty, leaf, counter, namespace))
        elif isinstance(ty, types.NoneType):
            items.append("None")
        else:
            items.append(leaf.format(next(counter)))
    return f"{name}({', '.join(items)})"


def _rows(A, like, lo, hi):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_rows, inline="always")
def _rows_overload(A, like, lo, hi):
    """``(A[0, lo:hi], A[1, lo:hi], ...)``, one row per leaf of the NamedTuple ``like``."""
    n = len(_leaf_paths(like))
    return _source("A, like, lo, hi", ["return (" + "".join(
        f"A[{k}, lo:hi], " for k in range(n)) + ")"])


def _drive_rows(kind, I, D, t, lo, hi):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_drive_rows, inline="always")
def _drive_rows_overload(kind, I, D, t, lo, hi):
    """The row views of the drives of step ``t``: ``I[:, t, lo:hi]`` then ``D[:, lo:hi]``."""
    if not isinstance(kind, types.StringLiteral):
        return None
    inputs, products = _counts(kind.literal_value)
    rows = [f"I[{k}, t, lo:hi], " for k in range(inputs)]
    rows += [f"D[{k}, lo:hi], " for k in range(products)]
    return _source("kind, I, D, t, lo, hi", ["return (" + "".join(rows) + ")"])


def _gather(like, rows, j):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_gather, inline="always")
def _gather_overload(like, rows, j):
    """A NamedTuple like ``like`` whose leaves are ``rows[k][j]``."""
    namespace: dict = {}
    expr = _constructor(like, "rows[{}][j]", iter(range(10**6)), namespace)
    return _source("like, rows, j", [f"return {expr}"], namespace)


def _scatter(rows, j, value):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_scatter, inline="always")
def _scatter_overload(rows, j, value):
    """``rows[k][j] = `` the k-th leaf of the NamedTuple ``value``."""
    body = [f"rows[{k}][j] = {path}" for k, path in enumerate(_leaf_paths(value))]
    return _source("rows, j, value", body + ["return None"])


def _update(kind, state, drives, j, p, dt):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_update, inline="always")
def _update_overload(kind, state, drives, j, p, dt):
    """``update(state, drives[0][j], drives[1][j], ..., p, dt)`` for the update ``kind``."""
    if not isinstance(kind, types.StringLiteral):
        return None
    terms = "".join(f"drives[{k}][j], " for k in range(len(drives)))
    return _source("kind, state, drives, j, p, dt",
                   [f"return update(state, {terms}p, dt)"],
                   {"update": UPDATES[kind.literal_value]})


# --------------------------------------------------------------------------- loops
@njit(inline="always", **JIT_OPTIONS)
def _advance(kind, I, D, s_rows, s_like, p_rows, p_like, per_neuron, dt, out, t, lo, hi):
    """Step ``t`` of neurons ``lo:hi`` (``s_rows``/``p_rows``: their row views)."""
    drives = _drive_rows(kind, I, D, t, lo, hi)
    o = out[t, lo:hi]
    for j in range(hi - lo):
        p = _gather(p_like, p_rows, j) if per_neuron else p_like
        z, new = _update(kind, _gather(s_like, s_rows, j), drives, j, p, dt)
        _scatter(s_rows, j, new)
        o[j] = z


@njit(inline="always", **JIT_OPTIONS)
def _record(S, rec, t, lo, hi):
    """``rec[:, t, lo:hi] = S[:, lo:hi]``."""
    for k in range(S.shape[0]):
        rec[k, t, lo:hi] = S[k, lo:hi]


@njit(nogil=True, cache=True, **JIT_OPTIONS)
def elementwise_loop(kind, I, D, S, s_like, P, p_like, dt, out, rec, record, lo, hi):
    """Every step of an elementwise update for neurons ``lo:hi``.

    Blocks of :data:`BLOCK` neurons, the time loop inside each block.
    ``out`` has shape ``(T, N)``; with ``record`` the state after step ``t``
    is written to ``rec[:, t]``. ``D`` is empty (the loops share a layout).
    """
    literally(kind)
    per_neuron = P.shape[1] > 0
    for block in range(lo, hi, BLOCK):
        end = min(block + BLOCK, hi)
        s_rows = _rows(S, s_like, block, end)
        p_rows = _rows(P, p_like, block if per_neuron else 0, end if per_neuron else 0)
        for t in range(out.shape[0]):
            _advance(kind, I, D, s_rows, s_like, p_rows, p_like, per_neuron, dt, out, t,
                     block, end)
            if record:
                _record(S, rec, t, block, end)


@njit(nogil=True, cache=True, **JIT_OPTIONS)
def _gemm(a, b, out):
    """``out = a @ b`` (BLAS), compiled once per dtype and shared by every update."""
    np.dot(a, b, out)


@njit(nogil=True, cache=True, **JIT_OPTIONS)
def _spike_products(z, WT, D, lo, hi, n):
    """``D[r, lo:hi] = z[lo:hi] @ WT[r]`` per batch row, summing only nonzero ``z``.

    The terms are added in ascending presynaptic order.
    """
    zero = D.dtype.type(0)
    for r in range(WT.shape[0]):
        for i in range(lo, hi):
            D[r, i] = zero
    for base in range(lo, hi, n):
        for k in range(n):
            zk = z[base + k]
            if zk != zero:
                for r in range(WT.shape[0]):
                    for i in range(n):
                        D[r, base + i] += zk * WT[r, k, i]


@njit(nogil=True, cache=True, **JIT_OPTIONS)
def matrix_loop(kind, I, D, S, s_like, P, p_like, dt, out, rec, record, WT, z_row, sparse_ok,
                GT, v_row, n, lo, hi):
    """Every step of an update with matrix products, for the batch rows in ``lo:hi``.

    ``lo``/``hi`` are neuron indices on batch-row boundaries (rows of ``n``
    neurons; batch rows never interact). Per step, from the state before it:
    ``D[r] = z @ WT[r]`` for the recurrent weights (``WT[r]`` is
    :math:`W_{\\text{rec}}^T`, or its sign-split halves), then
    ``D[R] = v @ GT`` if there is a coupling (``GT`` is :math:`G^T`; empty if
    none); then the elementwise update. The recurrent product sums only the
    neurons with ``z != 0`` when fewer than a quarter spiked and every weight
    is finite (``sparse_ok``), else calls BLAS.
    """
    literally(kind)
    rows = (hi - lo) // n
    R = WT.shape[0]
    per_neuron = P.shape[1] > 0
    zero = S.dtype.type(0)
    for t in range(out.shape[0]):
        if R > 0:
            z = S[z_row]
            nnz = 0
            for j in range(lo, hi):
                if z[j] != zero:
                    nnz += 1
            if sparse_ok and 4 * nnz < hi - lo:
                _spike_products(z, WT, D, lo, hi, n)
            else:
                zb = z[lo:hi].reshape((rows, n))
                for r in range(R):
                    _gemm(zb, WT[r], D[r, lo:hi].reshape((rows, n)))
        if GT.shape[0] > 0:
            _gemm(S[v_row, lo:hi].reshape((rows, n)), GT, D[R, lo:hi].reshape((rows, n)))
        s_rows = _rows(S, s_like, lo, hi)
        p_rows = _rows(P, p_like, lo if per_neuron else 0, hi if per_neuron else 0)
        _advance(kind, I, D, s_rows, s_like, p_rows, p_like, per_neuron, dt, out, t, lo, hi)
        if record:
            _record(S, rec, t, lo, hi)

