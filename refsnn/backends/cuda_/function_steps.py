"""The per-element arithmetic of the encoders and plasticity scans, translated.

Like the neuron updates (:mod:`.source`), every computation here is a
reference function of :mod:`refsnn.functional` or :mod:`refsnn.random`
translated by :mod:`.translate`; the loops around them are the generic
``run_neuron`` (``cuda/kernels.cuh``) and the kernels of
``cuda/functions.cuh``.

=============================  ==================================================
translated                     reference functions
=============================  ==================================================
step ``lif_encode``            ``lif.lif_current_encoder_update`` (and
(``_first``)                   ``encode.spike_latency_update``)
steps of :data:`SCANS`         the current-encoder updates, ``stp_update``
step ``sensor_trace``          ``stdp_sensor.sensor_trace_update``
``poisson_spike__<T>``         ``random.counter_words``, ``philox_words``,
(``signed_``)                  ``uniform_float32``/``64``, ``encode.poisson_spike``
                               (``signed_poisson_spike``)
``stdp_trace__<T>``            ``stdp.trace_update``
``stdp_weight__r<k>__h<b>``    ``stdp.weight_update`` for rule ``k``, hardbound ``b``
``numerics_<f>__<T>``          ``numerics.exp``, ``log``, ``power`` (for the tests
                               and the GPU check: the same bits everywhere)
=============================  ==================================================
"""

from __future__ import annotations

from collections import namedtuple
from functools import cache

from refsnn import numerics
from refsnn import random as _random
from refsnn.backends.cuda_.translate import Step, translate_function, translate_step
from refsnn.functional import encode, stdp
from refsnn.functional.lif import LIFParameters, lif_current_encoder_update
from refsnn.functional.lif_adex import LIFAdExParameters, lif_adex_current_encoder_update
from refsnn.functional.lif_ex import LIFExParameters, lif_ex_current_encoder_update
from refsnn.functional.stdp_sensor import sensor_trace_update
from refsnn.functional.tsodyks_makram import TsodyksMakramParameters, stp_update

#: Scan name -> (reference update ``update(*state, x, p, dt) -> (out, *state)``,
#: state names, default parameters).
SCANS = {
    "lif_current_encoder_scan": (lif_current_encoder_update, ("voltage",), LIFParameters()),
    "lif_ex_current_encoder_scan": (lif_ex_current_encoder_update, ("voltage",),
                                    LIFExParameters()),
    "lif_adex_current_encoder_scan": (lif_adex_current_encoder_update,
                                      ("voltage", "adaptation"), LIFAdExParameters()),
    "stp_scan": (stp_update, ("u", "x"), TsodyksMakramParameters()),
}

_SensorParameters = namedtuple("SensorParameters", ["eta", "tau_inv"])
_VALUE_TYPES = ("float", "double")


def _template(names) -> tuple:
    """A NamedTuple of zeros with fields ``names`` (the structure of a scan's state)."""
    return namedtuple("ScanState", names)(*(0.0 for _ in names))


def _scan(update):
    def invoke(translator, s, d, p, dt):
        out, *new = translator.call(update, [*s, d[0], p, dt])
        return out, type(s)(*new)
    return invoke


def _lif_encode(first_only: bool):
    def invoke(translator, s, d, p, dt):
        z, v = translator.call(lif_current_encoder_update, [s.v, d[0], p, dt])
        fired = s.fired
        if first_only:
            z, fired = translator.call(encode.spike_latency_update, [z, s.fired])
        return z, type(s)(v, fired)
    return invoke


def _sensor_trace(translator, s, d, p, dt):
    a = translator.call(sensor_trace_update, [s.a, d[0], p.eta, p.tau_inv, dt])
    return a, type(s)(a)


