"""Fuzzing every public entry point on every available backend.

Requirement: shapes (0-size, scalar, broadcast, non-contiguous, Fortran
order, huge ``T`` with one neuron and vice versa), dtypes (bool, ints,
float16, complex, object), NaN/inf, extreme parameters, lists and other
array-likes: each call either works and agrees with the reference
(``numpy``), or raises ``ValueError``/``TypeError`` naming the argument
(or :class:`refsnn.InsufficientMemoryError` for requests that cannot fit)
— no crash, no hang, no mutation of inputs.

What is fuzzed (Hypothesis, ``st.data()``, draw-driven construction):

* :func:`refsnn.simulate`, every family of :data:`refsnn.MODELS`, feed-forward
  and recurrent, on every backend of :func:`refsnn.backends.available`;
* the families' step functions (``*_feed_forward_step``, ``*_step``),
  checked against ``simulate`` with one step on every backend;
* the encoders of :mod:`refsnn.functional.encode` (``backend=`` where taken);
* the scans of :mod:`refsnn.functional.scan` (``backend=``);
* the plasticity steps (``stdp_step_linear``, ``stp_step``,
  ``stdp_sensor_step``), checked against their scans with one step;
* the module layer: ``LIFCell``, ``LIF``, ``LIFRecurrentCell``, ``Linear``,
  ``Conv2d``, ``MaxPool2d``, ``SequentialState``.

Every call goes through :func:`_call`: the arguments are deep-copied first
and compared afterwards (values, dtype, shape, writeable flag: no mutation);
only ``ValueError``, ``TypeError`` and ``InsufficientMemoryError`` are
caught — any other exception fails the test with its own traceback; a
warning that is not a ``RuntimeWarning`` (``UnstableStepWarning`` and
``NonFiniteWarning`` are) fails too. When a fault is injected on purpose
(NaN/inf, a negative inverse time constant, a bad dtype, shape or type), the
error must name the faulty argument (or field). Agreement: bit identity for
elementwise work; for recurrent and coupled families ``rtol`` 1e-5 (float32)
or 1e-9 (float64), spikes identical — the fuzz draws weights on a dyadic
grid, spike or dyadic inputs and couplings with at most two power-of-two
entries per row, so every matrix product is exact in any summation order
and a spike can flip for no legitimate reason.

Running
-------
Each fuzz test has a default variant, ``[drawn]``, part of the normal suite
(about 5 s with ``-n 2``): few derandomised examples (the same every run),
each drawing its variant (family, encoder, scan, module) and one backend to
compare with the reference. Every variant on its own, on every backend, is
marked ``long`` (CI: ``--long -m long``)::

    python -m pytest -q -n 2 tests/test_fuzz.py                    # default
    python -m pytest -q -n 2 --long -m long tests/test_fuzz.py     # every variant

More examples are one flag away: ``REFSNN_FUZZ_EXAMPLES=N`` (N random
examples for every test, and longer sequences) or
``--hypothesis-profile=thorough`` (1000 each);
``REFSNN_FUZZ_SHRINK=0`` reports a failure as drawn, without shrinking it.
The sizes stay bounded (at most ~1e5 elements per request) so no example can
hang; the deliberately huge requests are broadcast views
(``np.broadcast_to`` of a scalar to ``(10**9, 10**6)``), which must be
refused in O(1) with ``InsufficientMemoryError`` (they run under an
address-space limit and an alarm, so a regression cannot take the machine
down or hang the suite).

Regressions
-----------
The package bugs the fuzz found have deterministic regression tests at the
end of this file (``test_bug_*``, each saying what was wrong).
"""

from __future__ import annotations

import contextlib
import copy
import fractions
import inspect
import math
import os
import signal
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from _helpers import map_leaves
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

import refsnn
from refsnn import MODELS, InsufficientMemoryError, backends, simulate
from refsnn import module as nn
from refsnn._checks import is_namedtuple
from refsnn.config import NonFiniteWarning
from refsnn.functional import encode, reset, scan
from refsnn.functional import stdp as stdp_mod
from refsnn.functional import stdp_sensor as sensor_mod
from refsnn.functional import tsodyks_makram as tm_mod
from refsnn.functional.lif import (LIFFeedForwardState, LIFParameters, LIFState,
                                   lif_feed_forward_step, lif_step)

try:
    import resource  # (Unix: the address-space limit of the huge requests)
except ImportError:  # pragma: no cover
    resource = None

REFERENCE = "numpy"
BACKENDS = backends.available()
OTHERS = [b for b in BACKENDS if b != REFERENCE]
#: The exceptions a call may raise (anything else is a bug).
ACCEPTED = (ValueError, TypeError, InsufficientMemoryError)
#: Relative tolerance of families with matrix products, by dtype.
RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-9}

# ----------------------------------------------------------------------------- profiles
_ENV_EXAMPLES = os.environ.get("REFSNN_FUZZ_EXAMPLES")
#: The loaded Hypothesis profile's examples: ``ci`` has 40, ``thorough`` 1000.
_PROFILE_EXAMPLES = settings.default.max_examples
#: A long run (env var or the thorough profile) also draws longer sequences.
LONG_RUN = bool(_ENV_EXAMPLES) or _PROFILE_EXAMPLES > 100


def _by_id(values) -> dict:
    """``id -> variant``: a dict as it is, names as their own ids."""
    return values if isinstance(values, dict) else {name: name for name in values}


def variants(values) -> list:
    """The parametrisation of a fuzz test: ``"drawn"`` (the default run: every example
    draws its variant, ``None``) and each variant of ``values`` (names, or a dict
    ``id -> value``) on its own, marked ``long``."""
    return [pytest.param(None, id="drawn")] + [
        pytest.param(value, id=name, marks=pytest.mark.long)
        for name, value in _by_id(values).items()]


def run_fuzz(body, variant: Any, values, quick: int, thorough: int) -> None:
    """Run ``body(variant, data, every)`` as a Hypothesis test.

    ``variant=None`` (the default run): ``quick`` examples, each drawing its
    variant from ``values`` and (``every=False``) the backend it is compared on,
    derandomised (the same examples every run: the Numba cache stays warm);
    else ``thorough`` random examples of that variant on every backend. One
    flag away: ``REFSNN_FUZZ_EXAMPLES=N`` (N random examples each) or the
    ``thorough`` Hypothesis profile; ``REFSNN_FUZZ_SHRINK=0`` reports a failure
    as drawn.
    """
    examples = quick if variant is None else thorough
    if _ENV_EXAMPLES:
        examples = int(_ENV_EXAMPLES)
    elif _PROFILE_EXAMPLES > 100:
        examples = _PROFILE_EXAMPLES
    phases = None
    if os.environ.get("REFSNN_FUZZ_SHRINK") == "0":
        phases = [Phase.explicit, Phase.reuse, Phase.generate]

    @settings(max_examples=examples, deadline=None, database=None,
              derandomize=variant is None and not LONG_RUN,
              suppress_health_check=list(HealthCheck),
              **({"phases": phases} if phases else {}))
    @given(data=st.data())
    def fuzz_test(data):
        chosen = variant if variant is not None else data.draw(
            st.sampled_from(list(_by_id(values).values())), label="variant")
        body(chosen, data, variant is not None)

    fuzz_test()


def compared(data, candidates: list, every: bool) -> list:
    """The backends a result is compared on: all ``candidates``, or one drawn."""
    if every or not candidates:
        return list(candidates)
    return [data.draw(st.sampled_from(candidates), label="backend")]


# ----------------------------------------------------------------------------- calling
class ArrayLike:
    """A foreign array-like: only ``__array__`` (NumPy's protocol)."""

    def __init__(self, array: np.ndarray):
        self._array = np.asarray(array)

    def __array__(self, dtype=None, copy=None):
        return self._array if dtype is None else self._array.astype(dtype)

    def __repr__(self) -> str:
        return f"ArrayLike({self._array!r})"


def _snapshot(x: Any) -> Any:
    """A deep copy of ``x`` to compare with after a call (arrays keep their flags)."""
    if isinstance(x, np.ndarray):
        return ("array", x.copy(), x.flags.writeable)
    if isinstance(x, ArrayLike):
        return ("arraylike", _snapshot(x._array))
    if is_namedtuple(x):
        return ("namedtuple", type(x), tuple(_snapshot(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_snapshot(v) for v in x))
    if isinstance(x, dict):
        return ("dict", {k: _snapshot(v) for k, v in x.items()})
    if isinstance(x, nn.Module):
        return ("module", type(x), {k: _snapshot(v) for k, v in vars(x).items()
                                    if isinstance(v, (np.ndarray, list, tuple))})
    try:
        return ("value", copy.deepcopy(x))
    except Exception:  # noqa: BLE001 - generators, modules: compared by identity
        return ("identity", x)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True)
                    and np.array_equal(np.signbit(a.real), np.signbit(b.real)))
    return bool(np.all(a == b)) if a.size else True


def _assert_unchanged(before: Any, x: Any, path: str) -> None:
    kind = before[0]
    if kind == "array":
        assert isinstance(x, np.ndarray), f"{path}: was replaced"
        assert x.flags.writeable == before[2], f"{path}: its writeable flag was changed"
        assert _same(x, before[1]), f"{path}: the argument was modified in place"
    elif kind == "arraylike":
        _assert_unchanged(before[1], x._array, path)
    elif kind == "namedtuple":
        for k, (b, v) in enumerate(zip(before[2], x)):
            _assert_unchanged(b, v, f"{path}.{x._fields[k]}")
    elif kind in ("list", "tuple"):
        assert len(x) == len(before[1]), f"{path}: length changed"
        for k, (b, v) in enumerate(zip(before[1], x)):
            _assert_unchanged(b, v, f"{path}[{k}]")
    elif kind == "dict":
        assert set(x) == set(before[1]), f"{path}: keys changed"
        for k, b in before[1].items():
            _assert_unchanged(b, x[k], f"{path}[{k!r}]")
    elif kind == "module":
        for k, b in before[2].items():
            _assert_unchanged(b, getattr(x, k), f"{path}.{k}")
    elif kind == "value":
        value = before[1]
        if isinstance(value, float) and math.isnan(value):
            assert isinstance(x, float) and math.isnan(x), f"{path}: changed"
        elif isinstance(value, (int, float, complex, str, bytes, type(None), bool,
                                fractions.Fraction, np.generic)):
            assert type(x) is type(value) and (x == value or x != x), f"{path}: changed"


class Outcome(NamedTuple):
    value: Any
    error: BaseException | None
    warnings: tuple
    where: str = ""  # the innermost frames of the error, for the report


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))


def _call(fn, *args, **kwargs) -> Outcome:
    """Call ``fn``; catch only the accepted exceptions; check that no argument changed."""
    before = _snapshot((args, kwargs))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = fn(*args, **kwargs), None
        except ACCEPTED as exc:
            value, error = None, exc
    where = _where(error) if error is not None else ""
    for w in caught:
        assert issubclass(w.category, RuntimeWarning), (
            f"unexpected {w.category.__name__}: {w.message}")
    _assert_unchanged(before, (args, kwargs), "arguments")
    return Outcome(value, error, tuple(w.category for w in caught), where)


class Expect(NamedTuple):
    """What an injected fault must raise: one of ``types``, naming one of ``names``."""

    types: tuple
    names: tuple
    fault: str
    #: The error may not come ("warn"/"ignore" let NaN through); then, with
    #: ``warn``, a NonFiniteWarning must.
    optional: str | None = None


def _judge(outcome: Outcome, expect: Expect | None, what: str) -> None:
    """The reference's outcome is acceptable for the case drawn."""
    err = outcome.error
    if expect is None:
        if err is not None:
            # Without a fault only a run whose state overflowed may fail.
            assert isinstance(err, ValueError) and "non-finite" in str(err), (
                f"{what}: unexpected {type(err).__name__}: {err} [at {outcome.where}]")
        return
    if err is None and expect.optional is not None:
        if expect.optional == "warn":
            assert NonFiniteWarning in outcome.warnings, (
                f"{what}: fault {expect.fault!r} under nonfinite='warn' gave no NonFiniteWarning")
        return
    assert err is not None, f"{what}: fault {expect.fault!r} was accepted silently"
    assert isinstance(err, expect.types), (
        f"{what}: fault {expect.fault!r} raised {type(err).__name__}: {err} "
        f"[at {outcome.where}]")
    assert any(name in str(err) for name in expect.names), (
        f"{what}: the message of fault {expect.fault!r} names none of {expect.names}: {err} "
        f"[at {outcome.where}]")


