"""Operand checking for the stateless elementwise helpers.

The logical, filter, regularisation and decoding functions take plain arrays
rather than a neuron state, so the state-driven casting of
:mod:`refsnn.functional._prepare` does not apply to them. Their rule is the
one PyTorch applies: the operands' dtypes promote to a common dtype
(``np.result_type``), in which all arithmetic runs, and a Python number
adopts the dtype of the arrays it meets. Two refinements keep the arithmetic
meaningful:

* a bool array is read as float32 spikes (Norse's default dtype), because
  NumPy's bool arithmetic is logic (``True + True`` is ``True``) and its bool
  subtraction is an error;
* only bool, integer, float32 and float64 arrays are accepted; complex,
  float16, strings and objects are rejected with the argument's name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn import _checks

FLOAT32 = np.dtype(np.float32)


def as_real(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)``, checked to hold bool, integer or float32/float64 values."""
    arr = np.asarray(x)
    if not (arr.dtype.kind in "biu" or arr.dtype in _checks.FLOAT_DTYPES):
        raise TypeError(
            f"{name} must hold real numbers (bool, integer, float32 or float64), "
            f"got dtype {arr.dtype}"
        )
    return arr


def operands(named: dict[str, Any], floating: bool = False) -> tuple[tuple, np.dtype]:
    """Check, promote and cast named operands to one dtype.

    Parameters
    ----------
    named : dict
        ``{argument name: value}``, in argument order.
    floating : bool
        If true, a promoted dtype that is not floating (integer or bool
        operands) becomes float32, Norse's default dtype.

    Returns
    -------
    arrays, dtype
        The operands cast to the common dtype (not copied where they already
        have it) and that dtype. Shapes must broadcast together.
    """
    arrays = {name: as_real(x, name) for name, x in named.items()}
    dtypes = [FLOAT32 if a.dtype == np.bool_ else a.dtype for a in arrays.values()]
    # Python numbers are weakly typed (``x * 0.5`` keeps float32 ``x`` float32),
    # unless every operand is one.
    weak = [isinstance(x, (int, float)) and not isinstance(x, bool) for x in named.values()]
    if not all(weak):
        dtypes = [x if w else d for x, w, d in zip(named.values(), weak, dtypes)]
    dtype = np.result_type(*dtypes)
    if floating and dtype.kind != "f":
        dtype = FLOAT32
    if len(arrays) > 1:
        _checks.broadcast_shape(arrays, " and ".join(arrays))
    return tuple(a.astype(dtype, copy=False) for a in arrays.values()), dtype


def total(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Sum over ``axis`` (all elements if None) as PyTorch types it.

    Float data keep their dtype; bool and integer data (signed or unsigned)
    are summed in int64.
    """
    dtype = np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype
    return np.sum(x, axis=axis, dtype=dtype)
