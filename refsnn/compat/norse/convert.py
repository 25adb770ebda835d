"""Conversion between Norse's parameter/state tuples and refsnn's.

refsnn's NamedTuples carry Norse's class names and field names, so a tuple
converts by name: tensors become NumPy arrays (dtype kept), nested tuples
convert recursively, and Norse's gradient-only fields (``method``,
``alpha``) are dropped. Norse's reset callables map to
:mod:`refsnn.functional.reset`. Torch is imported only by :func:`to_norse`.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import numpy as np

import refsnn.functional
from refsnn._checks import is_namedtuple
from refsnn.functional import reset

GRADIENT_ONLY_FIELDS = ("method", "alpha")


def _refsnn_types() -> dict[str, type]:
    types = {}
    for info in pkgutil.iter_modules(refsnn.functional.__path__):
        module = importlib.import_module(f"refsnn.functional.{info.name}")
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields"):
                types.setdefault(name, obj)
    return types


def _leaf_from_norse(value: Any) -> Any:
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if callable(value):
        name = getattr(value, "__name__", "")
        if hasattr(reset, name):
            return getattr(reset, name)
        raise TypeError(f"cannot convert the callable {value!r} from Norse")
    return value


def from_norse(tree: Any) -> Any:
    """Convert a Norse parameter or state tuple (or a tensor) into refsnn's.

    Examples
    --------
    >>> import norse.torch.functional.lif as nl            # doctest: +SKIP
    >>> from_norse(nl.LIFParameters())                     # doctest: +SKIP
    LIFParameters(tau_syn_inv=array(200., dtype=float32), ...)
    """
    if not is_namedtuple(tree):
        return _leaf_from_norse(tree)
    name = type(tree).__name__
    target = _refsnn_types().get(name)
    if target is None:
        raise TypeError(f"refsnn has no counterpart of Norse's {name}")
    values = {
        field: from_norse(value)
        for field, value in zip(tree._fields, tree)
        if field not in GRADIENT_ONLY_FIELDS
    }
    return target(**{f: values[f] for f in target._fields})


def to_norse(tree: Any, dtype: Any = None) -> Any:
    """Convert a refsnn tuple (or array) into Norse's, as torch tensors.

    Numbers and arrays become tensors of their own dtype (``dtype`` to force
    one); Python floats stay Python floats where Norse declares floats
    (Izhikevich parameters), so a conversion round-trips.
    """
    import torch
    import norse.torch.functional as norse_functional

    if not is_namedtuple(tree):
        if callable(tree):
            module = importlib.import_module("norse.torch.functional.reset")
            return getattr(module, tree.__name__)
        if isinstance(tree, (float, int)) and dtype is None:
            return tree
        arr = np.asarray(tree)
        return torch.as_tensor(arr if dtype is None else arr.astype(dtype))
    name = type(tree).__name__
    target = None
    for info in pkgutil.iter_modules(norse_functional.__path__):
        try:
            module = importlib.import_module(f"norse.torch.functional.{info.name}")
        except ImportError:  # pragma: no cover - optional Norse extras
            continue
        if isinstance(getattr(module, name, None), type):
            target = getattr(module, name)
            break
    if target is None:
        raise TypeError(f"Norse has no counterpart of refsnn's {name}")
    return target(**{f: to_norse(v, dtype) for f, v in zip(tree._fields, tree)})