def _leaves(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``(dotted path, leaf)`` of a (nested) NamedTuple; a plain array is one leaf ``""``."""
    if not is_namedtuple(tree):
        if isinstance(tree, (tuple, list)):
            out = []
            for k, v in enumerate(tree):
                out += _leaves(v, f"{prefix}[{k}].")
            return out
        return [(prefix, tree)]
    out = []
    for field, value in zip(tree._fields, tree):
        out += _leaves(value, f"{prefix}{field}.") if is_namedtuple(value) else [
            (prefix + field, value)]
    return out


def _compare(ref: Any, got: Any, rtol: float | None, what: str, signs: bool = False) -> None:
    """Leaves of ``got`` equal those of ``ref`` (NaN equal NaN), or within ``rtol``.

    ``signs``: bit identity includes the sign of zeros."""
    assert type(got) is type(ref) or not is_namedtuple(ref), (
        f"{what}: {type(got).__name__} instead of {type(ref).__name__}")
    ref_leaves, got_leaves = _leaves(ref), _leaves(got)
    assert [p for p, _ in got_leaves] == [p for p, _ in ref_leaves], what
    for (path, r), (_, g) in zip(ref_leaves, got_leaves):
        if r is None or g is None:
            assert r is None and g is None, f"{what}{path}: None on one side only"
            continue
        r, g = np.asarray(r), np.asarray(g)
        assert g.dtype == r.dtype, f"{what}{path}: dtype {g.dtype} instead of {r.dtype}"
        assert g.shape == r.shape, f"{what}{path}: shape {g.shape} instead of {r.shape}"
        tol = None if r.dtype.kind != "f" else rtol
        if tol is None:
            np.testing.assert_array_equal(g, r, err_msg=f"{what}{path}")
            if signs and r.dtype.kind == "f":  # (the sign of a NaN means nothing)
                np.testing.assert_array_equal(np.signbit(g) & ~np.isnan(g),
                                              np.signbit(r) & ~np.isnan(r),
                                              err_msg=f"{what}{path} (signs)")
        else:
            finite = np.abs(r[np.isfinite(r)])
            scale = max(1.0, float(finite.max())) if finite.size else 1.0
            np.testing.assert_allclose(g, r, rtol=tol, atol=tol * scale, equal_nan=True,
                                       err_msg=f"{what}{path}")


def _agree(ref: Outcome, got: Outcome, what: str, rtol: float | None = None,
           signs: bool = False, messages: bool = True) -> None:
    """A backend's outcome matches the reference's: the same error, or the same results."""
    if ref.error is not None:
        assert got.error is not None, f"{what}: the reference raised {ref.error!r}, not this"
        assert type(got.error) is type(ref.error), (
            f"{what}: {type(got.error).__name__}: {got.error} (reference: "
            f"{type(ref.error).__name__}: {ref.error})")
        if messages and not isinstance(ref.error, InsufficientMemoryError):
            assert str(got.error) == str(ref.error), (
                f"{what}: the message differs from the reference's:\n  {got.error}\n  "
                f"{ref.error}")
        return
    assert got.error is None, (
        f"{what}: raised {type(got.error).__name__}: {got.error} [at {got.where}]; the "
        f"reference succeeded")
    _compare(ref.value, got.value, rtol, what, signs)


# ----------------------------------------------------------------------------- drawing
def _rng(data) -> np.random.Generator:
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="numpy seed"))


def _strided(a: np.ndarray) -> np.ndarray:
    """A non-contiguous view holding ``a``'s values (every other element of a larger array)."""
    if a.ndim == 0:
        return a.copy()
    big = np.zeros(tuple(2 * s + 1 for s in a.shape), a.dtype)
    view = big[tuple(slice(1, None, 2) for _ in a.shape)]
    view[...] = a
    return view


def _represent(data, a: np.ndarray, label: str, kinds=None) -> Any:
    """``a``'s values in a drawn container: C/Fortran/strided/reversed/read-only array,
    a broadcast view (if ``a`` is constant along axis 0), a list, a tuple or an array-like."""
    a = np.asarray(a)
    if a.ndim == 0:  # (np.asfortranarray of a 0-d array is 1-d: keep 0-d values 0-d)
        return a.copy()
    kinds = kinds or ["c", "c", "c", "fortran", "strided", "reversed", "readonly",
                      "broadcast", "list", "arraylike", "tuple"]
    kind = data.draw(st.sampled_from(kinds), label=f"{label} container")
    if kind == "fortran":
        return np.asfortranarray(a)
    if kind == "strided":
        return _strided(a)
    if kind == "reversed" and a.ndim:
        return np.flip(np.flip(a, 0).copy(), 0)
    if kind == "readonly":
        b = a.copy()
        b.flags.writeable = False
        return b
    if kind == "broadcast" and a.ndim and a.shape[0] and _same(a, np.broadcast_to(a[:1],
                                                                                a.shape).copy()):
        return np.broadcast_to(a[:1], a.shape)
    # (An empty array's list loses its shape and dtype: [] is float64 of shape (0,).)
    if kind == "list" and a.dtype.kind in "biuf" and a.size:
        return a.tolist()
    if kind == "tuple" and a.ndim and a.dtype.kind in "biuf" and a.size:
        return tuple(a.tolist())
    if kind == "arraylike":
        return ArrayLike(a)
    return a.copy()


#: (input mean, spread, dt range, weight scale) per family, as in the agreement suite.
_DEFAULT_DRIVE = (0.5, 1.5, (5e-4, 2e-3), 1.0)
DRIVE = {
    "iaf": (0.2, 0.6, (5e-4, 2e-3), 0.5),
    "lif_box": (2.0, 2.0, (5e-4, 2e-3), 2.0),
    "li_box": (2.0, 2.0, (5e-4, 2e-3), 2.0),
    "coba_lif": (0.2, 0.5, (0.02, 0.2), 0.5),
    "izhikevich": (8.0, 8.0, (5e-4, 2e-3), 16.0),
}

NONNEGATIVE = {"g_l", "rho_reset"}
POSITIVE = {"delta_T"}


def _domain(path: str) -> str:
    leaf = path.rsplit(".", 1)[-1]
    if leaf in POSITIVE:
        return "positive"
    if leaf.endswith("_inv") or leaf in NONNEGATIVE:
        return "nonnegative"
    return "free"


def _suffix_shape(data, shape: tuple, label: str, parameter: bool = False) -> tuple:
    """The full neuron shape, a trailing part of it, or ones (broadcastable, not growing)."""
    options = [tuple(shape)] + [tuple(shape[k:]) for k in range(1, len(shape) + 1)]
    options.append(tuple(1 for _ in shape))
    return data.draw(st.sampled_from(options), label=f"{label} shape")


def _incompatible_shape(shape: tuple) -> tuple | None:
    """A shape that does not broadcast with ``shape`` at all (None if every one does)."""
    for axis in reversed(range(len(shape))):
        if shape[axis] != 1:
            return shape[:axis] + (shape[axis] + 2 if shape[axis] else 2,) + shape[axis + 1:]
    return None


def _bad_shape(shape: tuple) -> tuple:
    """A shape that does not broadcast to ``shape`` without growing it."""
    incompatible = _incompatible_shape(shape)
    if incompatible is not None:
        return incompatible
    if shape and shape[-1] not in (0, 1):
        return tuple(shape[:-1]) + (shape[-1] + 1,)
    return (3,) + tuple(shape) if not shape else tuple(shape[:-1]) + (2 if shape[-1] != 2
                                                                        else 3,)


BAD_DTYPE_VALUES = {
    "complex": lambda shape: np.ones(shape, np.complex128),
    "object": lambda shape: np.full(shape, 1.0, dtype=object),
    "str": lambda shape: np.full(shape, "1.0"),
}


def _draw_parameters(data, rng, model, shape: tuple, dtype, fault: str | None):
    """The family's parameters (behaviour for Izhikevich sometimes) and the expected error.

    Leaves are kept, scaled, made per-neuron (full or broadcastable shape, in
    a drawn container), extreme (tiny or huge), Python ints, NumPy scalars,
    0-d arrays or integer arrays. ``fault`` injects NaN/inf, an out-of-domain
    value, a bad dtype or a bad shape into one leaf.
    """
    p = model.make_parameters()
    base = model.step_parameters(p)
    paths = [path for path, v in _leaves(base) if not callable(v) and v is not None]
    expect = None
    target = None
    if fault in ("param_nan", "param_dtype", "param_shape", "param_domain"):
        candidates = paths
        if fault == "param_domain":
            candidates = [q for q in paths if _domain(q) != "free"]
        if candidates:
            target = data.draw(st.sampled_from(candidates), label="faulty parameter")

    def leaf(path, value):
        value = float(np.asarray(value))
        domain = _domain(path)
        if path == target:
            nonlocal expect
            names = (f"p.{path}",)
            if fault == "param_nan":
                bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]), label="bad value")
                if shape and data.draw(st.booleans(), label="bad value in an array"):
                    arr = np.full(_suffix_shape(data, shape, path, True), value, dtype)
                    if arr.size:
                        arr.flat[data.draw(st.integers(0, arr.size - 1))] = bad
                        expect = Expect((ValueError,), names, fault)
                        return arr
                expect = Expect((ValueError,), names, fault)
                return bad
            if fault == "param_domain":
                expect = Expect((ValueError,), names, fault)
                low = 0.0 if domain == "positive" and data.draw(st.booleans()) else -1.0
                return low * max(abs(value), 1.0)
            if fault == "param_dtype":
                expect = Expect((TypeError,), names, fault)
                kind = data.draw(st.sampled_from(["complex", "object", "str", "bool"]),
                                 label="bad parameter dtype")
                if kind == "bool":
                    return np.ones(_suffix_shape(data, shape, path, True), bool)
                return BAD_DTYPE_VALUES[kind](_suffix_shape(data, shape, path, True))
            if fault == "param_shape":
                expect = Expect((ValueError,), names, fault)
                return np.full(_bad_shape(shape), value, dtype)
        mode = data.draw(st.sampled_from(
            ["keep", "keep", "scale", "per_neuron", "per_neuron", "extreme", "int",
             "numpy_scalar", "0d", "list"]), label=f"p.{path} mode")
        if mode == "keep":
            return value
        if mode == "scale":
            return value * float(rng.uniform(0.5, 2.0)) if value else float(rng.uniform(-.2, .2))
        if mode == "extreme":
            factor = data.draw(st.sampled_from([0.0, 1e-20, 1e-6, 1e3, 1e20]), label="extreme")
            out = value * factor if value else factor
            if domain == "positive" and out <= 0:
                out = 1e-20
            return abs(out) if domain != "free" else out
        if mode == "int":
            out = int(round(value))
            return max(out, 1) if domain == "positive" else abs(out) if domain != "free" else out
        if mode == "numpy_scalar":
            return dtype.type(value)
        if mode == "0d":
            kind = data.draw(st.sampled_from([dtype, np.float16, np.int64]), label="0-d dtype")
            out = np.array(value, dtype=kind)
            return np.array(1, kind) if domain == "positive" and out <= 0 else out
        size = _suffix_shape(data, shape, f"p.{path}", True)
        factor = rng.uniform(0.5, 2.0, size)
        arr = np.where(value != 0, value * factor, rng.uniform(-0.2, 0.2, size))
        if domain != "free":
            arr = np.abs(arr) + (1e-3 if domain == "positive" else 0.0)
        arr = np.array(arr, dtype=dtype)
        if mode == "list" and (arr.size or arr.ndim == 1):  # ([] would lose the shape)
            return arr.tolist()
        return _represent(data, arr, f"p.{path}", ["c", "fortran", "strided", "readonly"])

    params = map_leaves(base, leaf)
    if model.name == "lif_box":
        params = params._replace(reset_method=data.draw(
            st.sampled_from([reset.reset_value, reset.reset_subtract]), label="reset"))
    if fault == "p_type":
        expect = Expect((TypeError,), ("p",), fault)
        return tuple(params), expect
    if model.behaviour is not None and isinstance(p, model.behaviour) and data.draw(
            st.booleans(), label="as a behaviour"):
        return p._replace(p=params), expect
    return params, expect


def _draw_state(data, rng, model, p, shape: tuple, dtype, recurrent: bool, fault,
                for_step: bool = False):
    """An initial state (random leaves, full or broadcastable) and the expected error.

    ``for_step``: a step function reads ``z`` of a recurrent state through the
    recurrent weights: it must have the neuron axis (``simulate`` expands it)."""
    del p  # (maybe faulty: the state is drawn around the defaults)
    default = model.initial_state(model.make_parameters(), tuple(shape), dtype, recurrent)
    paths = [path for path, _ in _leaves(default)]
    expect = None
    target = None
    if fault in ("state_nan", "state_shape"):
        target = data.draw(st.sampled_from(paths), label="faulty state leaf")
    as_python = data.draw(st.integers(0, 9), label="python floats") == 0
    # What a step function multiplies by a matrix must have the neuron axis.
    full = (({"z"} if recurrent and model.takes_recurrent_weights else set())
            | ({"v"} if model.takes_coupling else set())) if for_step else set()

    def leaf(path, value):
        nonlocal expect
        name = path.rsplit(".", 1)[-1]
        size = tuple(shape) if name in full else _suffix_shape(data, shape, f"state.{path}")
        if name == "z":
            arr = np.array(rng.random(size) < 0.4, dtype)
        elif name == "rho":
            arr = np.array(rng.integers(0, 4, size), dtype)
        else:
            ref = np.broadcast_to(np.asarray(value, np.float64), shape)
            ref = float(ref.reshape(-1)[0]) if ref.size else 0.0
            arr = np.array(ref + rng.normal(0.0, 0.5 * (abs(ref) + 1.0), size), dtype)
        if path == target:
            if fault == "state_nan":
                bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]), label="bad value")
                if arr.size:
                    arr.flat[data.draw(st.integers(0, arr.size - 1))] = bad
                elif name in full:  # (no neuron to hold it, and a scalar would lack the axis)
                    return arr
                expect = Expect((ValueError,), (f"state.{path}",), fault)
                return arr if arr.size else dtype.type(bad)
            # (A step function names the state as a whole: its leaves broadcast together.)
            expect = Expect((ValueError,), (f"state.{path}",) + (("state",) if for_step
                                                                  else ()), fault)
            return np.zeros(_bad_shape(shape), dtype)
        if as_python and arr.size and not (for_step and name in full):
            return float(arr.reshape(-1)[0])
        # (A list becomes a float64 array: it would mix dtypes with float32 leaves.)
        return _represent(data, arr, f"state.{path}", ["c", "c", "fortran", "strided",
                                                       "readonly"]
                          + (["list"] if dtype == np.float64 else []))

    state = map_leaves(default, leaf)
    if fault == "state_dtype":
        expect = Expect((TypeError,), ("state",), fault)
        leaves = _leaves(state)
        kind = data.draw(st.sampled_from(["int", "float16", "complex", "str"]
                                         + (["mixed"] if len(leaves) > 1 else [])),
                         label="bad state dtype")
        first = leaves[0][0]

        def spoil(path, value):
            if path != first and kind != "mixed":
                return value
            arr = np.zeros(shape)
            if kind == "mixed":
                other = np.float32 if dtype == np.float64 else np.float64
                return arr.astype(other if path == first else dtype)
            return {"int": arr.astype(np.int64), "float16": arr.astype(np.float16),
                    "complex": arr.astype(complex), "str": "0.0"}[kind]

        state = map_leaves(state, spoil)
    elif fault == "state_type":
        expect = Expect((TypeError,), ("state",), fault)
        kind = data.draw(st.sampled_from(["namedtuple", "dict", "array", "tuple"]),
                         label="bad state")
        state = {"tuple": tuple(state), "namedtuple": LIFParameters(),
                 "dict": {"v": 0.0}, "array": np.zeros(shape)}[kind]
    return state, expect


def _dyadic_weights(rng, rows: int, cols: int, scale: float, low=-64, high=192) -> np.ndarray:
    return rng.integers(low, high, (rows, cols)) / 64.0 * scale


def _coupling(rng, n: int) -> np.ndarray:
    """At most two power-of-two entries per row: products and sums exact in any order."""
    g = np.zeros((n, n))
    for row in range(n):
        for col in rng.choice(n, size=min(n, 2), replace=False):
            g[row, col] = rng.choice([-4.0, -1.0, -0.25, 0.25, 1.0, 4.0])
    return g


