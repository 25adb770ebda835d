"""The CUDA translation unit: refsnn's headers, the translated updates, the kernels.

One unit holds every kernel of the backend, for float and double:

* ``cuda/refsnn.cuh`` — the primitives of :mod:`refsnn.numerics` as scalar
  C++ (``heaviside``, ``complement``, ``relu``, the bit constructions under
  ``exp``);
* ``cuda/kernels.cuh`` — the generic time loop around an update;
* ``cuda/functions.cuh`` — the loops of the Poisson encoders and of
  linear STDP;
* one struct per update of every family (:func:`updates`) and per step of
  the sequence functions, and the Philox/Poisson/STDP functions
  (:mod:`.function_steps`), all translated from the reference by
  :mod:`.translate`;
* ``extern "C"`` kernels (:func:`kernel_name`, :func:`poisson_kernel`,
  :func:`stdp_kernel`) for float and double and each output type.

The host build (``cuda-host``) defines ``REFSNN_HOST`` before the text,
which pulls in ``cuda/host_shim.h``.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import numpy as np

from refsnn.backends.cuda_ import function_steps
from refsnn.backends.cuda_.translate import Step, translate_update
from refsnn.models import MODELS

HEADERS = Path(__file__).resolve().parent / "cuda"

#: C++ type of each value dtype, and the output types a kernel may write.
VALUE_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
COMPACT = "unsigned char"


def identifier(update_name: str) -> str:
    """The C++ name of an update (``"lif/feed_forward"`` -> ``"lif__feed_forward"``)."""
    return update_name.replace("/", "__")


@cache
def updates() -> dict[str, Step]:
    """Every update of every family (``NeuronModel.updates``), translated."""
    found = {}
    for model in MODELS.values():
        p = model.step_parameters(model.make_parameters())
        for name, fn in model.updates().items():
            recurrent = "/recurrent" in name
            state = model.initial_state(p, (1,), np.dtype(np.float64), recurrent)
            found[name] = translate_update(identifier(name), fn, state, p,
                                           model.drives(recurrent), name)
    return found


def kernel_name(step_name: str, dtype: np.dtype, compact: bool) -> str:
    """The ``extern "C"`` time loop of a step (an update or a function step) for ``dtype``."""
    value = VALUE_TYPES[np.dtype(dtype)]
    return f"refsnn_run__{identifier(step_name)}__{value}__{'u8' if compact else value}"


def poisson_kernel(signed: bool, dtype: np.dtype, compact: bool) -> str:
    """The ``extern "C"`` Poisson encoder for ``dtype``."""
    value = VALUE_TYPES[np.dtype(dtype)]
    kind = "signed_poisson" if signed else "poisson"
    return f"refsnn_{kind}__{value}__{'u8' if compact else value}"


def stdp_kernel(kind: str, dtype: np.dtype, rule: int = 0, hardbound: bool = False) -> str:
    """The ``extern "C"`` STDP trace (``kind="stdp_trace"``) or weight (``"stdp_weight"``) step."""
    return "refsnn_" + function_steps.function_name(kind, VALUE_TYPES[np.dtype(dtype)], rule,
                                                    hardbound)


def numerics_kernel(name: str, dtype: np.dtype) -> str:
    """The ``extern "C"`` elementwise kernel of ``refsnn.numerics.<name>`` for ``dtype``."""
    return f"refsnn_numerics_{name}__{VALUE_TYPES[np.dtype(dtype)]}"


def _inline(text: str, seen: set) -> str:
    def replace(match):
        name = match.group(1)
        if name in seen:
            return ""
        seen.add(name)
        return _inline((HEADERS / name).read_text(), seen)
    text = re.sub(r"^#pragma once\s*$", "", text, flags=re.MULTILINE)
    return re.sub(r'^#include "([^"]+)"\s*$', replace, text, flags=re.MULTILINE)


def _steps() -> dict:
    """Every step struct: the neuron updates, then the function steps."""
    return {**updates(), **function_steps.steps()}


def _kernel(name: str, parameters: str, call: str) -> str:
    return (f'extern "C" __global__ void {name}(\n        {parameters},\n'
            f"        long long lo, long long hi) {{\n"
            f"    REFSNN_FOR_EACH(e, lo, hi) {call};\n}}\n")


def _kernels() -> str:
    out = []
    for dtype, v in VALUE_TYPES.items():
        for compact in (False, True):
            o = COMPACT if compact else v
            for name, step in _steps().items():
                out.append(_kernel(
                    kernel_name(name, dtype, compact),
                    f"const {v}* I, long long steps, long long i_t, long long t0, long long t1, "
                    f"const {v}* D, long long n, {v}* S, const {v}* P, int per_neuron, {v} dt, "
                    f"{o}* out, {v}* rec, int record",
                    f"refsnn::run_neuron<{step.name}, {v}>(e, I, steps, i_t, t0, t1, D, n, S, P, "
                    f"per_neuron, dt, out, rec, record)"))
            for signed in (False, True):
                kind = "signed_poisson" if signed else "poisson"
                out.append(_kernel(
                    poisson_kernel(signed, dtype, compact),
                    f"const {v}* x, long long steps, long long n, {v} rate_scale, "
                    f"unsigned long long k0, unsigned long long k1, unsigned long long t0, "
                    f"unsigned long long stream, {o}* out",
                    f"refsnn::poisson_element(e, {function_steps.function_name(kind, v)}, x, "
                    f"steps, n, rate_scale, k0, k1, t0, stream, out)"))
        out.append(_kernel(
            stdp_kernel("stdp_trace", dtype),
            f"{v}* trace, const {v}* z, const {v}* P, long long columns, {v} dt",
            f"refsnn::stdp_trace_element(e, {function_steps.function_name('stdp_trace', v)}, "
            f"trace, z, P, columns, dt)"))
        for rule in range(4):
            for hardbound in (False, True):
                out.append(_kernel(
                    stdp_kernel("stdp_weight", dtype, rule, hardbound),
                    f"{v}* w, const {v}* z_post, const {v}* t_pre, const {v}* t_post, "
                    f"const {v}* z_pre, long long batch, long long n_post, long long n_pre, "
                    f"const {v}* Pw, long long columns",
                    "refsnn::stdp_weight_element(e, "
                    f"{function_steps.function_name('stdp_weight', v, rule, hardbound)}, w, "
                    "z_post, t_pre, t_post, z_pre, batch, n_post, n_pre, Pw, columns)"))
        for name, arity in function_steps.NUMERICS.items():
            inputs = ", ".join(f"const {v}* x{k}" for k in range(arity))
            args = ", ".join(f"x{k}[e]" for k in range(arity))
            out.append(_kernel(
                numerics_kernel(name, dtype), f"{inputs}, {v}* out",
                f"out[e] = {function_steps.function_name(f'numerics_{name}', v)}({args})"))
    return "\n".join(out)


@cache
def translation_unit(host: bool) -> str:
    """The whole C++ text (``host``: for g++ through the shim, else for NVRTC)."""
    seen: set = set()
    parts = ["// Generated by refsnn.backends.cuda_.source from refsnn's reference; "
             "do not edit.\n"]
    if host:
        parts.append("#define REFSNN_HOST 1\n")
    for header in ("refsnn.cuh", "kernels.cuh", "functions.cuh"):
        seen.add(header)
        parts.append(_inline((HEADERS / header).read_text(), seen))
    parts.append(function_steps.functions())
    parts += [step.source for step in _steps().values()]
    parts.append(_kernels())
    return "\n".join(parts)


def digest(text: str, *extra: str) -> str:
    """A short hex digest of a source text and its build options (a cache key)."""
    h = hashlib.sha256(text.encode())
    for item in extra:
        h.update(b"\0" + item.encode())
    return h.hexdigest()[:32]
