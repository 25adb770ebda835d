"""How the numba backend compiles the reference's own code.

Three things make a reference function written for NumPy arrays compile,
unchanged, on one neuron's scalars:

* **Primitives.** The few operations of :mod:`refsnn.numerics` whose NumPy
  form does not apply to scalars get a scalar implementation here
  (:func:`~refsnn.numerics.select`, :func:`~refsnn.numerics.heaviside`,
  :func:`~refsnn.numerics.complement`, :func:`~refsnn.numerics.relu`, and
  the float64 conversions and bit constructions under
  :func:`~refsnn.numerics.exp`). Typed constants keep float32 arithmetic in
  float32 (a bare Python literal would promote it to float64).
* **The reference, compiled.** :func:`compile_reference` registers a
  reference function, and every refsnn function it calls (found through its
  global names, recursively), with Numba (``register_jitable``): compiled
  loops call them as they are. Nothing is retyped; there is no model
  arithmetic in this backend.
* **A cache that cannot go stale.** Numba's on-disk cache is keyed on the
  source file of the cached function alone, but a compiled loop here inlines
  code from :mod:`refsnn.functional` and :mod:`refsnn.numerics`. Every cached
  function of refsnn is therefore keyed on a digest of **all** of refsnn's
  source files (:func:`package_stamp`): editing any of them invalidates every
  cached loop. ``tests/test_numba_cache.py`` enforces the rule.

No ``fastmath`` anywhere: LLVM may neither reassociate nor contract
``a * b + c`` into a fused multiply-add (``tests/test_no_fma.py`` scans the
generated assembly).
"""

from __future__ import annotations

import hashlib
import math
import types as pytypes
from functools import cache
from pathlib import Path

import numpy as np
from numba.core import caching
from numba.extending import intrinsic, overload, register_jitable
from numba import types

from refsnn import numerics

PACKAGE_ROOT = Path(__file__).resolve().parents[2]

#: Options of every compiled refsnn function. ``error_model="numpy"``: a float
#: division by zero gives inf/NaN as in NumPy (not Python's ZeroDivisionError,
#: whose check would also keep LLVM from vectorising the loops).
JIT_OPTIONS = {"error_model": "numpy"}


# --------------------------------------------------------------------------- primitives
def _numpy_type(numba_type):
    return np.dtype(str(numba_type)).type


@overload(numerics.select)
def _select(condition, if_true, if_false):
    return lambda condition, if_true, if_false: if_true if condition else if_false


@overload(numerics.heaviside)
def _heaviside(x):
    one, zero = _numpy_type(x)(1), _numpy_type(x)(0)
    return lambda x: one if x > zero else zero


@overload(numerics.complement)
def _complement(z):
    one = _numpy_type(z)(1)
    return lambda z: one - z


@overload(numerics.relu)
def _relu(x):
    zero = _numpy_type(x)(0)
    return lambda x: zero if x < zero else x


@overload(numerics._as_float64)
def _as_float64(x):
    return lambda x: np.float64(x)


@overload(numerics._round_to)
def _round_to(like, x):
    cast = np.float32 if like == types.float32 else np.float64
    return lambda like, x: cast(x)


@intrinsic
def _bits_to_float64(typingctx, bits):
    """The float64 whose IEEE bit pattern is the int64 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@overload(numerics._exp2i)
def _exp2i(k):
    return lambda k: _bits_to_float64((np.int64(k) + 1023) << 52)


@overload(numerics._frexp)
def _frexp(x):
    def impl(x):
        m, e = math.frexp(x)
        return m, np.float64(e)
    return impl


PRIMITIVES = frozenset({numerics.select, numerics.heaviside, numerics.complement,
                        numerics.relu, numerics._as_float64, numerics._round_to,
                        numerics._exp2i, numerics._frexp})


# --------------------------------------------------------------------------- the reference
_COMPILED: set = set()


def _called_functions(fn: pytypes.FunctionType):
    """The refsnn functions that ``fn`` refers to by a global name."""
    for name in fn.__code__.co_names:
        value = fn.__globals__.get(name)
        if (isinstance(value, pytypes.FunctionType)
                and value.__module__.startswith("refsnn.") and value not in PRIMITIVES):
            yield value


def compile_reference(fn: pytypes.FunctionType) -> pytypes.FunctionType:
    """Make the reference function ``fn`` (and what it calls) callable from compiled code."""
    if fn in _COMPILED or fn in PRIMITIVES:
        return fn
    _COMPILED.add(fn)
    for callee in _called_functions(fn):
        compile_reference(callee)
    register_jitable(**JIT_OPTIONS)(fn)
    return fn


# --------------------------------------------------------------------------- the cache
@cache
def package_stamp() -> str:
    """A digest of every source file of refsnn (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _PackageStamp:
    """Locator mixin: refsnn's functions are keyed on :func:`package_stamp`."""

    def get_source_stamp(self):
        return package_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if PACKAGE_ROOT not in Path(py_file).resolve().parents:
            return None
        return super().from_function(py_func, py_file)


def _install_locators() -> tuple:
    """Put a package-stamped variant in front of each of Numba's file-backed locators."""
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    ours = tuple(
        type(f"RefsnnStamped{base.__name__.lstrip('_')}", (_PackageStamp, base), {})
        for base in impl._locator_classes
        if issubclass(base, caching._SourceFileBackedLocatorMixin)
    )
    impl._locator_classes[:0] = ours
    return ours


#: The locator classes every cached refsnn function must use.
LOCATORS = _install_locators()