def _draw_dt(data, lo: float, hi: float, fault: str | None):
    if fault == "dt":
        bad = data.draw(st.sampled_from([0.0, -1e-3, math.nan, math.inf, "0.001", None, 1j,
                                         True, np.array(1e-3), [1e-3]]), label="bad dt")
        return bad, Expect((ValueError, TypeError), ("dt",), fault)
    value = data.draw(st.floats(lo, hi), label="dt")
    kind = data.draw(st.sampled_from(["float", "float", "np32", "np64", "fraction", "tiny",
                                      "large", "int"]), label="dt kind")
    if kind == "np32":
        return np.float32(value), None
    if kind == "np64":
        return np.float64(value), None
    if kind == "fraction":
        return fractions.Fraction(value).limit_denominator(10**6), None
    if kind == "tiny":
        return 1e-12, None
    if kind == "large":
        return data.draw(st.sampled_from([0.05, 0.5]), label="large dt"), None
    if kind == "int":
        return 1, None
    return value, None


FAULTS = ([None] * 12
          + ["input_nan", "input_dtype", "param_nan", "param_domain", "param_dtype",
             "param_shape", "p_type", "state_nan", "state_dtype", "state_shape", "state_type",
             "weight_nan", "weight_dtype", "weight_shape", "extra_argument", "dt",
             "record_states", "spike_dtype", "backend"])


class Case(NamedTuple):
    """One drawn call: positional ``args``, keyword ``kwargs``, policy and expected error."""

    args: tuple
    kwargs: dict
    policy: str
    expect: Expect | None
    matrix: bool
    notes: str


def simulate_cases(data, model_name: str, recurrent: bool, for_step: bool = False) -> "Case":
    """Keyword arguments of :func:`refsnn.simulate` for one family variant (see module doc).

    ``for_step``: one step with an explicit state, and only faults that a step
    function can see too (no ``record_states``, ``spike_dtype``, ``backend``).
    """
    draw = data.draw
    need_state = steps = None
    if for_step:
        need_state, steps = True, 1
    model = MODELS[model_name]
    matrix = recurrent or model.takes_coupling
    mean, spread, (dt_lo, dt_hi), w_scale = DRIVE.get(model_name, _DEFAULT_DRIVE)
    rng = _rng(data)
    dtype = np.dtype(draw(st.sampled_from([np.float32, np.float64]), label="dtype"))
    policy = draw(st.sampled_from(["raise"] * 4 + ["warn", "ignore"]), label="policy")
    fault = draw(st.sampled_from(FAULTS), label="fault")
    if fault in ("weight_nan", "weight_dtype", "weight_shape") and not matrix:
        fault = None
    if for_step and fault in ("backend", "record_states", "spike_dtype", "extra_argument",
                              "p_type" if model.behaviour else ""):
        fault = None
    scalar_ok = not matrix
    geometry = draw(st.sampled_from(["small"] * 5 + ["empty", "long", "wide"]
                                    + (["scalar"] if scalar_ok else [])), label="geometry")
    T = draw(st.sampled_from([0, 1, 1, 2, 3, 5, 8]), label="T")
    batch = draw(st.sampled_from([(), (), (2,), (2, 3)]), label="batch")
    n = draw(st.integers(1, 5), label="n")
    n_in = draw(st.integers(1, 4), label="n_in")
    if geometry == "empty":
        which = draw(st.sampled_from(["T", "n", "batch"] + (["n_in"] if recurrent else [])),
                     label="empty axis")
        T, n, n_in = (0 if which == "T" else T), (0 if which == "n" else n), (
            0 if which == "n_in" else n_in)
        if which == "batch":
            batch = (0,)
    elif geometry == "long":
        T, batch, n = draw(st.integers(50, 2000 if LONG_RUN else 300), label="long T"), (), 1
    elif geometry == "wide":
        T, batch = draw(st.integers(1, 2), label="wide T"), ()
        n = draw(st.integers(200, 20000 if not matrix else 300), label="wide n")
        n_in = draw(st.integers(1, 50), label="wide n_in") if recurrent else n_in
    if steps is not None:
        T = steps
    shape = () if geometry == "scalar" else batch + (n,)
    if for_step and fault == "state_shape" and _incompatible_shape(shape) is None:
        fault = None  # (a step function lets a state leaf grow the neuron shape)
    kwargs: dict = {}
    expect = None

    # Inputs.
    x_shape = (T,) + ((batch + (n_in,)) if recurrent else shape)
    if matrix:
        x = rng.integers(-64, 65, x_shape) / 16.0
    else:
        x = rng.normal(mean, spread, x_shape) * draw(
            st.sampled_from([1.0, 1.0, 1.0, 1e-30, 1e6, 1e30]), label="input scale")
    if x.size and draw(st.booleans(), label="constant over time"):
        x = np.broadcast_to(x[:1], x.shape).copy()
    rep = draw(st.sampled_from(["gov"] * 6 + ["other_float", "bool", "float16"]),
               label="input dtype")
    overflow = False
    if rep == "bool":
        x = x > (0.0 if matrix else mean)
    elif rep == "float16":
        with np.errstate(over="ignore"):  # huge values become inf: then a fault
            x = x.astype(np.float16)
        overflow = not np.isfinite(x).all()
        if overflow and for_step:  # (a step checks its input before the state's shape)
            x = np.clip(np.nan_to_num(x.astype(np.float32)), -6e4, 6e4).astype(np.float16)
            overflow = False
    elif rep == "other_float":
        x = x.astype(np.float64 if dtype == np.float32 else np.float32)
    else:
        x = x.astype(dtype)
    if fault == "input_nan":
        if x.size and x.dtype.kind == "f":
            x.flat[draw(st.integers(0, x.size - 1), label="nan index")] = draw(
                st.sampled_from([np.nan, np.inf, -np.inf]), label="bad value")
            expect = Expect((ValueError,), ("inputs",), fault)
        else:
            fault = None
    elif fault == "input_dtype":
        kind = draw(st.sampled_from(["int8", "int64", "uint8", "complex", "object", "str"]),
                    label="bad input dtype")
        with np.errstate(invalid="ignore"):  # (inf and NaN have no integer)
            x = x.astype(kind if kind != "str" else "U4")
        if kind == "object":
            x = np.asarray(x, dtype=object)
        expect = Expect((TypeError,), ("inputs",), fault)
    inputs = _represent(data, x, "inputs")

    # Parameters and connectivity.
    p, p_expect = _draw_parameters(data, rng, model, shape, dtype,
                                   fault if fault and fault.startswith("p") else None)
    expect = expect or p_expect
    kwargs["p"] = p
    if recurrent:
        w_in = _dyadic_weights(rng, n, n_in, w_scale)
        kwargs["input_weights"] = w_in
        if model.takes_recurrent_weights:
            kwargs["recurrent_weights"] = _dyadic_weights(rng, n, n, w_scale, -96, 96)
    if model.takes_coupling:
        kwargs["g_coupling"] = _coupling(rng, n)
    matrices = [k for k in ("input_weights", "recurrent_weights", "g_coupling") if k in kwargs]
    for name in matrices:
        w = kwargs[name]
        if fault in ("weight_nan", "weight_dtype", "weight_shape") and name == draw(
                st.sampled_from(matrices), label="faulty matrix") and expect is None:
            if fault == "weight_nan":
                if w.size:
                    w = w.copy()
                    w.flat[draw(st.integers(0, w.size - 1))] = draw(
                        st.sampled_from([np.nan, np.inf, -np.inf]), label="bad weight")
                    expect = Expect((ValueError,), (name,), fault)
            elif fault == "weight_dtype":
                kind = draw(st.sampled_from(["complex", "bool", "object", "str"]))
                w = np.asarray(w.astype(kind if kind != "str" else "U4"),
                               dtype=object if kind == "object" else None)
                expect = Expect((TypeError,), (name,), fault)
            else:
                # (More rows of input_weights would change the neuron count: other
                # arguments would then be named; a column too many is this one's fault.)
                bad = [(w.shape[0], w.shape[1] + 1), w.shape[:1], (1,) + w.shape]
                if name != "input_weights":
                    bad.append((w.shape[0] + 1, w.shape[1]))
                w = np.zeros(draw(st.sampled_from(bad), label="bad matrix shape"))
                expect = Expect((ValueError,), (name,), fault)
        else:
            wdt = draw(st.sampled_from([dtype, dtype, np.float16, np.int64]), label="w dtype")
            if wdt == np.int64:
                w = np.round(w)
            w = w.astype(wdt)
        kwargs[name] = _represent(data, w, name, ["c", "c", "fortran", "strided", "reversed",
                                                  "readonly", "list"])
    if fault == "extra_argument":
        extra = "g_coupling" if not model.takes_coupling else None
        if recurrent and not model.takes_recurrent_weights:
            extra = "recurrent_weights"
        if extra is None:
            fault = None
        else:
            kwargs[extra] = np.zeros((max(n, 1), max(n, 1)), dtype)
            expect = Expect((ValueError,), (extra,), fault)

    # Initial state.
    if need_state or draw(st.booleans(), label="explicit state") or (
            fault and fault.startswith("state")):
        state, s_expect = _draw_state(data, rng, model, kwargs["p"], shape, dtype, recurrent,
                                      fault if fault and fault.startswith("state") else None,
                                      for_step)
        expect = expect or s_expect
        kwargs["state"] = state
    else:
        kwargs["state"] = None

    dt, dt_expect = _draw_dt(data, dt_lo, dt_hi, fault)
    expect = expect or dt_expect
    kwargs["dt"] = dt

    default = model.initial_state(model.make_parameters(), (1,), dtype, recurrent)
    fields = [path for path, _ in _leaves(default)]
    if fault == "record_states":
        bad = draw(st.sampled_from([("nope",), 1, "v", (1,), np.bool_(True)]))
        kwargs["record_states"] = bad
        expect = Expect((ValueError, TypeError), ("record_states",), fault)
    else:
        kwargs["record_states"] = draw(st.one_of(
            st.booleans(),
            st.lists(st.sampled_from(fields + [f.rsplit(".", 1)[-1] for f in fields]),
                     min_size=1, max_size=2, unique=True).map(tuple)), label="record_states")
    if fault == "spike_dtype":
        if model.output == "spikes":
            bad = draw(st.sampled_from([np.float32, "int64", "nope", [1], np.complex64]))
        else:
            bad = draw(st.sampled_from([np.bool_, np.uint8]))
        kwargs["spike_dtype"] = bad
        expect = Expect((ValueError, TypeError), ("spike_dtype",), fault)
    elif model.output == "spikes":
        kwargs["spike_dtype"] = draw(st.sampled_from([None, None, np.bool_, np.uint8, "bool"]),
                                     label="spike_dtype")
    if fault == "backend":
        kwargs["backend"] = draw(st.sampled_from(["nope", 3, "NUMPY", ""]), label="bad backend")
        expect = Expect((ValueError, TypeError), ("backend",), fault)

    if expect is None and overflow:
        expect = Expect((ValueError,), ("inputs",), "float16 overflow")
        fault = "float16 overflow"
    if expect is not None and fault in ("input_nan", "param_nan", "state_nan", "weight_nan",
                                        "float16 overflow") \
            and policy != "raise":
        # "warn"/"ignore" let NaN and infinity through (a domain check may still refuse them).
        expect = expect._replace(optional=policy)
    notes = (f"model={model_name} recurrent={recurrent} geometry={geometry} T={T} "
             f"shape={shape} dtype={dtype} rep={rep} fault={fault} policy={policy}")
    return Case((model_name, inputs), kwargs, policy, expect, matrix, notes)


# ----------------------------------------------------------------------------- simulate
#: ``id -> (family, recurrent?)`` of every variant with a step function.
SIM_VARIANTS = {f"{name}-{'rec' if rec else 'ff'}": (name, rec)
                for name, m in MODELS.items() for rec in (False, True)
                if (m.recurrent_step if rec else m.feed_forward_step) is not None}


def _rtol(case: Case, outcome: Outcome) -> float | None:
    """``None`` (bit identity) for elementwise families, else the state dtype's tolerance."""
    if not case.matrix or outcome.value is None:
        return None
    for _, leaf in _leaves(outcome.value[1]):
        if leaf is not None:
            return RTOL.get(np.asarray(leaf).dtype, RTOL[np.dtype(np.float32)])
    return RTOL[np.dtype(np.float32)]


@pytest.mark.parametrize("variant", variants(SIM_VARIANTS))
def test_simulate(variant):
    """``simulate`` of a family variant: the reference's outcome is the one the case
    demands; every other backend's is the same error (type and message) or agrees."""
    run_fuzz(_fuzz_simulate, variant, SIM_VARIANTS, quick=16, thorough=10)


def _fuzz_simulate(variant, data, every: bool) -> None:
    model, recurrent = variant
    case = simulate_cases(data, model, recurrent)
    note(case.notes)
    kwargs = dict(case.kwargs)
    with refsnn.options(nonfinite=case.policy):
        if "backend" in kwargs:  # a bad backend name
            _judge(_call(simulate, *case.args, **kwargs), case.expect, "simulate")
            return
        ref = _call(simulate, *case.args, **kwargs, backend=REFERENCE)
        _judge(ref, case.expect, "simulate(numpy)")
        for name in compared(data, OTHERS, every):
            got = _call(simulate, *case.args, **kwargs, backend=name)
            _agree(ref, got, f"simulate({name})", _rtol(case, ref))


# ----------------------------------------------------------------------------- step functions
def _step_call(model_name: str, recurrent: bool, case: Case, x: Any) -> tuple:
    """Positional arguments of the family's step function for ``case`` (one step ``x``)."""
    model = MODELS[model_name]
    kwargs = case.kwargs
    p = kwargs["p"]
    if model.behaviour is not None and isinstance(p, model.behaviour):
        p = p.p
    matrices = []
    if recurrent:
        matrices.append(kwargs["input_weights"])
        if model.takes_recurrent_weights:
            matrices.append(kwargs["recurrent_weights"])
    if model.takes_coupling:
        matrices.append(kwargs["g_coupling"])
    return (x, kwargs["state"], *matrices, p, kwargs["dt"])


def _has_nonfinite(tree: Any) -> bool:
    return any(np.asarray(v).dtype.kind == "f" and not np.isfinite(v).all()
               for _, v in _leaves(tree) if v is not None)


def _both_succeeded(step: Outcome, run: Outcome, policy: str, what: str) -> bool:
    """Whether one step and the one-step run (``simulate``, a scan) both succeeded (then
    their results are compared); else they must have failed alike, or the run refused
    what the step returned: a state (or weights) that became non-finite (a step
    function does not judge its results, a run does)."""
    if step.error is not None:
        assert run.error is not None and type(run.error) is type(step.error), (
            f"{what}: the step raised {step.error!r}, the run gave {run.error!r}")
        return False
    if run.error is not None:
        assert policy == "raise" and _has_nonfinite(step.value), (
            f"{what}: the run raised {run.error!r} [at {run.where}]")
        return False
    return True