@cache
def steps() -> dict[str, Step]:
    """Step structs of the sequence functions, by name (run by ``run_neuron``)."""
    found = {
        "lif_encode": translate_step("lif_encode", _lif_encode(False),
                                     _template(("v", "fired")), LIFParameters(), ("input",),
                                     "constant-current LIF encoder"),
        "lif_encode_first": translate_step("lif_encode_first", _lif_encode(True),
                                           _template(("v", "fired")), LIFParameters(),
                                           ("input",), "spike-latency LIF encoder"),
        "sensor_trace": translate_step("sensor_trace", _sensor_trace, _template(("a",)),
                                       _SensorParameters(0.0, 0.0), ("input",),
                                       "a trace of stdp_sensor_step"),
    }
    for name, (update, states, p) in SCANS.items():
        found[name] = translate_step(name, _scan(update), _template(states), p, ("input",),
                                     f"{name}: {update.__module__}.{update.__qualname__}")
    return found


def _poisson(signed: bool, value: str):
    def invoke(translator, k0, k1, step, index, stream, x, rate_scale):
        c = translator.call(_random.counter_words, [step, index, stream])
        w = translator.call(_random.philox_words, [*c, k0, k1])
        if value == "float":
            u = translator.call(_random.uniform_float32, [w[0]])
        else:
            u = translator.call(_random.uniform_float64, [w[0], w[1]])
        spike = encode.signed_poisson_spike if signed else encode.poisson_spike
        return translator.call(spike, [u, x, rate_scale])
    return invoke


def _trace(translator, trace, z, a, tau_inv, dt):
    return translator.call(stdp.trace_update, [trace, z, a, tau_inv, dt])


def _weight(rule: int, hardbound: bool):
    def invoke(translator, w, c_plus, c_minus, w_min, w_max, eta_plus, eta_minus, mu):
        return translator.call(stdp.weight_update, [w, c_plus, c_minus, w_min, w_max, eta_plus,
                                                    eta_minus, mu, rule, hardbound])
    return invoke


#: Functions of :mod:`refsnn.numerics` with an elementwise kernel, and their arity.
NUMERICS = {"exp": 1, "log": 1, "power": 2}


def _numerics(name: str):
    def invoke(translator, **values):
        return translator.call(getattr(numerics, name), list(values.values()))
    return invoke


def function_name(kind: str, value: str, rule: int = 0, hardbound: bool = False) -> str:
    """C++ name of a translated function: ``kind`` is ``poisson``, ``signed_poisson``,
    ``stdp_trace``, ``stdp_weight`` or ``numerics_<f>``; ``value`` the C++ value type."""
    if kind == "stdp_weight":
        return f"stdp_weight__r{rule}__h{int(hardbound)}__{value}"
    return f"{kind}__{value}"


@cache
def functions() -> str:
    """The C++ text of every translated function, for float and double."""
    u64 = "u64"
    parts = []
    for value in _VALUE_TYPES:
        for signed in (False, True):
            kind = "signed_poisson" if signed else "poisson"
            parts.append(translate_function(
                function_name(kind, value), _poisson(signed, value),
                {"k0": u64, "k1": u64, "step": u64, "index": u64, "stream": u64, "x": value,
                 "rate_scale": value}, f"{kind} spike of one element and step"))
        parts.append(translate_function(
            function_name("stdp_trace", value), _trace,
            {n: value for n in ("trace", "z", "a", "tau_inv", "dt")}, "stdp.trace_update"))
        for rule in range(len(stdp.STDP_ALGORITHMS)):
            for hardbound in (False, True):
                parts.append(translate_function(
                    function_name("stdp_weight", value, rule, hardbound), _weight(rule, hardbound),
                    {n: value for n in ("w", "c_plus", "c_minus", "w_min", "w_max", "eta_plus",
                                        "eta_minus", "mu")},
                    f"stdp.weight_update, {stdp.STDP_ALGORITHMS[rule]}, hardbound={hardbound}"))
        for name, arity in NUMERICS.items():
            parts.append(translate_function(
                function_name(f"numerics_{name}", value), _numerics(name),
                {f"x{k}": value for k in range(arity)}, f"refsnn.numerics.{name}"))
    return "\n".join(parts)
