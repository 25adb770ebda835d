"""The flat layout every compiled backend hands its kernels.

A state or parameter NamedTuple (nested, with per-neuron arrays or scalars)
becomes one row per numeric leaf, in field order, depth first; batch and
neuron axes are flattened into one axis of ``n`` elements. Callable fields
(``lif_box``'s reset rule) and ``None`` are not leaves. :func:`rebuild`
turns rows back into the caller's NamedTuple type.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from refsnn._checks import is_namedtuple


def leaves(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``(dotted name, leaf)`` of a nested NamedTuple, depth first; callables skipped."""
    out = []
    for field, value in zip(tree._fields, tree):
        if is_namedtuple(value):
            out += leaves(value, f"{prefix}{field}.")
        elif not callable(value) and value is not None:
            out.append((prefix + field, value))
    return out


def rebuild(template: NamedTuple, values) -> NamedTuple:
    """A tuple shaped like ``template`` whose numeric leaves come from the iterator ``values``.

    Callable and ``None`` fields become ``None``.
    """
    out = []
    for value in template:
        if is_namedtuple(value):
            out.append(rebuild(value, values))
        elif callable(value) or value is None:
            out.append(None)
        else:
            out.append(next(values))
    return type(template)(*out)


def rows(tree_leaves: list, shape: tuple, n: int, dtype) -> np.ndarray:
    """The leaves broadcast to the neurons, one row each: shape ``(len(leaves), n)``."""
    out = np.empty((len(tree_leaves), n), dtype)
    for row, (_, leaf) in zip(out, tree_leaves):
        row.reshape(shape)[...] = leaf
    return out


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a``."""
    a = a.view()
    a.flags.writeable = False
    return a


def uniform(tree_leaves: list) -> bool:
    """Whether every leaf is a single value (shared by all neurons)."""
    return all(np.size(leaf) == 1 for _, leaf in tree_leaves)