@pytest.mark.parametrize("variant", variants(SIM_VARIANTS))
def test_step_function(variant):
    """A family's step function: validation as ``simulate``'s, one step equal to every
    backend's ``simulate`` of one step."""
    run_fuzz(_fuzz_step, variant, SIM_VARIANTS, quick=10, thorough=5)


def _fuzz_step(variant, data, every: bool) -> None:
    model, recurrent = variant
    case = simulate_cases(data, model, recurrent, for_step=True)
    note(case.notes)
    descriptor = MODELS[model]
    step = descriptor.recurrent_step if recurrent else descriptor.feed_forward_step
    input_name = next(iter(inspect.signature(step).parameters))
    sequence = np.asarray(case.args[1])
    x = _represent(data, sequence[0, ...], "step input")
    expect = case.expect
    if expect is not None and "inputs" in expect.names:
        expect = expect._replace(names=(input_name,))
    with refsnn.options(nonfinite=case.policy):
        got = _call(step, *_step_call(model, recurrent, case, x))
        _judge(got, expect, step.__name__)
        kwargs = {k: v for k, v in case.kwargs.items()
                  if k not in ("record_states", "spike_dtype")}
        for name in [REFERENCE] + compared(data, OTHERS, every):
            ref = _call(simulate, model, sequence, **kwargs, backend=name)
            what = f"{step.__name__} vs simulate({name})"
            if not _both_succeeded(got, ref, case.policy, what):
                continue
            z, state = got.value
            out, final = ref.value
            # (A step's spikes have the shape of what they were computed from: LSNN's
            # from the state alone; simulate expands the state to the neurons first.)
            assert np.broadcast_shapes(np.shape(z), out[0].shape) == out[0].shape, what
            _compare(out[0], np.broadcast_to(z, out[0].shape),
                     _rtol(case, ref) if case.matrix else None, f"{what}: z")
            assert type(state) is type(final), f"{what}: {type(state).__name__}"
            # (A leaf the input never reached may keep its broadcastable initial shape.)
            want = _flatten_state(final)
            leaves = tuple(np.broadcast_to(v, np.shape(f))
                           for v, f in zip(_flatten_state(state), want))
            _compare(want, leaves, _rtol(case, ref), f"{what}: state")


def _flatten_state(state: Any) -> tuple:
    """The numeric leaves of a (nested) state, in order."""
    return tuple(v for _, v in _leaves(state))


# ----------------------------------------------------------------------------- encoders
def _function_backends(name: str) -> list:
    """``None`` (the reference itself) and every available backend implementing ``name``."""
    return [None] + [b for b in BACKENDS if name in backends.functions(b)]


def _values(data, rng, shape: tuple, low: float, high: float, label: str):
    """Values in ``[low, high]`` of a drawn dtype representation, and the expected error.

    bool, integers and float16 are accepted (as float32); complex, object and
    strings must be a TypeError naming ``label``.
    """
    kind = data.draw(st.sampled_from(["float32", "float64", "float32", "float64", "bool",
                                      "int64", "uint8", "float16", "complex", "str",
                                      "object"]),
                     label=f"{label} dtype")
    x = rng.uniform(low, high, shape)
    if kind == "bool":
        return x > (low + high) / 2, None
    if kind in ("int64", "uint8"):
        return np.round(x).astype(np.int64 if low < 0 else kind), None
    if kind in ("complex", "object", "str"):
        return BAD_DTYPE_VALUES[kind](shape), Expect((TypeError,), (label,), f"{label} dtype")
    return x.astype(kind), None


def _geometry(data) -> tuple[tuple, int]:
    """``(shape, steps)``: small, empty, scalar, long (one element) or wide (one step)."""
    kind = data.draw(st.sampled_from(["small"] * 5 + ["empty", "scalar", "long", "wide"]),
                     label="geometry")
    steps = data.draw(st.sampled_from([0, 1, 2, 5, 13]), label="steps")
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3),
                            label="shape"))
    if kind == "empty":
        shape = shape[:-1] + (0,)
    elif kind == "scalar":
        shape = ()
    elif kind == "long":
        shape, steps = (1,), data.draw(st.integers(100, 3000 if LONG_RUN else 500),
                                       label="long steps")
    elif kind == "wide":
        shape, steps = (data.draw(st.integers(1000, 20000), label="wide n"),), 1
    return shape, steps


BAD_COUNTS = [-1, 1.5, True, "3", None, np.float64(2.0)]
_NONE = object()  # "no bad value injected" (None is a bad value itself)


def _lif_parameters(data, rng, shape, dtype, fault):
    """LIF parameters for the encoders (the fuzz of :func:`_draw_parameters`)."""
    return _draw_parameters(data, rng, MODELS["lif"], shape, np.dtype(dtype), fault)


ENCODERS = ["poisson_encode", "signed_poisson_encode", "constant_current_lif_encode",
            "spike_latency_lif_encode", "spike_latency_encode", "population_encode"]


def encoder_case(data, name: str):
    """``(args, kwargs, expect, policy)`` for one encoder call."""
    rng = _rng(data)
    policy = data.draw(st.sampled_from(["raise", "raise", "warn", "ignore"]), label="policy")
    shape, steps = _geometry(data)
    faults = [None] * 6 + ["values", "nan", "count", "dt", "spike_dtype"]
    if "poisson" in name:
        faults += ["negative", "f_max", "seed", "start_step"]
    if "lif" in name:
        faults += ["param_nan", "param_domain", "param_dtype", "param_shape", "p_type"]
    if name == "population_encode":
        faults += ["scale", "kernel", "distance_function"]
    fault = data.draw(st.sampled_from(faults), label="fault")
    expect = None
    input_name = {"spike_latency_encode": "input_spikes",
                  "constant_current_lif_encode": "input_current",
                  "spike_latency_lif_encode": "input_current"}.get(name, "input_values")
    low, high = {"poisson_encode": (0.0, 1.5), "signed_poisson_encode": (-1.5, 1.5),
                 "spike_latency_encode": (-1.0, 1.0)}.get(name, (-50.0, 400.0))
    if name == "population_encode":
        low, high = (-2.0, 3.0)
    if name == "spike_latency_encode":
        shape = (steps,) + shape
        kind = data.draw(st.sampled_from(["float", "int", "bool", "signed"]),
                         label="spike kind")
        z = rng.integers(-1 if kind == "signed" else 0, 2, shape) * (rng.random(shape) < 0.3)
        x = {"float": z.astype(np.float32), "int": z.astype(np.int8), "bool": z != 0,
             "signed": z.astype(np.float64)}[kind]
        if fault == "values":
            x = BAD_DTYPE_VALUES[data.draw(st.sampled_from(sorted(BAD_DTYPE_VALUES)))](shape)
            expect = Expect((TypeError,), (input_name,), fault)
        elif fault == "count":  # no time axis
            x = np.float32(1.0)
            expect = Expect((ValueError,), (input_name,), fault)
        return (_represent(data, x, input_name),), {}, expect, policy
    x, expect = _values(data, rng, shape, low, high, input_name)
    if fault == "values" and expect is None:
        x, expect = BAD_DTYPE_VALUES["complex"](shape), Expect((TypeError,), (input_name,),
                                                                fault)
    if fault == "nan" and x.size and x.dtype.kind == "f" and expect is None:
        bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]), label="bad value")
        x.flat[data.draw(st.integers(0, x.size - 1))] = bad
        # NaN is refused whatever the policy by the Poisson encoders (not a rate).
        always = "poisson" in name and (np.isnan(bad) or (bad < 0 and "signed" not in name))
        expect = Expect((ValueError,), (input_name,), fault,
                        None if policy == "raise" or always else policy)
    if fault == "negative" and name == "poisson_encode" and x.size and expect is None:
        x = np.array(x, dtype=np.float64)
        x.flat[0] = -0.5
        expect = Expect((ValueError,), (input_name,), fault)
    args = [_represent(data, x, input_name)]
    kwargs: dict = {}

    def bad(label, values, types=(ValueError, TypeError)):
        nonlocal expect
        if expect is None:
            expect = Expect(types, (label,), fault)
            return data.draw(st.sampled_from(values), label=f"bad {label}")
        return _NONE

    if name == "population_encode":
        args.append(data.draw(st.integers(1, 6), label="out_features"))
        if fault == "count":
            value = bad("out_features", [0] + BAD_COUNTS)
            if value is not _NONE:
                args[1] = value
        if fault == "scale":
            value = bad("scale", [math.nan, math.inf, "a", 1j, np.ones(shape + (2,)),
                                  np.ones(shape, complex)])
            if value is not _NONE:
                kwargs["scale"] = value
        else:
            kwargs["scale"] = data.draw(st.sampled_from(
                [None, 0, 1.5, 3, np.float32(2.0), "per sample"]), label="scale")
            if isinstance(kwargs["scale"], str):
                kwargs["scale"] = rng.uniform(0.5, 3.0, _suffix_shape(data, shape, "scale"))
            if not isinstance(kwargs["scale"], np.ndarray) and kwargs["scale"] in (None, 0) \
                    and np.size(x) == 0 and expect is None:
                expect = Expect((ValueError,), ("scale",), "empty input, default scale")
        for label in ("kernel", "distance_function"):
            if fault == label:
                value = bad(label, [3, "gauss", None], (TypeError,))
                if value is not _NONE:
                    kwargs[label] = value
            elif data.draw(st.booleans(), label=f"custom {label}"):
                kwargs[label] = (encode.gaussian_rbf if label == "kernel"
                                 else encode.euclidean_distance)
        return tuple(args), kwargs, expect, policy
    args.append(steps)
    if fault == "count":
        value = bad("seq_length", BAD_COUNTS)
        if value is not _NONE:
            args[1] = value
    if "lif" in name:
        p, p_expect = _lif_parameters(data, rng, shape, np.float32,
                                      fault if fault and fault.startswith("p") else None)
        if expect is None and p_expect is not None:
            expect = p_expect if policy == "raise" or fault != "param_nan" else \
                p_expect._replace(optional=policy)
        args.append(p)
    else:
        if fault == "f_max":
            value = bad("f_max", [-1.0, math.nan, math.inf, "100", None, True])
            args.append(100.0 if value is _NONE else value)
        else:
            args.append(data.draw(st.sampled_from([0.0, 10.0, 100, 1000.0, np.float32(3e3),
                                                   1e300]), label="f_max"))
    if fault == "dt":
        value = bad("dt", [0.0, -1e-3, math.nan, math.inf, "0.001", None, 1j])
        args.append(1e-3 if value is _NONE else value)
    else:
        args.append(data.draw(st.sampled_from([1e-4, 1e-3, 0.01, np.float32(1e-3), 1]),
                              label="dt"))
    if "poisson" in name:
        seed = data.draw(st.one_of(st.integers(0, 2**64 - 1), st.just(np.uint64(7))),
                         label="seed")
        if fault == "seed":
            value = bad("seed", [-1, 2**64, 1.5, "s", np.zeros(3), True])
            seed = 0 if value is _NONE else value
        start = data.draw(st.one_of(st.just(0), st.integers(0, 2**32 - 1 - max(steps, 1))),
                          label="start_step")
        if fault == "start_step":
            value = bad("start_step", [-1, 2**32, 1.5, "0", 2**32 - 1, True])
            start = 0 if value is _NONE else value
            if value == 2**32 - 1 and steps < 2:
                expect, start = None, 0
        args += [seed, start]
    if fault == "spike_dtype" and name != "signed_poisson_encode":
        value = bad("spike_dtype", [np.float32, "nope", [1], np.int64])
        if value is not _NONE:
            kwargs["spike_dtype"] = value
    elif name != "signed_poisson_encode":
        kwargs["spike_dtype"] = data.draw(st.sampled_from([None, None, np.bool_, np.uint8]),
                                          label="spike_dtype")
    return tuple(args), kwargs, expect, policy


def _reference_latency(z: np.ndarray) -> np.ndarray:
    """The first non-zero entry of every element along axis 0 (a loop, not cumsum)."""
    out = np.zeros_like(z)
    seen = np.zeros(z.shape[1:], bool)
    for t in range(z.shape[0]):
        keep = (z[t] != 0) & ~seen
        out[t] = np.where(keep, z[t], np.zeros((), z.dtype))
        seen |= z[t] != 0
    return out


@pytest.mark.parametrize("name", variants(ENCODERS))
def test_encoder(name):
    """An encoder: its result checked (shape, values; the first spikes of
    ``spike_latency_encode``), every backend's identical."""
    run_fuzz(_fuzz_encoder, name, ENCODERS, quick=15, thorough=20)


def _fuzz_encoder(name, data, every: bool) -> None:
    args, kwargs, expect, policy = encoder_case(data, name)
    fn = getattr(encode, name)
    with refsnn.options(nonfinite=policy):
        ref = _call(fn, *args, **kwargs)
        _judge(ref, expect, name)
        if ref.error is None:
            x = np.asarray(args[0])
            out = np.asarray(ref.value)
            if name == "population_encode":
                assert out.shape == x.shape + (args[1],)
                assert out.dtype == (x.dtype if x.dtype in RTOL else np.float32)
            elif name == "spike_latency_encode":
                np.testing.assert_array_equal(out, _reference_latency(x))
                assert out.dtype == x.dtype
            else:
                assert out.shape == (args[1],) + x.shape
                values = np.unique(out[~np.isnan(out)] if out.dtype.kind == "f" else out)
                allowed = {-1, 0, 1} if name == "signed_poisson_encode" else {0, 1}
                assert set(values.tolist()) <= allowed, values
        if "backend" not in inspect.signature(fn).parameters:
            return
        for backend in compared(data, _function_backends(name)[1:], every):
            got = _call(fn, *args, **kwargs, backend=backend)
            _agree(ref, got, f"{name}(backend={backend!r})", signs=True)


# ----------------------------------------------------------------------------- scans
SCANS = ["stp_scan", "stdp_sensor_scan", "stdp_linear_scan", "lif_current_encoder_scan",
         "lif_ex_current_encoder_scan", "lif_adex_current_encoder_scan"]
#: stdp_linear_scan with a batch of several rows sums them in its own order (per dtype).
LINEAR_RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


class ScanCase(NamedTuple):
    args: tuple
    expect: Expect | None
    policy: str
    batch_rows: int
    notes: str


