"""No compiled kernel contains a fused multiply-add (DESIGN.md, numerical invariant 1).

``a * b + c`` rounded once (FMA) differs from the reference's two roundings,
so the generated machine code of the loops is scanned for FMA instructions.
The cached loops keep no assembly, so each is compiled afresh here (the same
Python function, options and arguments, without the cache). A representative
set of updates runs by default (plain, exponential, quadratic, recurrent
with coupling; both dtypes); ``--long`` scans every update.
"""

from __future__ import annotations

import re
from pathlib import Path

import numba
import numpy as np
import pytest

from refsnn import MODELS, simulate
from refsnn.backends.numba_ import kernels
from refsnn.backends.numba_.compiling import JIT_OPTIONS

FMA = re.compile(r"\bvf(?:n?m(?:add|sub)|maddsub|msubadd)\d{3}[ps][sd]\b")
HOST_HAS_FMA = " fma " in Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else False

pytestmark = pytest.mark.skipif(not HOST_HAS_FMA,
                                reason="this CPU has no FMA instructions: nothing to scan for")


def test_the_scanner_finds_a_fused_multiply_add():
    fused = numba.njit(fastmath=True)(lambda a, b, c: a * b + c)
    fused(1.0, 2.0, 3.0)
    assert FMA.search(fused.inspect_asm(fused.signatures[0]))


def _fresh(loop):
    return numba.njit(nogil=True, **JIT_OPTIONS)(loop.py_func)


def _arguments(name: str, recurrent: bool, dtype) -> dict:
    rng = np.random.default_rng(0)
    n = 5
    kw = {"inputs": rng.uniform(0, 1, (4, 2, n)).astype(dtype)}
    if recurrent:
        kw["input_weights"] = rng.normal(0, 1, (n, n)).astype(dtype)
        if MODELS[name].takes_recurrent_weights:
            kw["recurrent_weights"] = rng.normal(0, 1, (n, n)).astype(dtype)
    if MODELS[name].takes_coupling:
        kw["g_coupling"] = rng.normal(0, 1, (n, n)).astype(dtype)
    return kw


def _variants():
    for name, model in sorted(MODELS.items()):
        for recurrent, step in ((False, model.feed_forward_step), (True, model.recurrent_step)):
            if step is not None:
                yield name, recurrent


DEFAULT = {("lif", False), ("lif_adex", False), ("izhikevich", False), ("lif_mc_refrac", True)}
CASES = [pytest.param(name, recurrent, id=f"{name}-{'rec' if recurrent else 'ff'}",
                      marks=() if (name, recurrent) in DEFAULT else pytest.mark.long)
         for name, recurrent in _variants()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, recurrent", CASES)
def test_compiled_loops_have_no_fused_multiply_add(monkeypatch, name, recurrent, dtype):
    loops = {"elementwise_loop": _fresh(kernels.elementwise_loop),
             "matrix_loop": _fresh(kernels.matrix_loop)}
    for attribute, loop in loops.items():
        monkeypatch.setattr(kernels, attribute, loop)
    kw = _arguments(name, recurrent, dtype)
    simulate(name, kw.pop("inputs"), backend="numba", **kw)
    compiled = [ov for loop in loops.values() for ov in loop.overloads.values()]
    assert len(compiled) == 1
    assert not FMA.findall(compiled[0].library.get_asm_str())