def _spikes(data, rng, shape, dtype, label, fault, expect_holder):
    """Spikes ``(T, ...)``: bool or float (of ``dtype``, another float, float16);
    faults: NaN/inf (ValueError), integers or complex (TypeError), naming ``label``."""
    z = rng.random(shape) < 0.3
    kind = data.draw(st.sampled_from(["bool", "float", "float", "other", "float16"]),
                     label=f"{label} kind")
    z = {"bool": z, "float": z.astype(dtype), "float16": z.astype(np.float16),
         "other": z.astype(np.float64 if dtype == np.float32 else np.float32)}[kind]
    if fault == f"{label}_nan" and z.size and expect_holder[0] is None:
        z = z.astype(dtype)
        z.flat[data.draw(st.integers(0, z.size - 1), label="bad index")] = data.draw(
            st.sampled_from([np.nan, np.inf, -np.inf]), label="bad value")
        expect_holder[0] = Expect((ValueError,), (label,), fault)
    elif fault == f"{label}_dtype" and expect_holder[0] is None:
        z = z.astype(data.draw(st.sampled_from([np.int64, np.uint8, np.complex64, object])))
        expect_holder[0] = Expect((TypeError,), (label,), fault)
    return _represent(data, z, label)


def _field(data, rng, shape, low, high, dtype, label, domain="free", integers=True):
    """A parameter or state value: a float, a NumPy scalar, or an array of ``shape`` (or a
    broadcastable trailing part), of ``dtype``; a Python int if ``integers``."""
    kind = data.draw(st.sampled_from(["float", "array", "array", "numpy", "list"]
                                     + (["int"] if integers else [])), label=f"{label} kind")
    if kind == "float" or not shape:
        value = float(rng.uniform(low, high))
        return int(round(value)) if kind == "int" and domain == "free" else value
    if kind == "numpy":
        return dtype.type(rng.uniform(low, high))
    size = _suffix_shape(data, shape, label)
    arr = np.array(rng.uniform(low, high, size), dtype)
    if kind == "list" and arr.size and dtype == np.float64:
        return arr.tolist()
    return _represent(data, arr, label, ["c", "fortran", "strided", "readonly"])


def _spoil(data, tree, fault, prefix: str, holder, dtype, shape=(), fields=None,
           domain=None):
    """``tree`` (a NamedTuple of values) with one field made bad for the fault drawn:
    ``{prefix}_nan``, ``{prefix}_domain`` (a negative value), ``{prefix}_dtype``,
    ``{prefix}_shape`` or ``{prefix}_type``."""
    if holder[0] is not None or not fault or not fault.startswith(prefix + "_"):
        return tree
    kind = fault[len(prefix) + 1:]
    names = list(fields or tree._fields)
    if kind == "type":
        holder[0] = Expect((TypeError,), (prefix,), fault)
        return data.draw(st.sampled_from([tuple(tree), LIFParameters(), {"u": 0.0}]))
    if kind == "domain":
        names = [f for f in names if domain and f in domain]
        if not names:
            return tree
    field = data.draw(st.sampled_from(names), label=f"faulty {prefix} field")
    value = np.array(getattr(tree, field), dtype=dtype)
    if kind == "nan":
        if not value.size:
            return tree
        value.flat[data.draw(st.integers(0, value.size - 1))] = data.draw(
            st.sampled_from([np.nan, np.inf, -np.inf]))
        holder[0] = Expect((ValueError,), (f"{prefix}.{field}",), fault)
    elif kind == "domain":
        if not value.size:
            return tree
        value = domain[field](value)
        holder[0] = Expect((ValueError,), (f"{prefix}.{field}",), fault)
    elif kind == "dtype":
        value = data.draw(st.sampled_from([np.ones(value.shape, complex), "1.0",
                                           np.ones(value.shape, object)]))
        holder[0] = Expect((TypeError,), (f"{prefix}.{field}", prefix), fault)
    elif kind == "shape":
        bad = _bad_shape(shape)
        try:
            np.broadcast_shapes(bad, shape)
            if prefix != "p":  # (a state may grow the shape; a parameter may not)
                return tree
        except ValueError:
            pass
        value = np.zeros(bad, dtype)
        holder[0] = Expect((ValueError,), (f"{prefix}.{field}", prefix), fault)
    return tree._replace(**{field: value})


def scan_case(data, name: str, steps: int | None = None) -> ScanCase:
    """Arguments of the scan ``name`` (positional, without ``backend``)."""
    rng = _rng(data)
    dtype = np.dtype(data.draw(st.sampled_from([np.float32, np.float64]), label="dtype"))
    policy = data.draw(st.sampled_from(["raise", "raise", "warn", "ignore"]), label="policy")
    shape, T = _geometry(data)
    if steps is not None:
        T = steps
    shape = shape[-2:]  # (the plasticity shapes stay small)
    common = ["dt", "time_axis", "p_nan", "p_domain", "p_dtype", "p_type", "p_shape"]
    fault = data.draw(st.sampled_from([None] * 8 + common + {
        "stp_scan": ["z_nan", "z_dtype", "s_nan", "s_dtype", "s_type", "s_shape"],
        "stdp_sensor_scan": ["z_pre_nan", "z_post_dtype", "state_nan", "state_type",
                             "state_dtype", "length"],
        "stdp_linear_scan": ["z_pre_nan", "z_post_nan", "z_pre_dtype", "state_stdp_nan",
                             "state_stdp_type", "w_nan", "w_dtype", "w_shape", "bounds",
                             "algorithm", "hardbound", "length", "batch"],
    }.get(name, ["input_current_nan", "input_current_dtype", "voltage_nan",
                 "voltage_dtype"])), label="fault")
    holder = [None]
    batch_rows = 1
    if name == "stp_scan":
        z = _spikes(data, rng, (T,) + shape, dtype, "z", fault, holder)
        s = tm_mod.TsodyksMakramState(
            _field(data, rng, shape, 0, 1, dtype, "s.u"), _field(data, rng, shape, 0, 1, dtype,
                                                                 "s.x"))
        if not any(isinstance(v, np.ndarray) or isinstance(v, np.generic) for v in s):
            s = s._replace(u=np.array(s.u, dtype))  # (the state's arrays fix the dtype)
        if fault == "s_dtype" and holder[0] is None:
            s = s._replace(u=np.zeros(shape, np.int64))
            holder[0] = Expect((TypeError,), ("s",), fault)
        s = _spoil(data, s, fault, "s", holder, dtype, shape)
        p = tm_mod.TsodyksMakramParameters(
            tau_f_inv=_field(data, rng, shape, 1, 50, dtype, "tau_f_inv", "nonnegative"),
            tau_s_inv=_field(data, rng, shape, 1, 50, dtype, "tau_s_inv", "nonnegative"),
            tau_d_inv=_field(data, rng, shape, 0.5, 20, dtype, "tau_d_inv", "nonnegative"),
            U=_field(data, rng, shape, 0, 1, dtype, "U", "nonnegative"))
        p = _spoil(data, p, fault, "p", holder, dtype, shape, domain={
            "tau_f_inv": lambda v: -v - 1, "tau_d_inv": lambda v: -v - 1,
            "U": lambda v: v + 1.5})
        args = [z, s, p]
    elif name == "stdp_sensor_scan":
        pre = shape
        post = tuple(data.draw(st.lists(st.integers(0, 4), max_size=2), label="post shape"))
        length = T + 1 if fault == "length" else T
        if fault == "length":
            holder[0] = Expect((ValueError,), ("z_pre", "z_post"), fault)
        zp = _spikes(data, rng, (T,) + pre, dtype, "z_pre", fault, holder)
        zq = _spikes(data, rng, (length,) + post, dtype, "z_post", fault, holder)
        state = sensor_mod.STDPSensorState(
            np.array(rng.uniform(0, 2, pre), dtype) if data.draw(st.booleans()) else
            np.zeros((), dtype),
            _field(data, rng, post, 0, 2, dtype, "state.a_post"))
        if fault == "state_dtype" and holder[0] is None:
            state = state._replace(a_pre=np.zeros(pre, np.int32))
            holder[0] = Expect((TypeError,), ("state",), fault)
        state = _spoil(data, state, fault, "state", holder, dtype, pre)
        p = sensor_mod.STDPSensorParameters(
            eta_p=_field(data, rng, pre, 0.1, 2, dtype, "eta_p"),
            eta_m=_field(data, rng, post, 0.1, 2, dtype, "eta_m"),
            tau_ac_inv=_field(data, rng, post, 1, 100, dtype, "tau_ac_inv", "nonnegative"),
            tau_c_inv=_field(data, rng, pre, 1, 100, dtype, "tau_c_inv", "nonnegative"))
        p = _spoil(data, p, fault, "p", holder, dtype, post, fields=["eta_m", "tau_ac_inv"],
                   domain={"tau_ac_inv": lambda v: -v - 1})
        args = [zp, zq, state, p]
    elif name == "stdp_linear_scan":
        batch = data.draw(st.sampled_from([(), (1,), (2,), (3,), (0,)]), label="batch")
        batch_rows = math.prod(batch)
        n_pre = data.draw(st.integers(0, 5), label="n_pre")
        n_post = data.draw(st.integers(0, 5), label="n_post")
        pre, post = batch + (n_pre,), batch + (n_post,)
        if fault == "batch":
            post = (batch[0] + 1 if batch else 2,) + (n_post,)
            holder[0] = Expect((ValueError,), ("z_pre", "z_post"), fault)
        length = T + 1 if fault == "length" else T
        if fault == "length":
            holder[0] = Expect((ValueError,), ("z_pre", "z_post"), fault)
        zp = _spikes(data, rng, (T,) + pre, dtype, "z_pre", fault, holder)
        zq = _spikes(data, rng, (length,) + post, dtype, "z_post", fault, holder)
        w = np.array(rng.uniform(-0.2, 1.2, (n_post, n_pre)), dtype)
        if fault == "w_nan" and w.size and holder[0] is None:
            w.flat[0] = np.nan
            holder[0] = Expect((ValueError,), ("w",), fault, None if policy == "raise"
                               else policy)
        elif fault == "w_dtype" and holder[0] is None:
            w = w.astype(complex)
            holder[0] = Expect((TypeError,), ("w",), fault)
        elif fault == "w_shape" and holder[0] is None:
            w = np.zeros((n_post + 1, n_pre), dtype)
            holder[0] = Expect((ValueError,), ("w",), fault)
        w = _represent(data, w, "w", ["c", "fortran", "strided", "readonly", "reversed"]
                       + (["list"] if dtype == np.float64 else []))
        state = stdp_mod.STDPState(
            np.array(rng.uniform(0, 1, pre), dtype) if data.draw(st.booleans()) else
            np.zeros((), dtype),
            np.array(rng.uniform(0, 1, post), dtype) if data.draw(st.booleans()) else
            np.zeros((), dtype))
        state = _spoil(data, state, fault, "state_stdp", holder, dtype, pre, fields=["t_pre"])
        wshape = (n_post, n_pre)
        p = stdp_mod.STDPParameters(
            a_pre=_field(data, rng, pre, 0.5, 2, dtype, "a_pre"),
            a_post=_field(data, rng, post, 0.5, 2, dtype, "a_post"),
            tau_pre_inv=_field(data, rng, pre, 5, 100, dtype, "tau_pre_inv", "nonnegative"),
            tau_post_inv=_field(data, rng, post, 5, 100, dtype, "tau_post_inv",
                                "nonnegative"),
            w_min=_field(data, rng, wshape, -0.1, 0.1, dtype, "w_min"),
            w_max=_field(data, rng, wshape, 0.9, 1.1, dtype, "w_max"),
            eta_plus=_field(data, rng, wshape, 0, 0.5, dtype, "eta_plus", "nonnegative"),
            eta_minus=_field(data, rng, wshape, 0, 0.5, dtype, "eta_minus", "nonnegative"),
            stdp_algorithm=data.draw(st.sampled_from(stdp_mod.STDP_ALGORITHMS), label="rule"),
            mu=_field(data, rng, wshape, 0, 1, dtype, "mu", "nonnegative"),
            hardbound=data.draw(st.sampled_from([True, False, np.bool_(True)]),
                                label="hardbound"))
        rates = ["tau_pre_inv", "tau_post_inv", "eta_plus", "eta_minus", "mu"]
        p = _spoil(data, p, fault.replace("p_", "p_stdp_", 1) if fault else fault, "p_stdp",
                   holder, dtype, wshape, fields=rates + ["a_pre", "a_post", "w_min", "w_max"],
                   domain={f: (lambda v: -v - 1) for f in rates})
        if fault == "bounds" and holder[0] is None:
            p = p._replace(w_min=2.0, w_max=1.0)
            holder[0] = Expect((ValueError,), ("p_stdp.w_min",), fault)
        elif fault == "algorithm" and holder[0] is None:
            p = p._replace(stdp_algorithm=data.draw(st.sampled_from(["hebbian", 1, None])))
            holder[0] = Expect((ValueError,), ("p_stdp.stdp_algorithm",), fault)
        elif fault == "hardbound" and holder[0] is None:
            p = p._replace(hardbound=data.draw(st.sampled_from([1, "yes", None])))
            holder[0] = Expect((TypeError,), ("p_stdp.hardbound",), fault)
        args = [zp, zq, w, state, p]
    else:
        family = {"lif_current_encoder_scan": "lif", "lif_ex_current_encoder_scan": "lif_ex",
                  "lif_adex_current_encoder_scan": "lif_adex"}[name]
        x, x_expect = _values(data, rng, (T,) + shape, -50.0, 400.0, "input_current")
        if x_expect is None and x.dtype.kind in "iu":  # (bool and float16 are accepted)
            x_expect = Expect((TypeError,), ("input_current",), "input_current_dtype")
        if x_expect is not None:  # the only fault (other arguments are checked first)
            holder[0], fault = x_expect, "input_current_dtype"
        if fault == "input_current_nan" and x.size and x.dtype.kind == "f" and \
                holder[0] is None:
            x.flat[data.draw(st.integers(0, x.size - 1), label="bad index")] = np.nan
            holder[0] = Expect((ValueError,), ("input_current",), fault)
        elif fault == "input_current_dtype" and holder[0] is None:
            x = x.astype(np.int64)
            holder[0] = Expect((TypeError,), ("input_current",), fault)
            fault = "input_current_dtype"
        # (An int voltage is an input of integer dtype: a TypeError naming it.)
        states = [_field(data, rng, shape, -0.3, 1.2, dtype, "voltage", integers=False)]
        if family == "lif_adex":
            states.append(_field(data, rng, shape, -0.5, 0.5, dtype, "adaptation",
                                 integers=False))
        names = ("voltage",)
        if fault == "voltage_nan" and holder[0] is None and np.size(states[0]):
            states[0] = np.array(states[0], dtype)
            states[0].flat[0] = np.nan
            holder[0] = Expect((ValueError,), names, fault)
        elif fault == "voltage_dtype" and holder[0] is None:
            states[0] = np.zeros(shape, complex)
            holder[0] = Expect((TypeError,), names, fault)
        p, p_expect = _draw_parameters(data, rng, MODELS[family], shape, dtype,
                                       fault if fault in ("p_nan", "p_domain", "p_dtype",
                                                          "p_type", "p_shape") and
                                       holder[0] is None else None)
        if p_expect is not None and holder[0] is None:
            holder[0] = p_expect
        args = [_represent(data, x, "input_current"), *states, p]
    if fault == "dt":
        bad = data.draw(st.sampled_from([0.0, -1e-3, math.nan, "0.001", None, 1j, True]))
        args.append(bad)
        if holder[0] is None:
            holder[0] = Expect((ValueError, TypeError), ("dt",), fault)
    else:
        args.append(data.draw(st.sampled_from([1e-4, 1e-3, 5e-3, np.float32(1e-3), 1]),
                              label="dt"))
    if fault == "time_axis" and holder[0] is None:
        args[0] = np.float32(0.0)
        holder[0] = Expect((ValueError,), ("z", "input_current", "z_pre"), fault)
    expect = holder[0]
    if expect is not None and expect.fault.endswith("nan") and policy != "raise" \
            and expect.optional is None:
        expect = expect._replace(optional=policy)
    if expect is not None and expect.fault.startswith("p_") and expect.fault.endswith(
            "nan") and policy != "raise":
        expect = expect._replace(optional=policy)
    return ScanCase(tuple(args), expect, policy, batch_rows,
                    f"{name} T={T} shape={shape} dtype={dtype} fault={fault} policy={policy}")


def _compare_scan(name: str, case: ScanCase, ref: Outcome, got: Outcome, what: str) -> None:
    if name == "stdp_linear_scan" and case.batch_rows > 1 and ref.error is None \
            and got.error is None:
        w_ref, w_got = np.asarray(ref.value[0]), np.asarray(got.value[0])
        _compare(ref.value[1], got.value[1], None, f"{what} traces", signs=True)
        assert w_got.dtype == w_ref.dtype and w_got.shape == w_ref.shape, what
        scale = max(1.0, float(np.max(np.abs(w_ref[np.isfinite(w_ref)]), initial=0)))
        np.testing.assert_allclose(w_got, w_ref, rtol=0, equal_nan=True,
                                   atol=LINEAR_RTOL[w_ref.dtype] * scale, err_msg=what)
        return
    _agree(ref, got, what, signs=True)


@pytest.mark.parametrize("name", variants(SCANS))
def test_scan(name):
    """A scan over time: the reference's outcome is the one the case demands; every
    backend's is the same error or the same result."""
    run_fuzz(_fuzz_scan, name, SCANS, quick=15, thorough=20)


def _fuzz_scan(name, data, every: bool) -> None:
    case = scan_case(data, name)
    note(case.notes)
    fn = getattr(scan, name)
    with refsnn.options(nonfinite=case.policy):
        ref = _call(fn, *case.args)
        _judge(ref, case.expect, name)
        for backend in compared(data, _function_backends(name)[1:], every):
            got = _call(fn, *case.args, backend=backend)
            _compare_scan(name, case, ref, got, f"{name}(backend={backend!r})")


# ----------------------------------------------------------------------------- plasticity steps
PLASTICITY = {"stp_step": (tm_mod.stp_step, "stp_scan"),
              "stdp_sensor_step": (sensor_mod.stdp_sensor_step, "stdp_sensor_scan"),
              "stdp_step_linear": (stdp_mod.stdp_step_linear, "stdp_linear_scan")}


def _first_row(x: Any) -> Any:
    """Row 0 of a sequence argument (arrays, lists, array-likes); an array's row stays an
    array (``a[0, ...]``: an object array's element would be a Python number)."""
    if isinstance(x, ArrayLike):
        return ArrayLike(np.asarray(x)[0, ...])
    if isinstance(x, (list, tuple)):
        return x[0]
    return np.asarray(x)[0, ...] if np.ndim(x) else x


@pytest.mark.parametrize("name", variants(list(PLASTICITY)))
def test_plasticity_step(name):
    """A plasticity step: the validation and the result of its scan with one step, on every
    backend."""
    run_fuzz(_fuzz_plasticity, name, list(PLASTICITY), quick=10, thorough=15)


def _fuzz_plasticity(name, data, every: bool) -> None:
    step, scan_name = PLASTICITY[name]
    case = scan_case(data, scan_name, steps=1)
    note(case.notes)
    if case.expect is not None and case.expect.fault in ("time_axis", "length"):
        return  # (sequence-only faults)
    n_seq = 1 if scan_name == "stp_scan" else 2
    args = tuple(_first_row(a) for a in case.args[:n_seq]) + case.args[n_seq:]
    fn = getattr(scan, scan_name)
    with refsnn.options(nonfinite=case.policy):
        got = _call(step, *args)
        _judge(got, case.expect, name)
        for backend in [None] + compared(data, _function_backends(scan_name)[1:], every):
            ref = _call(fn, *case.args, backend=backend)
            what = f"{name} vs {scan_name}(backend={backend!r})"
            if not _both_succeeded(got, ref, case.policy, what):
                continue
            if scan_name == "stp_scan":
                want = (np.asarray(ref.value[0])[0], ref.value[1])
            elif scan_name == "stdp_sensor_scan":
                want = ref.value[1]
            else:
                want = ref.value
            _compare_scan(scan_name, case, Outcome(want, None, ()), got, what)


# ----------------------------------------------------------------------------- module layer
def _invoke(module, *args):
    """``module(*args)`` (the module is an argument, so :func:`_call` checks it too)."""
    return module(*args)


def _module_expect(case: Case) -> tuple[Expect | None, Expect | None]:
    """The expected errors of a neuron module's construction and of its call."""
    expect = case.expect
    if expect is not None and expect.fault in ("p_type", "dt"):
        return expect, None
    return None, expect


def _neuron_module(data, kind: str, every: bool) -> None:
    recurrent = kind == "LIFRecurrentCell"
    case = simulate_cases(data, "lif", recurrent, for_step=kind != "LIF")
    note(case.notes)
    if case.expect is not None and case.expect.fault in ("record_states", "spike_dtype",
                                                         "backend", "extra_argument"):
        return
    kw = case.kwargs
    sequence = np.asarray(case.args[1])
    state = kw["state"] if kind == "LIF" or data.draw(st.booleans(), label="state") else None
    if state is None and case.expect is not None and case.expect.fault.startswith("state"):
        return
    build_expect, call_expect = _module_expect(case)
    record = kind == "LIF" and data.draw(st.booleans(), label="record_states")
    if kind == "LIF":
        x = case.args[1]
    else:
        x = _represent(data, sequence[0, ...], "input")
    reference_kwargs = {k: v for k, v in kw.items()
                        if k in ("p", "dt", "input_weights", "recurrent_weights")}
    with refsnn.options(nonfinite=case.policy):
        if recurrent:
            w_in = np.asarray(kw["input_weights"])
            w_rec = np.asarray(kw["recurrent_weights"])
            autapses = data.draw(st.booleans(), label="autapses")
            if case.expect is not None and case.expect.fault == "weight_nan":
                autapses = True  # (without autapses a NaN on the diagonal is zeroed)
            n_in, n = (w_in.shape[1], w_in.shape[0]) if w_in.ndim == 2 else (1, 1)
            if n == 0 or n_in == 0:
                return  # (input_size and hidden_size must be >= 1)
            # (A weight of a bad dtype is the reference's to refuse: passed on as it is.)
            effective = np.array(w_rec, dtype=w_rec.dtype if w_rec.dtype.kind in "fcOU"
                                 else np.float64)
            if not autapses and effective.shape == (n, n) and effective.dtype.kind == "f":
                np.fill_diagonal(effective, 0)
            reference_kwargs["recurrent_weights"] = effective
        for backend in [REFERENCE] + compared(data, OTHERS, every):
            if kind == "LIFCell":
                built = _call(nn.LIFCell, kw["p"], dt=kw["dt"], backend=backend)
            elif kind == "LIF":
                built = _call(nn.LIF, kw["p"], dt=kw["dt"], record_states=record,
                              backend=backend)
            else:
                built = _call(nn.LIFRecurrentCell, n_in, n, kw["p"],
                              input_weights=kw["input_weights"],
                              recurrent_weights=kw["recurrent_weights"],
                              autapses=autapses, dt=kw["dt"], backend=backend)
            if build_expect is not None or built.error is not None:
                if built.error is not None and build_expect is None:
                    # A weight fault is found by the constructor (it checks shapes).
                    assert call_expect is not None and call_expect.fault.startswith(
                        "weight"), f"{kind}: {built.error!r} [at {built.where}]"
                    _judge(built, call_expect._replace(types=(ValueError, TypeError)), kind)
                else:
                    _judge(built, build_expect, f"{kind}()")
                return
            module = built.value
            got = _call(_invoke, module, x, state)
            _judge(got, call_expect, f"{kind}(backend={backend!r})")
            inputs = sequence if kind == "LIF" else np.asarray(x)[None]
            ref = _call(simulate, "lif", inputs, state=state, record_states=record,
                        backend=REFERENCE, **reference_kwargs)
            if got.error is not None or ref.error is not None:
                assert got.error is not None and ref.error is not None and type(
                    got.error) is type(ref.error), f"{kind}: {got.error!r} vs {ref.error!r}"
                continue
            want = ref.value if kind == "LIF" else (ref.value[0][0], ref.value[1])
            _compare(want, got.value, RTOL[np.asarray(ref.value[1][0]).dtype]
                     if recurrent else None, f"{kind}(backend={backend!r})")


def _float_of(x: np.ndarray) -> np.dtype:
    """The dtype a stateless layer computes in for input ``x``."""
    return x.dtype if x.dtype in RTOL else np.dtype(np.float32)


def _within_bound(got: np.ndarray, ref: np.ndarray, bound: np.ndarray, what: str) -> None:
    """``got`` is ``ref`` (float64) within ``bound``; NaN where ``ref`` is NaN."""
    nan = np.isnan(ref)
    np.testing.assert_array_equal(np.isnan(got), nan, err_msg=f"{what}: NaN positions")
    err = np.abs(got.astype(np.float64) - ref)
    bad = ~nan & (err > bound)
    assert not bad.any(), f"{what}: error {err[bad].max()} beyond the bound {bound[bad].min()}"


def _module_input(data, rng, shape, name="input"):
    """Real values of a drawn dtype and container (NaN sometimes), or a bad dtype."""
    kind = data.draw(st.sampled_from(["float32", "float64", "float32", "bool", "int64",
                                      "float16", "bad"]), label=f"{name} dtype")
    x = rng.uniform(-3, 3, shape)
    if kind == "bad":
        return BAD_DTYPE_VALUES[data.draw(st.sampled_from(sorted(BAD_DTYPE_VALUES)))](
            shape), Expect((TypeError,), (name,), "input dtype")
    x = {"bool": x > 0, "int64": np.round(x).astype(np.int64)}.get(kind, x.astype(
        kind if kind not in ("bool", "int64") else np.float32))
    if x.dtype.kind == "f" and x.size and data.draw(st.integers(0, 4), label="nan") == 0:
        x.flat[data.draw(st.integers(0, x.size - 1))] = np.nan
    return x, None


def _linear(data) -> None:
    rng = _rng(data)
    n_in = data.draw(st.integers(1, 6), label="in_features")
    n_out = data.draw(st.integers(1, 5), label="out_features")
    bias = data.draw(st.sampled_from([True, False, np.bool_(True)]), label="bias")
    fault = data.draw(st.sampled_from([None] * 6 + ["in_features", "bias", "shape", "ndim",
                                                     "weight"]), label="fault")
    args = [n_in, n_out, bias]
    if fault == "in_features":
        args[0] = data.draw(st.sampled_from([0, -1, 1.5, True, "3"]))
    elif fault == "bias":
        args[2] = data.draw(st.sampled_from(["yes", 1, None]))
    built = _call(nn.Linear, *args, rng=data.draw(st.integers(0, 99), label="rng"))
    if fault in ("in_features", "bias"):
        _judge(built, Expect((ValueError, TypeError), (fault,), fault), "Linear()")
        return
    _judge(built, None, "Linear()")
    layer = built.value
    lead = data.draw(st.sampled_from([(), (0,), (3,), (2, 3), (1, 0, 2)]), label="lead")
    x, expect = _module_input(data, rng, lead + (n_in,))
    if fault == "shape" and expect is None:
        x, expect = np.zeros(lead + (n_in + 1,)), Expect((ValueError,), ("input",), fault)
    elif fault == "ndim" and expect is None:
        x, expect = np.float32(1.0), Expect((ValueError,), ("input",), fault)
    elif fault == "weight":
        layer.weight = data.draw(st.sampled_from([np.zeros((n_out, n_in + 1)),
                                                  np.ones((n_out, n_in), complex)]))
        expect = expect or Expect((ValueError, TypeError), ("weight",), fault)
    x = _represent(data, x, "input")
    got = _call(_invoke, layer, x)
    _judge(got, expect, "Linear")
    if got.error is not None:
        return
    x64 = np.asarray(x).astype(np.float64)
    w64 = layer.weight.astype(np.float64)
    b64 = layer.bias.astype(np.float64) if layer.bias is not None else np.zeros(n_out)
    out = got.value
    dtype = _float_of(np.asarray(x))
    assert out.dtype == dtype and out.shape == lead + (n_out,), (out.dtype, out.shape)
    ref = x64 @ w64.T + b64
    scale = np.abs(np.nan_to_num(x64)) @ np.abs(w64).T + np.abs(b64)
    _within_bound(out, ref, 4 * np.finfo(dtype).eps * (n_in + 2) * scale + 1e-300, "Linear")
    assert not np.shares_memory(out, np.asarray(x)), "Linear returned a view of its input"


def _conv_reference(x, w, b, stride, pads, dilation, groups):
    """Cross-correlation in float64 by loops (and the bound of its float error)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    top, bottom, left, right = pads
    xp = np.zeros((n, c, h + top + bottom, wd + left + right))
    xp[:, :, top:top + h, left:left + wd] = x
    ho = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, ho, wo))
    mag = np.zeros((n, o, ho, wo))
    per = o // groups
    for oc in range(o):
        g = oc // per
        for i in range(ho):
            for j in range(wo):
                rows = i * stride[0] + dilation[0] * np.arange(kh)
                cols = j * stride[1] + dilation[1] * np.arange(kw)
                patch = xp[:, g * cg:(g + 1) * cg][:, :, rows][:, :, :, cols]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3)) + b[oc]
                mag[:, oc, i, j] = (np.abs(np.nan_to_num(patch)) * np.abs(w[oc])).sum(
                    axis=(1, 2, 3)) + abs(b[oc])
    return out, mag


def _conv2d(data) -> None:
    rng = _rng(data)
    groups = data.draw(st.sampled_from([1, 1, 2, 3]), label="groups")
    c_in = groups * data.draw(st.integers(1, 2), label="channels per group")
    c_out = groups * data.draw(st.integers(1, 2), label="outputs per group")
    kernel = data.draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3),
                                                               st.integers(1, 3))),
                       label="kernel_size")
    stride = data.draw(st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2),
                                                               st.integers(1, 2))),
                       label="stride")
    dilation = data.draw(st.one_of(st.integers(1, 2), st.just((1, 2))), label="dilation")
    padding = data.draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2),
                                                                st.integers(0, 2)),
                                  st.just("valid"), st.just("same")), label="padding")
    if padding == "same":
        stride = 1
    bias = data.draw(st.booleans(), label="bias")
    fault = data.draw(st.sampled_from([None] * 8 + ["groups", "kernel_size", "padding",
                                                     "padding_mode", "bias", "stride",
                                                     "channels", "small", "ndim"]),
                      label="fault")
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)
    expect = None
    if fault == "groups" and groups > 1:
        c_in, expect = c_in + 1, Expect((ValueError,), ("in_channels", "groups"), fault)
    elif fault == "kernel_size":
        kernel = data.draw(st.sampled_from([0, (1, 0), -1, (1, 2, 3), 1.5, "3"]))
        expect = Expect((ValueError, TypeError), ("kernel_size",), fault)
    elif fault == "padding":
        kwargs["padding"] = data.draw(st.sampled_from(["bogus", -1, (1,), 1.5]))
        expect = Expect((ValueError, TypeError), ("padding",), fault)
    elif fault == "padding_mode":
        kwargs["padding_mode"] = "reflect"
        expect = Expect((ValueError,), ("padding_mode",), fault)
    elif fault == "bias":
        kwargs["bias"] = "yes"
        expect = Expect((TypeError,), ("bias",), fault)
    elif fault == "stride":
        kwargs["stride"] = data.draw(st.sampled_from([0, (1, 2, 3), None]))
        expect = Expect((ValueError, TypeError), ("stride",), fault)
    built = _call(nn.Conv2d, c_in, c_out, kernel, rng=data.draw(st.integers(0, 99)),
                  **kwargs)
    if expect is not None:
        _judge(built, expect, "Conv2d()")
        return
    _judge(built, None, "Conv2d()")
    layer = built.value
    n = data.draw(st.sampled_from([None, 0, 1, 2]), label="batch")
    h, w = data.draw(st.integers(1, 7), label="H"), data.draw(st.integers(1, 7), label="W")
    shape = (c_in, h, w) if n is None else (n, c_in, h, w)
    x, expect = _module_input(data, rng, shape)
    if fault == "channels" and expect is None:
        x = np.zeros(shape[:-3] + (c_in + 1, h, w), np.float32)
        expect = Expect((ValueError,), ("input",), fault)
    elif fault == "small" and expect is None:
        x = np.zeros(shape[:-2] + (1, 1), np.float32)  # (refused below if the kernel is larger)
    elif fault == "ndim" and expect is None:
        x, expect = np.zeros((h, w), np.float32), Expect((ValueError,), ("input",), fault)
    spans = [d * (k - 1) + 1 for k, d in zip(layer.kernel_size, layer.dilation)]
    pads = layer._pads
    if expect is None and (np.shape(x)[-2] + pads[0] + pads[1] < spans[0]
                           or np.shape(x)[-1] + pads[2] + pads[3] < spans[1]):
        expect = Expect((ValueError,), ("input",), "input smaller than the kernel")
    x = _represent(data, x, "input")
    got = _call(_invoke, layer, x)
    _judge(got, expect, "Conv2d")
    if got.error is not None:
        return
    x4 = np.asarray(x).astype(np.float64)
    x4 = x4[None] if n is None else x4
    b = layer.bias.astype(np.float64) if layer.bias is not None else np.zeros(c_out)
    ref, mag = _conv_reference(x4, layer.weight.astype(np.float64), b, layer.stride, pads,
                               layer.dilation, groups)
    ref, mag = (ref[0], mag[0]) if n is None else (ref, mag)
    out = got.value
    dtype = _float_of(np.asarray(x))
    assert out.dtype == dtype and out.shape == ref.shape, (out.dtype, out.shape, ref.shape)
    fan = c_in // groups * layer.kernel_size[0] * layer.kernel_size[1]
    _within_bound(out, ref, 4 * np.finfo(dtype).eps * (fan + 2) * mag + 1e-300, "Conv2d")


def _pool_reference(x, kernel, stride, padding, dilation, ceil_mode):
    """Max pooling by loops over the windows (-inf padding, NaN propagating)."""
    n, c, h, w = x.shape
    sizes = []
    for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation):
        num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
        out = num // s + 1
        if ceil_mode and (out - 1) * s >= size + p:
            out -= 1
        sizes.append(out)
    if min(sizes) < 1:
        return None
    out = np.full((n, c) + tuple(sizes), -np.inf, dtype=x.dtype)
    for i in range(sizes[0]):
        for j in range(sizes[1]):
            rows = [r for r in (i * stride[0] - padding[0] + dilation[0] * np.arange(kernel[0]))
                    if 0 <= r < h]
            cols = [q for q in (j * stride[1] - padding[1] + dilation[1] * np.arange(kernel[1]))
                    if 0 <= q < w]
            if rows and cols and n and c:
                out[:, :, i, j] = np.max(x[:, :, rows][:, :, :, cols], axis=(2, 3))
    return out


def _maxpool(data) -> None:
    rng = _rng(data)
    kernel = data.draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3),
                                                               st.integers(1, 3))),
                       label="kernel_size")
    kpair = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    stride = data.draw(st.one_of(st.none(), st.integers(1, 3)), label="stride")
    padding = data.draw(st.integers(0, min(kpair) // 2), label="padding")
    dilation = data.draw(st.sampled_from([1, 2, (1, 2)]), label="dilation")
    ceil_mode = data.draw(st.booleans(), label="ceil_mode")
    fault = data.draw(st.sampled_from([None] * 6 + ["padding", "ceil_mode", "kernel_size",
                                                     "ndim"]), label="fault")
    expect = None
    if fault == "padding":
        padding, expect = min(kpair) // 2 + 1, Expect((ValueError,), ("padding",), fault)
    elif fault == "ceil_mode":
        ceil_mode, expect = "yes", Expect((TypeError,), ("ceil_mode",), fault)
    elif fault == "kernel_size":
        kernel = data.draw(st.sampled_from([0, (0, 1), 1.5, "2", (1, 2, 3)]))
        expect = Expect((ValueError, TypeError), ("kernel_size",), fault)
    built = _call(nn.MaxPool2d, kernel, stride, padding, dilation, ceil_mode)
    if expect is not None:
        _judge(built, expect, "MaxPool2d()")
        return
    _judge(built, None, "MaxPool2d()")
    layer = built.value
    n = data.draw(st.sampled_from([None, 0, 1, 2]), label="batch")
    c = data.draw(st.integers(0, 2), label="channels")
    h, w = data.draw(st.integers(1, 7), label="H"), data.draw(st.integers(1, 7), label="W")
    shape = (c, h, w) if n is None else (n, c, h, w)
    x, expect = _module_input(data, rng, shape)
    if fault == "ndim" and expect is None:
        x, expect = np.zeros((h, w)), Expect((ValueError,), ("input",), fault)
    stride_pair = kpair if stride is None else (stride, stride)
    dil = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    ref = None
    x = _represent(data, x, "input")
    if expect is None:
        x4 = np.asarray(x).astype(_float_of(np.asarray(x)))
        ref = _pool_reference(x4[None] if n is None else x4, kpair, stride_pair,
                              (padding, padding), dil, ceil_mode)
        if ref is None:
            expect = Expect((ValueError,), ("input",), "input smaller than a window")
    got = _call(_invoke, layer, x)
    _judge(got, expect, "MaxPool2d")
    if got.error is not None:
        return
    ref = ref[0] if n is None else ref
    assert got.value.dtype == ref.dtype and got.value.shape == ref.shape, (
        got.value.dtype, got.value.shape, ref.shape)
    np.testing.assert_array_equal(got.value, ref, err_msg="MaxPool2d")


def _sequential(data) -> None:
    rng = _rng(data)
    n_in, n, k = (data.draw(st.integers(1, 4), label=f"size {i}") for i in range(3))
    backend = data.draw(st.sampled_from(BACKENDS), label="backend")
    dt = data.draw(st.floats(5e-4, 2e-3), label="dt")
    first, last = nn.Linear(n_in, n, rng=1), nn.Linear(n, k, rng=2)
    cell = nn.LIFCell(LIFParameters(tau_mem_inv=float(rng.uniform(50, 200))), dt=dt,
                      backend=backend)
    return_hidden = data.draw(st.booleans(), label="return_hidden")
    fault = data.draw(st.sampled_from([None] * 4 + ["return_hidden", "state", "module"]),
                      label="fault")
    modules = [first, cell, last]
    if fault == "module":
        modules.append(3)
    built = _call(nn.SequentialState, *modules,
                  return_hidden="no" if fault == "return_hidden" else return_hidden)
    if fault in ("module", "return_hidden"):
        _judge(built, Expect((TypeError,), ("module", "return_hidden"), fault),
               "SequentialState()")
        return
    seq = built.value
    batch = data.draw(st.sampled_from([(), (2,), (0,)]), label="batch")
    x, expect = _module_input(data, rng, batch + (n_in,))
    states = data.draw(st.sampled_from([None, "list", "tuple"]), label="states")
    if states is not None:
        s1 = LIFFeedForwardState(np.array(rng.uniform(-0.5, 1, batch + (n,)), np.float32),
                                 np.zeros(batch + (n,), np.float32))
        states = [None, s1, None] if states == "list" else (None, s1, None)
    if fault == "state" and expect is None:
        states = data.draw(st.sampled_from([[None], "abc", (None, None)]))
        expect = Expect((ValueError,), ("state",), fault)
    x = _represent(data, x, "input")
    got = _call(_invoke, seq, x, states)
    _judge(got, expect, "SequentialState")
    if got.error is not None:
        return
    h1 = first(np.asarray(x))
    z, s = cell(h1, None if states is None else states[1])
    y = last(z)
    out, new_states = got.value
    want = [h1, z, y] if return_hidden else y
    _compare(want if return_hidden else y, out, None, "SequentialState")
    assert isinstance(new_states, list) and len(new_states) == 3
    _compare(s, new_states[1], None, "SequentialState state")


#: The layers without a backend (the neuron modules are LIFCell, LIF, LIFRecurrentCell).
LAYERS = {"Linear": _linear, "Conv2d": _conv2d, "MaxPool2d": _maxpool,
          "SequentialState": _sequential}
MODULES = ["LIFCell", "LIF", "LIFRecurrentCell", *LAYERS]


def _fuzz_module(kind, data, every: bool) -> None:
    if kind in LAYERS:
        LAYERS[kind](data)
    else:
        _neuron_module(data, kind, every)


@pytest.mark.parametrize("kind", variants(MODULES))
def test_module(kind):
    """A module: construction and call validated, results agreeing with ``simulate`` (neuron
    modules, on every backend) or with a float64 loop (layers), within a rounding bound."""
    run_fuzz(_fuzz_module, kind, MODULES, quick=12, thorough=15)


# ----------------------------------------------------------------------------- huge requests
#: The canonical impossible request: a scalar broadcast to 10**9 steps x 10**6 neurons.
HUGE = (10**9, 10**6)
#: Seconds a huge request may take to be refused.
HUGE_SECONDS = 0.5


def _huge(dtype=np.float32, value=0.5, shape=HUGE) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=dtype), shape)


class _Hang(Exception):
    """A call ran past its alarm."""


def _vm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


@contextlib.contextmanager
def _guarded(seconds: float = HUGE_SECONDS, headroom: int = 1 << 27):
    """Run a huge request safely: at most ``headroom`` more bytes of address space (an
    allocation beyond it is a MemoryError, not the machine's out-of-memory killer) and
    an alarm after ``seconds`` (a hang becomes :class:`_Hang`)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _vm_bytes() + headroom
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)

    def alarm(signum, frame):
        raise _Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGALRM, previous)


def _sim(**kwargs):
    inputs = kwargs.pop("inputs", None)
    return lambda backend: simulate("lif", _huge() if inputs is None else inputs(),
                                    backend=backend, **kwargs)


_F32_STATE = LIFFeedForwardState(np.float32(0.0), np.float32(0.0))

#: name -> (call taking the backend name or None, backends it runs on).
#: ``"all"``: every available backend; ``"functions"``: None and every backend with the
#: function; ``None``: no backend.
HUGE_CASES = {
    "simulate float32": (_sim(), "all"),
    "simulate float64": (_sim(inputs=lambda: _huge(np.float64)), "all"),
    "simulate with record_states": (_sim(record_states=True), "all"),
    "simulate recurrent": (_sim(inputs=lambda: _huge(shape=(10**9, 1000, 1)),
                                input_weights=np.ones((8, 1), np.float32),
                                recurrent_weights=np.zeros((8, 8), np.float32)), "all"),
    "simulate bool": (_sim(inputs=lambda: _huge(np.bool_, True)), "all"),
    "simulate float16": (_sim(inputs=lambda: _huge(np.float16)), "all"),
    "simulate float64 inputs, float32 state": (
        _sim(inputs=lambda: _huge(np.float64), state=_F32_STATE), "all"),
    "simulate recurrent, few neurons": (
        _sim(inputs=lambda: _huge(shape=(10**7, 10**8)),
             input_weights=np.broadcast_to(np.float32(0.0), (1, 10**8)),
             recurrent_weights=np.zeros((1, 1), np.float32)), "all"),
    "poisson_encode values": (lambda b: encode.poisson_encode(_huge(), 1, backend=b),
                              "functions"),
    "poisson_encode steps": (lambda b: encode.poisson_encode(
        np.full(10**6, 0.5, np.float32), 10**9, backend=b), "functions"),
    "signed_poisson_encode steps": (lambda b: encode.signed_poisson_encode(
        np.full(10**6, 0.5, np.float32), 10**9, backend=b), "functions"),
    "constant_current_lif_encode values": (
        lambda b: encode.constant_current_lif_encode(_huge(), 1, backend=b), "functions"),
    "constant_current_lif_encode steps": (
        lambda b: encode.constant_current_lif_encode(np.ones(10**6, np.float32), 10**9,
                                                     backend=b), "functions"),
    "spike_latency_lif_encode steps": (
        lambda b: encode.spike_latency_lif_encode(np.ones(10**6, np.float32), 10**9,
                                                  backend=b), "functions"),
    "spike_latency_encode": (lambda b: encode.spike_latency_encode(_huge()), None),
    "population_encode": (lambda b: encode.population_encode(_huge(), 3, scale=1.0), None),
    "stp_scan": (lambda b: scan.stp_scan(_huge(), tm_mod.TsodyksMakramState(
        np.float32(0.0), np.float32(1.0)), backend=b), "functions"),
    "stdp_sensor_scan": (lambda b: scan.stdp_sensor_scan(
        _huge(), _huge(), sensor_mod.STDPSensorState(np.float32(0.0), np.float32(0.0)),
        backend=b), "functions"),
    "stdp_linear_scan": (lambda b: scan.stdp_linear_scan(
        _huge(), _huge(shape=(10**9, 1)), np.zeros((1, 10**6), np.float32),
        stdp_mod.STDPState(np.float32(0.0), np.float32(0.0)), backend=b), "functions"),
    "lif_current_encoder_scan": (lambda b: scan.lif_current_encoder_scan(
        _huge(), np.float32(0.0), backend=b), "functions"),
    "lif_adex_current_encoder_scan": (lambda b: scan.lif_adex_current_encoder_scan(
        _huge(), np.float32(0.0), np.float32(0.0), backend=b), "functions"),
    "stp_step": (lambda b: tm_mod.stp_step(_huge(), tm_mod.TsodyksMakramState(
        np.float32(0.0), np.float32(1.0)), tm_mod.TsodyksMakramParameters()), None),
    "stdp_step_linear": (lambda b: stdp_mod.stdp_step_linear(
        _huge(), _huge(shape=(10**9, 1)), np.zeros((1, 10**6), np.float32),
        stdp_mod.STDPState(np.float32(0.0), np.float32(0.0))), None),
    "lif_feed_forward_step": (lambda b: lif_feed_forward_step(_huge(), _F32_STATE), None),
    "LIFCell": (lambda b: nn.LIFCell(backend=b)(_huge()), "all"),
    "LIF": (lambda b: nn.LIF(backend=b)(_huge()), "all"),
    "Linear": (lambda b: nn.Linear(10**6, 4)(_huge(shape=(10**12, 10**6))), None),
    "MaxPool2d": (lambda b: nn.MaxPool2d(2)(_huge(shape=(10**6, 1, 10**4, 10**4))), None),
}


def _huge_params():
    out = []
    for name, (_, which) in HUGE_CASES.items():
        if which is None:
            targets = [None]
        elif which == "all":
            targets = BACKENDS
        else:  # (backend="numpy" runs the reference itself: None covers it)
            fn = name.split()[0]
            targets = [None] + [b for b in OTHERS if fn in backends.functions(b)]
        out += [pytest.param(name, backend, id=f"{name}-{backend}") for backend in targets]
    return out


@pytest.mark.skipif(resource is None or not Path("/proc/self/status").exists(),
                    reason="needs Linux (/proc, resource limits)")
@pytest.mark.parametrize("name, backend", _huge_params())
def test_huge_broadcast_request_is_refused(name, backend):
    """``np.broadcast_to`` of a scalar to (10**9, 10**6) (or similar): refused within
    ``HUGE_SECONDS`` with InsufficientMemoryError, before anything is allocated."""
    call = HUGE_CASES[name][0]
    start = time.perf_counter()
    with _guarded():
        with pytest.raises(InsufficientMemoryError):
            call(backend)
    assert time.perf_counter() - start < HUGE_SECONDS


# ----------------------------------------------------------------------------- regressions
# Deterministic tests of the package bugs the fuzz found (each named in its docstring).
@pytest.mark.parametrize("backend", [b for b in OTHERS if b == "numba"])
def test_bug_empty_batch_recurrent(backend):
    """numba's recurrent runner reshaped the input projection of an empty batch with -1
    (``cannot reshape array of size 0``)."""
    x = np.ones((2, 0, 2), np.float32)
    kwargs = dict(input_weights=np.ones((3, 2), np.float32),
                  recurrent_weights=np.ones((3, 3), np.float32))
    ref = simulate("lif", x, **kwargs)
    got = simulate("lif", x, backend=backend, **kwargs)
    _compare(ref, got, None, f"simulate(backend={backend!r})")


@pytest.mark.parametrize("field, value", [("w_min", np.nan), ("w_max", np.inf),
                                          ("a_pre", np.nan), ("a_post", -np.inf)])
def test_bug_stdp_parameters_not_checked(field, value):
    """``p_stdp.a_pre``, ``a_post``, ``w_min``, ``w_max`` escaped the non-finite policy
    (only the rates were checked)."""
    p = stdp_mod.STDPParameters()._replace(**{field: value})
    state = stdp_mod.STDPState(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=f"p_stdp.{field}"):
        stdp_mod.stdp_step_linear(np.ones(2), np.ones(3), np.ones((3, 2)), state, p)


def test_bug_stdp_bounds_shapes():
    """``p_stdp.w_min`` and ``w_max`` of shapes that do not broadcast together were compared
    before any shape check: NumPy's broadcast error, naming neither."""
    p = stdp_mod.STDPParameters()._replace(w_min=np.zeros((0, 0)), w_max=np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"p_stdp\.w_max"):
        stdp_mod.stdp_step_linear(np.zeros((1, 0)), np.zeros((1, 0)), np.zeros((0, 0)),
                                  stdp_mod.STDPState(0.0, 0.0), p)


def test_bug_record_states_checked_after_run():
    """Unknown ``record_states`` names were refused only after the run, so a run that
    diverged blamed its state instead."""
    with pytest.raises(ValueError, match="record_states"):
        simulate("lif", np.full((3, 1), 3e38, np.float32), record_states=("nope",))


@pytest.mark.parametrize("scale", [np.array(1j), np.array(np.nan)], ids=["complex", "nan"])
def test_bug_population_encode_0d_scale(scale):
    """A 0-d array ``scale`` went through ``float(scale)`` unchecked: a complex one raised
    Python's TypeError naming nothing, a NaN one escaped the non-finite policy."""
    with pytest.raises((TypeError, ValueError), match="scale"):
        encode.population_encode(np.ones(3), 2, scale=scale)


@pytest.mark.parametrize("argument", ["inputs", "input_weights", "p.v_th", "state.v"])
def test_bug_ragged_lists(argument):
    """A ragged nested list raised NumPy's ValueError, which named no argument."""
    x, kwargs = np.ones((2, 2)), {}
    ragged = [[1.0, 2.0], [1.0]]
    if argument == "inputs":
        x = ragged
    elif argument == "input_weights":
        kwargs = dict(input_weights=ragged, recurrent_weights=np.zeros((2, 2)))
    elif argument == "p.v_th":
        kwargs = dict(p=LIFParameters(v_th=[1.0, [2.0]]))
    else:
        kwargs = dict(state=LIFFeedForwardState([0.0, [0.0]], np.zeros(2)))
    with pytest.raises((ValueError, TypeError), match=argument.replace(".", r"\.")):
        simulate("lif", x, **kwargs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bug_none_parameter(backend):
    """A parameter field set to None passed validation (then failed, or ran, per backend)."""
    with pytest.raises((ValueError, TypeError), match=r"p\.v_th"):
        simulate("lif", np.ones((2, 2)), p=LIFParameters(v_th=None), backend=backend)


@pytest.mark.parametrize("case", ["(1, 1) v_leak", "(0,) v_leak", "(1, 1) izhikevich c"])
def test_bug_template_state_parameters(case):
    """The memory guard's one-neuron template state failed on parameters of size 0 or of
    size 1 with 2+ dimensions (NumPy's broadcast error, naming nothing)."""
    from refsnn.functional.izhikevich import tonic_spiking
    from refsnn.functional.li import LIParameters
    if case == "(1, 1) v_leak":
        out, state = simulate("li", np.zeros((3, 2, 1), np.float32),
                              p=LIParameters(v_leak=np.zeros((1, 1), np.float32)))
        assert state.v.shape == (2, 1)
    elif case == "(0,) v_leak":
        out, _ = simulate("lif", np.zeros((3, 0)), p=LIFParameters(v_leak=np.zeros(0)))
        assert out.shape == (3, 0)
    else:
        p = tonic_spiking.p._replace(c=np.full((1, 1), -65.0))
        out, _ = simulate("izhikevich", np.zeros((3, 2, 2)), p=p)
        assert out.shape == (3, 2, 2)


def test_bug_plain_tuple_state():
    """simulate() read a plain tuple state's dtype (a ragged np.asarray) before its type."""
    with pytest.raises(TypeError, match="state"):
        simulate("lif", np.ones((2, 2)), state=(np.zeros(2), np.zeros(3)))


@pytest.mark.parametrize("name", ["poisson_encode", "constant_current_lif_encode",
                                  "spike_latency_lif_encode"])
def test_bug_numpy_backend_spike_dtype(name):
    """Encoders with ``backend="numpy"`` passed ``spike_dtype`` positionally into the
    reference's ``backend`` parameter."""
    fn = getattr(encode, name)
    x = np.full(4, 0.5 if "poisson" in name else 300.0, np.float32)
    want = fn(x, 5, spike_dtype=np.bool_)
    got = fn(x, 5, backend="numpy", spike_dtype=np.bool_)
    _compare(want, got, None, name)


@pytest.mark.parametrize("name", ["constant_current_lif_encode", "spike_latency_lif_encode"])
def test_bug_lif_encoders_empty_validation(name):
    """With ``seq_length=0`` the reference LIF encoders did not validate ``p`` (the
    compiled backends did)."""
    with pytest.raises(ValueError, match=r"p\.tau_mem_inv"):
        getattr(encode, name)(np.ones(2), 0, p=LIFParameters(tau_mem_inv=-1.0))


def test_bug_nan_inputs_of_zero_neurons():
    """A layer of zero neurons never sees its inputs: the guard, judging them from the
    (empty) final state, accepted NaN."""
    with pytest.raises(ValueError, match="inputs"):
        simulate("lif", np.full((2, 3), np.nan), input_weights=np.zeros((0, 3)),
                 recurrent_weights=np.zeros((0, 0)))


@pytest.mark.parametrize("function", ["lif_current_encoder_scan",
                                      "lif_adex_current_encoder_scan", "lif_current_encoder"])
@pytest.mark.parametrize("voltage", [np.array([np.nan]), np.array([1j])], ids=["nan", "complex"])
def test_bug_voltage_named_state(function, voltage):
    """The current encoders named a bad ``voltage`` ``state.v`` / ``state``, arguments they
    do not have."""
    from refsnn.functional import lif as lif_mod
    with pytest.raises((ValueError, TypeError), match="voltage"):
        if function == "lif_current_encoder":
            lif_mod.lif_current_encoder(np.zeros(1), voltage)
        elif function == "lif_adex_current_encoder_scan":
            scan.lif_adex_current_encoder_scan(np.zeros((2, 1)), voltage, np.zeros(1))
        else:
            scan.lif_current_encoder_scan(np.zeros((2, 1)), voltage)


@pytest.mark.parametrize("bad", ["recurrent_weights rows", "input_weights rows"])
def test_bug_step_matrix_rows(bad):
    """Step functions did not check the rows of the weight matrices against the neurons:
    the error named neither matrix."""
    state = LIFState(np.zeros(2), np.zeros(2), np.zeros(2))
    w_in, w_rec = np.ones((2, 3)), np.ones((2, 2))
    if bad == "recurrent_weights rows":
        w_rec = np.ones((3, 2))
    else:
        w_in = np.ones((3, 3))
    with pytest.raises(ValueError, match=bad.split()[0]):
        lif_step(np.ones(3), state, w_in, w_rec)


def _diverging_scan(name: str, backend):
    if name == "stp_scan":
        with np.errstate(over="ignore", invalid="ignore"):  # (x overflows, on purpose)
            return scan.stp_scan(np.ones((4, 1), np.float32), tm_mod.TsodyksMakramState(
                np.zeros(1, np.float32), np.full(1, 0.5, np.float32)),
                tm_mod.TsodyksMakramParameters(tau_d_inv=1e20), 1.0, backend=backend)
    return scan.stdp_linear_scan(
        np.ones((3, 1)), np.ones((3, 1)), np.full((1, 1), 1.5),
        stdp_mod.STDPState(np.zeros(1), np.zeros(1)),
        stdp_mod.STDPParameters(stdp_algorithm="multiplicative_pow", mu=0.5), backend=backend)


@pytest.mark.parametrize("name, blamed", [("stp_scan", r"s\.x became non-finite at step 1"),
                                          ("stdp_linear_scan", "w became non-finite at step 0")])
def test_bug_scans_nonfinite_midrun(name, blamed):
    """A scan whose carried state (or STDP weights) became non-finite from finite
    arguments: the reference blamed the (finite) argument at the next step, the compiled
    backends returned NaN silently. Now every backend names the step, after the run."""
    for backend in _function_backends(name):
        with pytest.raises(ValueError, match=blamed):
            _diverging_scan(name, backend)
        with refsnn.options(nonfinite="warn"), pytest.warns(NonFiniteWarning, match=blamed):
            _diverging_scan(name, backend)


def test_bug_unhashable_backend():
    """``backend=<a list>`` raised "unhashable type: 'list'", not naming ``backend``."""
    with pytest.raises(TypeError, match="backend"):
        simulate("lif", np.ones((2, 2)), backend=["numpy"])


@pytest.mark.parametrize("name", ["stp_scan", "stdp_sensor_scan", "lif_current_encoder_scan",
                                  "lif_adex_current_encoder_scan"])
def test_bug_object_rows_in_reference_scans(name):
    """The reference scans checked their sequences row by row: a 1-D object array's rows
    are Python floats and passed, while the compiled backends refused the array."""
    obj = np.array([1.0, 0.0, 1.0], dtype=object)
    label = "input_current" if "current" in name else "z"
    with pytest.raises(TypeError, match=label):
        if name == "stp_scan":
            scan.stp_scan(obj, tm_mod.TsodyksMakramState(np.float32(0.0), np.float32(1.0)))
        elif name == "stdp_sensor_scan":
            scan.stdp_sensor_scan(obj, obj, sensor_mod.STDPSensorState(np.float32(0.0),
                                                                       np.float32(0.0)))
        elif name == "lif_current_encoder_scan":
            scan.lif_current_encoder_scan(obj, np.float32(0.0))
        else:
            scan.lif_adex_current_encoder_scan(obj, np.float32(0.0), np.float32(0.0))
