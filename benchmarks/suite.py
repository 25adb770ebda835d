"""The benchmark cases and the harness that times them side by side.

Method
------
* Inputs are built once per case (NumPy, float32, fixed seeds) outside every
  timed region; Norse receives the same buffers through ``torch.from_numpy``.
* Each implementation is called once as a warm-up (its time is kept as
  ``first_call_s``: for numba that includes compiling or loading the cached
  kernels), then ``repeat`` timed calls are interleaved round-robin over the
  implementations, so background load on a noisy machine hits all of them
  alike; the median is reported and ratios are ratios of medians.
  The garbage collector is off while timing.
* Peak memory is measured in one further, untimed call per implementation:
  ``tracemalloc`` sees every NumPy allocation (and nothing of torch or of
  Numba's runtime allocator), and the peak resident set size (``VmHWM`` after
  a reset through ``/proc/self/clear_refs``) sees everything.
* Memory bandwidth is measured in the same run with a large array copy.
"""

from __future__ import annotations

import gc
import inspect
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import numpy as np

import refsnn

SCHEMA = "refsnn-benchmarks/1"
IMPLEMENTATIONS = ("numpy", "numba", "norse")
DT = 1e-3
DTYPE = np.float32
NORSE_INSTALL = "pip install torch==2.13.0 && pip install --no-deps norse==1.1.0"

# Sizes: (full, quick).
SIZES = {
    "lif_ff_large": ((100_000, 200), (2_000, 20)),
    "lif_ff_large_compact": ((100_000, 200), (2_000, 20)),
    "lif_ff_small": ((100, 1_000), (20, 50)),
    "adex_ff_large": ((100_000, 200), (2_000, 20)),
    "lif_recurrent": ((1_000, 1_000), (50, 100)),
    "poisson": ((10_000, 1_000), (200, 50)),
}
RECURRENT_INPUTS = {False: 100, True: 10}  # presynaptic input channels (full, quick)
RECURRENT_TARGET_RATE = 0.05
INPUT_SPIKE_PROBABILITY = 0.05  # per input channel and step (50 Hz at dt = 1 ms)
POISSON_F_MAX = 100.0
BANDWIDTH_BYTES = {False: 256 << 20, True: 16 << 20}


# --------------------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_total() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _version(module: str) -> str | None:
    try:
        mod = __import__(module)
    except Exception:  # noqa: BLE001 - absent or broken: report as missing
        return None
    return getattr(mod, "__version__", "unknown")


def load_average() -> list[float] | None:
    """1-, 5- and 15-minute load averages (other processes competing for the cores)."""
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except (OSError, ValueError):
        return None


def machine_info(threads: int) -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        usable = os.cpu_count()
    return {
        "cpu_model": _cpu_model(),
        "cores_logical": os.cpu_count(),
        "cores_usable": usable,
        "memory_total_bytes": _memory_total(),
        "load_average_start": load_average(),
        "threads": threads,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {name: _version(name) for name in ("numpy", "numba", "torch", "norse")}
        | {"refsnn": refsnn.__version__},
    }


def configure_threads(threads: int) -> dict:
    """Apply the thread count to torch and numba (the environment was set by run.py)."""
    applied = {"env": {k: os.environ.get(k) for k in
                       ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                        "NUMBA_NUM_THREADS")}}
    try:
        import numba
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        applied["numba"] = numba.get_num_threads()
    except Exception as exc:  # noqa: BLE001
        applied["numba"] = f"not set: {exc}"
    try:
        import torch
        # torch read OMP_NUM_THREADS at import. Call set_num_threads only when the
        # count differs: the explicit call also hands MKL the thread count, and then
        # MKL's vectorised exp (torch.exp on float32) parallelises even 2,000-element
        # arrays; on a loaded machine each call then waits for a descheduled worker
        # (measured: ~12 ms per torch.exp instead of ~4 us on a busy 2-core VM).
        # Without the call torch runs the same number of threads for its own kernels.
        applied["torch_set_num_threads_called"] = torch.get_num_threads() != threads
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        applied["torch"] = torch.get_num_threads()
    except Exception as exc:  # noqa: BLE001
        applied["torch"] = f"not set: {exc}"
    return applied


# --------------------------------------------------------------------------- implementations


def numba_reason(model: str | None = None) -> str | None:
    """Why the numba backend cannot run ``model`` here (``None`` if it can)."""
    from refsnn import backends
    if "numba" not in backends.registered():
        return "no 'numba' backend is registered (refsnn/backends/numba_ missing or not imported)"
    backend = backends.lookup("numba")
    reason = backend.unavailable_reason()
    if reason is not None:
        return f"numba backend unavailable: {reason}"
    if model is not None and model not in backend.models:
        return f"the numba backend does not implement model {model!r}"
    return None


def norse_reason() -> str | None:
    try:
        import norse.torch  # noqa: F401
        import torch  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"Norse 1.1.0 not importable ({type(exc).__name__}: {exc}); install: {NORSE_INSTALL}"
    return None


def describe_implementations() -> dict:
    return {
        "numpy": {"available": True, "reason": None,
                  "how": 'refsnn.simulate(model, x, backend="numpy"): the reference step '
                         "functions in a Python time loop"},
        "numba": {"available": numba_reason() is None, "reason": numba_reason(),
                  "how": 'refsnn.simulate(model, x, backend="numba"): fused multi-step kernels'},
        "norse": {"available": norse_reason() is None, "reason": norse_reason(),
                  "how": "Norse's functional step (lif_feed_forward_step, lif_adex_feed_forward_step, "
                         "lif_step) in a Python loop over T under torch.no_grad(), writing each "
                         "step's spikes into a preallocated (T, N) tensor; this is what the "
                         "norse.torch.LIF/LIFAdEx/LIFRecurrent modules do (minus their final "
                         "torch.stack copy), and measured no slower than the modules or "
                         "lif_feed_forward_integral; Poisson: norse.torch.functional.poisson_encode"},
    }


# --------------------------------------------------------------------------- cases


@dataclass
class Target:
    faster: str
    than: str
    min_ratio: float


@dataclass
class Case:
    key: str
    title: str
    model: str
    neurons: int
    steps: int
    unit: str  # what one "neuron-step" is for this case
    targets: list[Target]
    data: dict
    # implementation name -> (callable to time | reason string why not)
    runners: dict[str, Callable[[], Any] | str]
    expect_identical: tuple[str, ...] = ()  # implementations whose output must equal numpy's
    rates_only: bool = False  # outputs may differ (recurrent, other RNG): compare rates
    rate_tolerance: float = 0.10  # relative
    weights_bytes: int = 0
    bandwidth_model: dict | None = None
    notes: list[str] = field(default_factory=list)


def _simulate_runner(model: str, backend: str, x: np.ndarray, **kwargs) -> Callable[[], Any]:
    """``refsnn.simulate(model, x, ...)`` on ``backend`` as a zero-argument callable."""
    def run():
        return refsnn.simulate(model, x, dt=DT, backend=backend, **kwargs)
    return run


def _norse_ff_runner(family: str, x: np.ndarray) -> Callable[[], Any]:
    import torch
    if family == "lif":
        from norse.torch.functional.lif import (
            LIFFeedForwardState as State, LIFParameters as Params, lif_feed_forward_step as step)
        n_fields = 2
    else:
        from norse.torch.functional.lif_adex import (
            LIFAdExFeedForwardState as State, LIFAdExParameters as Params,
            lif_adex_feed_forward_step as step)
        n_fields = 3
    p = Params()
    xt = torch.from_numpy(x)
    steps, n = x.shape

    def run():
        with torch.no_grad():
            # initial state as refsnn's default: v = v_leak (0), everything else 0
            s = State(*(torch.zeros(n, dtype=torch.float32) for _ in range(n_fields)))
            out = torch.empty((steps, n), dtype=torch.float32)
            for t in range(steps):
                z, s = step(xt[t], s, p, DT)
                out[t] = z
            return out, s
    return run


def _norse_recurrent_runner(x, w_in, w_rec) -> Callable[[], Any]:
    import torch
    from norse.torch.functional.lif import LIFParameters, LIFState, lif_step
    p = LIFParameters()
    xt, wi, wr = torch.from_numpy(x), torch.from_numpy(w_in), torch.from_numpy(w_rec)
    steps, n = x.shape[0], w_in.shape[0]

    def run():
        with torch.no_grad():
            s = LIFState(*(torch.zeros(n, dtype=torch.float32) for _ in range(3)))
            out = torch.empty((steps, n), dtype=torch.float32)
            for t in range(steps):
                z, s = lif_step(xt[t], s, wi, wr, p, DT)
                out[t] = z
            return out, s
    return run


def _ff_case(key, title, model, family, quick, targets, seed, spike_dtype=None) -> Case:
    """A feed-forward case; ``spike_dtype`` (refsnn only) stores compact spikes."""
    n, steps = SIZES[key][quick]
    rng = np.random.default_rng(seed)
    # constant-in-distribution drive: neurons with x > 0.2 settle above threshold
    x = rng.uniform(0.0, 0.5, size=(steps, n)).astype(DTYPE)
    compact = {} if spike_dtype is None else {"spike_dtype": spike_dtype}
    runners: dict[str, Any] = {"numpy": _simulate_runner(model, "numpy", x, **compact)}
    reason = numba_reason(model)
    runners["numba"] = reason or _simulate_runner(model, "numba", x, **compact)
    reason = norse_reason()
    runners["norse"] = reason or _norse_ff_runner(family, x)
    itemsize = x.itemsize
    spike_bytes = np.dtype(spike_dtype or DTYPE).itemsize
    n_state = 2 if family == "lif" else 3
    bw = None
    if family == "lif":
        bw = {
            "bytes": steps * n * (itemsize + spike_bytes) + 2 * n_state * n * itemsize,
            "formula": f"T*N*(4 B input read + {spike_bytes} B spike write) + N*2 fields*(4 B "
                       "read + 4 B write) of state once (a fused kernel keeps v, i in registers "
                       "across steps)",
            "per_neuron_step_bytes": itemsize + spike_bytes,
        }
    return Case(key=key, title=title, model=model, neurons=n, steps=steps, unit="neuron-steps",
                targets=targets, data={"x": x}, runners=runners,
                expect_identical=("numba", "norse") if family == "lif" else ("numba",),
                bandwidth_model=bw,
                notes=[f"input current x ~ U(0, 0.5) float32, default {model} parameters, "
                       f"dt = {DT}, v starts at v_leak"]
                + ([f"refsnn stores spikes as {np.dtype(spike_dtype).name} "
                    "(spike_dtype=), Norse as float32"] if spike_dtype else []))


def _recurrent_rate(x, w_in, w_rec) -> float:
    z, _ = refsnn.simulate("lif", x, dt=DT, backend="numpy",
                           input_weights=w_in, recurrent_weights=w_rec)
    return float(z.mean())


def calibrate_recurrent(quick: bool, seed: int = 3, log=lambda m: None):
    """Inputs and weights whose numpy-reference run fires in ~5 % of neuron-steps.

    Input: ``n_in`` Poisson spike trains (p = 0.05 per step). ``W_in`` is
    ``g * U(0, 1) / sqrt(n_in)``, ``W_rec`` is ``N(0, 1) / sqrt(n)`` with no
    autapses (balanced on average); the gain ``g`` is bisected (in log space)
    until the firing rate is within 4.5-5.5 %.
    """
    n, steps = SIZES["lif_recurrent"][quick]
    n_in = RECURRENT_INPUTS[quick]
    rng = np.random.default_rng(seed)
    x = (rng.random((steps, n_in)) < INPUT_SPIKE_PROBABILITY).astype(DTYPE)
    base_in = (rng.uniform(0.0, 1.0, (n, n_in)) / math.sqrt(n_in)).astype(DTYPE)
    w_rec = (rng.standard_normal((n, n)) / math.sqrt(n)).astype(DTYPE)
    np.fill_diagonal(w_rec, 0.0)
    lo, hi = math.log(0.01), math.log(1000.0)
    best = None
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        w_in = (base_in * DTYPE(math.exp(mid))).astype(DTYPE)
        rate = _recurrent_rate(x, w_in, w_rec)
        if best is None or abs(rate - RECURRENT_TARGET_RATE) < abs(best[1] - RECURRENT_TARGET_RATE):
            best = (w_in, rate, math.exp(mid))
        if abs(rate - RECURRENT_TARGET_RATE) <= 0.005:
            break
        if rate < RECURRENT_TARGET_RATE:
            lo = mid
        else:
            hi = mid
    w_in, rate, gain = best
    log(f"  recurrent calibration: input gain {gain:.4g} -> numpy-reference rate {rate:.2%}")
    return x, w_in, w_rec, gain, rate


def _recurrent_case(quick, targets, log) -> Case:
    x, w_in, w_rec, gain, rate = calibrate_recurrent(quick, log=log)
    n, steps = w_in.shape[0], x.shape[0]
    runners: dict[str, Any] = {
        "numpy": _simulate_runner("lif", "numpy", x, input_weights=w_in, recurrent_weights=w_rec)}
    reason = numba_reason("lif")
    runners["numba"] = reason or _simulate_runner("lif", "numba", x, input_weights=w_in,
                                                  recurrent_weights=w_rec)
    reason = norse_reason()
    runners["norse"] = reason or _norse_recurrent_runner(x, w_in, w_rec)
    return Case(
        key="lif_recurrent", title=f"LIF recurrent {n:,} x {steps:,} (~5 % firing)", model="lif",
        neurons=n, steps=steps, unit="neuron-steps", targets=targets,
        data={"x": x, "input_weights": w_in, "recurrent_weights": w_rec}, runners=runners,
        rates_only=True, rate_tolerance=0.10, weights_bytes=w_in.nbytes + w_rec.nbytes,
        notes=[f"{x.shape[1]} Poisson input channels (p = {INPUT_SPIKE_PROBABILITY} per step), "
               f"W_in = {gain:.4g} * U(0,1)/sqrt(n_in), W_rec = N(0,1)/sqrt(n) without autapses; "
               f"calibrated on the numpy reference to {rate:.2%} firing",
               "matrix products may sum in a different order, so spike trains may diverge: "
               "only firing rates are compared"])


def _poisson_case(quick, targets, seed=4) -> Case:
    n, steps = SIZES["poisson"][quick]
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, n).astype(DTYPE)
    runners: dict[str, Any] = {}
    notes = [f"values ~ U(0, 1) float32, f_max = {POISSON_F_MAX} Hz, dt = {DT}"]
    try:
        from refsnn.functional import encode
        poisson_encode = encode.poisson_encode
    except Exception as exc:  # noqa: BLE001
        reason = f"refsnn.functional.encode.poisson_encode not available ({type(exc).__name__}: {exc})"
        runners["numpy"] = runners["numba"] = reason
    else:
        params = inspect.signature(poisson_encode).parameters
        kwargs = {}
        if "f_max" in params:
            kwargs["f_max"] = POISSON_F_MAX
        if "dt" in params:
            kwargs["dt"] = DT
        if "seed" in params:
            kwargs["seed"] = 1234
        if "backend" in params:
            for name in ("numpy", "numba"):
                reason = numba_reason() if name == "numba" else None
                runners[name] = reason or (
                    lambda name=name: poisson_encode(values, steps, backend=name, **kwargs))
        else:
            runners["numpy"] = lambda: poisson_encode(values, steps, **kwargs)
            runners["numba"] = "refsnn.functional.encode.poisson_encode has no backend= argument"
    reason = norse_reason()
    if reason:
        runners["norse"] = reason
    else:
        import torch
        from norse.torch.functional.encode import poisson_encode as norse_poisson
        vt = torch.from_numpy(values)

        def norse_run():
            with torch.no_grad():
                return norse_poisson(vt, steps, f_max=POISSON_F_MAX, dt=DT)
        runners["norse"] = norse_run
        notes.append("Norse draws from torch's generator, so only rates are compared with it")
    return Case(key="poisson", title=f"Poisson encoding {n:,} values x {steps:,}",
                model="poisson_encode", neurons=n, steps=steps, unit="value-steps",
                targets=targets, data={"values": values}, runners=runners,
                expect_identical=("numba",), rates_only=False, rate_tolerance=0.05, notes=notes)


def build_cases(quick: bool, selected: list[str] | None, log) -> list[Case]:
    def size(key):
        n, t = SIZES[key][quick]
        return f"{n:,} x {t:,}"
    makers = {
        "lif_ff_large": lambda: _ff_case(
            "lif_ff_large", f"LIF feed-forward {size('lif_ff_large')}", "lif", "lif", quick,
            [Target("numba", "norse", 8.0), Target("numba", "numpy", 2.0)], seed=1),
        "lif_ff_large_compact": lambda: _ff_case(
            "lif_ff_large_compact",
            f"LIF feed-forward {size('lif_ff_large_compact')}, bool spikes", "lif", "lif",
            quick, [Target("numba", "norse", 8.0)], seed=1, spike_dtype=np.bool_),
        "lif_ff_small": lambda: _ff_case(
            "lif_ff_small", f"LIF feed-forward {size('lif_ff_small')}", "lif", "lif", quick,
            [Target("numba", "norse", 150.0)], seed=2),
        "adex_ff_large": lambda: _ff_case(
            "adex_ff_large", f"AdEx feed-forward {size('adex_ff_large')}", "lif_adex", "adex",
            quick, [Target("numba", "norse", 3.0)], seed=5),
        "lif_recurrent": lambda: _recurrent_case(quick, [Target("numba", "norse", 6.0)], log),
        "poisson": lambda: _poisson_case(quick, [Target("numba", "numpy", 5.0)]),
    }
    keys = list(makers) if selected is None else selected
    unknown = [k for k in keys if k not in makers]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; known: {', '.join(makers)}")
    return [makers[k]() for k in keys]


# --------------------------------------------------------------------------- measuring


def _spikes(result: Any) -> np.ndarray:
    """The output array of a run (refsnn: (outputs, state); Norse: (tensor, state) or tensor)."""
    out = result[0] if isinstance(result, tuple) else result
    if hasattr(out, "numpy"):
        out = out.numpy()
    return np.asarray(out)


def _leaves(obj: Any):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _leaves(item)


def _result_bytes(result: Any) -> int:
    """Bytes of every distinct array a run returns (outputs and final/recorded state)."""
    seen, total = set(), 0
    for arr in _leaves(result):
        base = arr
        while isinstance(base.base, np.ndarray):
            base = base.base
        if id(base) not in seen:
            seen.add(id(base))
            total += base.nbytes
    return total


def _read_status() -> dict:
    values = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    key, rest = line.split(":", 1)
                    values[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return values


def _reset_rss_peak() -> int | None:
    """Reset the peak RSS to the current RSS; return the current RSS (None if impossible)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    return _read_status().get("VmRSS")


def measure_memory(fn: Callable[[], Any], trace: bool) -> dict:
    """Peak memory of one call: traced NumPy allocations and the peak RSS increase."""
    gc.collect()
    rss0 = _reset_rss_peak()
    if trace:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    result = fn()
    traced_peak = None
    if trace:
        traced_peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    hwm = _read_status().get("VmHWM")
    needed = _result_bytes(result)
    del result
    return {"peak_traced_bytes": traced_peak,
            "rss_peak_increase_bytes": None if rss0 is None or hwm is None else hwm - rss0,
            "returned_bytes": needed}


def time_interleaved(fns: dict[str, Callable[[], Any]], repeat: int):
    """``repeat`` rounds; each round calls every function once (rotating the order).

    Returns wall times (``time.perf_counter``) and this process's CPU times
    (``time.process_time``, all threads) per function.
    """
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeat):
            k = r % len(names) if names else 0
            for name in names[k:] + names[:k]:
                c0 = time.process_time()
                t0 = time.perf_counter()
                result = fns[name]()
                t1 = time.perf_counter()
                c1 = time.process_time()
                del result
                times[name].append(t1 - t0)
                cpu[name].append(c1 - c0)
    finally:
        if enabled:
            gc.enable()
    return times, cpu


def measure_bandwidth(nbytes: int, repeat: int, threads: int) -> dict:
    """Copy bandwidth (bytes read + written per second) of a large float32 array copy."""
    n = nbytes // 4
    src = np.ones(n, dtype=np.float32)
    dst = np.zeros(n, dtype=np.float32)
    moved = 2 * src.nbytes

    def median_time(copy):
        copy()
        ts = []
        for _ in range(max(3, repeat)):
            t0 = time.perf_counter()
            copy()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    out = {"array_bytes": src.nbytes, "bytes_moved_per_copy": moved,
           "counting": "bytes read + bytes written (STREAM 'copy' convention)"}
    out["copyto_bytes_per_s"] = moved / median_time(lambda: np.copyto(dst, src))
    out["copyto_threads"] = 1
    try:
        import numba

        from benchmarks._copy import parallel_copy

        out["parallel_copy_bytes_per_s"] = moved / median_time(lambda: parallel_copy(dst, src))
        out["parallel_copy_threads"] = numba.get_num_threads()
    except Exception as exc:  # noqa: BLE001
        out["parallel_copy_bytes_per_s"] = None
        out["parallel_copy_reason"] = f"numba unavailable: {exc}"
    candidates = [v for v in (out["copyto_bytes_per_s"], out["parallel_copy_bytes_per_s"]) if v]
    out["reference_bytes_per_s"] = max(candidates)
    del src, dst
    return out


def _classify_failure(exc: BaseException) -> str:
    from refsnn.backends import BackendUnavailable
    if isinstance(exc, (BackendUnavailable, NotImplementedError)):
        return "n/a"
    if isinstance(exc, ValueError) and ("does not implement" in str(exc)
                                        or "unknown backend" in str(exc)):
        return "n/a"
    return "error"


def run_case(case: Case, repeat: int, log) -> dict:
    results: dict[str, dict] = {}
    fns: dict[str, Callable[[], Any]] = {}
    reference = None
    for name in IMPLEMENTATIONS:
        runner = case.runners.get(name, "not part of this case")
        if isinstance(runner, str):
            results[name] = {"status": "n/a", "reason": runner}
            continue
        t0 = time.perf_counter()
        try:
            result = runner()
        except Exception as exc:  # noqa: BLE001 - reported, the suite goes on
            results[name] = {"status": _classify_failure(exc),
                             "reason": f"{type(exc).__name__}: {exc}"}
            log(f"  {name}: {results[name]['status']}: {results[name]['reason']}")
            continue
        first = time.perf_counter() - t0
        spikes = _spikes(result)
        entry = {"status": "ok", "reason": None, "first_call_s": first,
                 "rate": float(spikes.mean(dtype=np.float64))}
        if name == "numpy":
            reference = spikes
            entry["same_as_numpy"] = 1.0
        elif reference is not None and reference.shape == spikes.shape and not case.rates_only \
                and not (case.key == "poisson" and name == "norse"):
            entry["same_as_numpy"] = float(np.mean(reference == spikes))
        else:
            entry["same_as_numpy"] = None
        del result, spikes
        results[name] = entry
        fns[name] = runner
        log(f"  {name}: first call {first:.3f} s, rate {entry['rate']:.3%}")
    del reference

    times, cpu = time_interleaved(fns, repeat)
    work = case.neurons * case.steps
    for name, ts in times.items():
        med = statistics.median(ts)
        results[name].update(times_s=ts, median_s=med, min_s=min(ts),
                             cpu_s=cpu[name], median_cpu_s=statistics.median(cpu[name]),
                             per_second=work / med)

    slack = (1 << 20) + 64 * case.neurons * np.dtype(DTYPE).itemsize + case.weights_bytes
    for name, fn in fns.items():
        mem = measure_memory(fn, trace=name != "norse")
        if name == "norse":
            mem.update(needed_bytes=None, limit_bytes=None, ok=None,
                       note="torch allocations are invisible to tracemalloc; RSS only, not checked")
        else:
            needed = mem["returned_bytes"]
            limit = needed + slack
            traced_ok = mem["peak_traced_bytes"] is None or mem["peak_traced_bytes"] <= limit
            rss = mem["rss_peak_increase_bytes"]
            rss_ok = rss is None or rss <= limit + (8 << 20)
            mem.update(needed_bytes=needed, limit_bytes=limit, ok=bool(traced_ok and rss_ok))
            if name == "numba":
                mem["note"] = ("allocations inside Numba kernels are invisible to tracemalloc; "
                               "the RSS peak covers them")
        results[name]["memory"] = mem

    ratios = {}
    for a in IMPLEMENTATIONS:
        for b in IMPLEMENTATIONS:
            if a != b and "median_s" in results[a] and "median_s" in results[b]:
                ratios[f"{a}/{b}"] = results[b]["median_s"] / results[a]["median_s"]
    targets = []
    for t in case.targets:
        ratio = ratios.get(f"{t.faster}/{t.than}")
        targets.append({"faster": t.faster, "than": t.than, "min_ratio": t.min_ratio,
                        "ratio": ratio, "met": None if ratio is None else bool(ratio >= t.min_ratio)})

    checks = []
    rates = {n: r["rate"] for n, r in results.items() if r.get("status") == "ok"}
    if "numpy" in rates:
        for name, rate in rates.items():
            if name == "numpy":
                continue
            rel = abs(rate - rates["numpy"]) / max(rates["numpy"], 1e-12)
            checks.append({"check": f"{name} firing rate within {case.rate_tolerance:.0%} of numpy",
                           "value": rel, "ok": bool(rel <= case.rate_tolerance)})
    for name in case.expect_identical:
        same = results.get(name, {}).get("same_as_numpy")
        if same is not None:
            checks.append({"check": f"{name} output identical to numpy", "value": same,
                           "ok": bool(same == 1.0)})
    for name in ("numpy", "numba"):
        mem = results[name].get("memory")
        if mem:
            checks.append({"check": f"{name} peak memory within outputs + state + O(N) slack",
                           "value": mem["peak_traced_bytes"], "ok": mem["ok"]})

    bandwidth = None
    if case.bandwidth_model is not None:
        bandwidth = dict(case.bandwidth_model)
        bandwidth["effective_bytes_per_s"] = {
            name: case.bandwidth_model["bytes"] / r["median_s"]
            for name, r in results.items() if "median_s" in r}
    return {
        "key": case.key, "title": case.title, "model": case.model, "neurons": case.neurons,
        "steps": case.steps, "unit": case.unit, "dtype": np.dtype(DTYPE).name,
        "notes": case.notes, "results": results, "ratios": ratios, "targets": targets,
        "checks": checks, "bandwidth": bandwidth,
    }


# --------------------------------------------------------------------------- suite


#: Largest share of the fused LIF kernel's time the driver's checks may take.
CHECK_COST_TARGET = 0.03


def measure_check_cost(quick: bool, repeat: int) -> dict | None:
    """Time of the driver's validation on the large LIF case (numba), side by side.

    The same run with the non-finite policy on (the default: sizing, step
    size, the final-state check) and off (``refsnn.options(nonfinite="ignore")``),
    interleaved; the cost is the ratio of the medians minus one.
    """
    if numba_reason("lif") is not None:
        return None
    neurons, steps = SIZES["lif_ff_large"][1 if quick else 0]
    x = np.random.default_rng(7).normal(0.4, 0.5, (steps, neurons)).astype(DTYPE)

    def checked():
        return refsnn.simulate("lif", x, backend="numba", dt=DT)

    def unchecked():
        with refsnn.options(nonfinite="ignore"):
            return refsnn.simulate("lif", x, backend="numba", dt=DT)

    checked(), unchecked()
    times, _ = time_interleaved({"checked": checked, "unchecked": unchecked},
                                max(repeat, 5) * 2)
    median = {name: statistics.median(t) for name, t in times.items()}
    cost = median["checked"] / median["unchecked"] - 1
    return {"case": "lif_ff_large", "backend": "numba", "checked_s": median["checked"],
            "unchecked_s": median["unchecked"], "cost": cost, "target": CHECK_COST_TARGET,
            "met": cost < CHECK_COST_TARGET}


def run_suite(*, quick: bool, repeat: int, threads: int, cases: list[str] | None = None,
              argv: list[str] | None = None, log=lambda msg: None) -> dict:
    applied = configure_threads(threads)
    machine = machine_info(threads)
    machine["threads_applied"] = applied
    log(f"machine: {machine['cpu_model']}, {machine['cores_usable']} usable cores, "
        f"threads {threads}")
    log("measuring memory bandwidth ...")
    bandwidth = measure_bandwidth(BANDWIDTH_BYTES[quick], repeat, threads)
    selected = build_cases(quick, cases, log)
    # Everything imported so far (torch, numba, norse) is long-lived: freezing it
    # keeps the collections between measurements from walking it again (~0.2 s each).
    gc.collect()
    gc.freeze()
    out_cases = []
    for case in selected:
        log(f"{case.title}:")
        out_cases.append(run_case(case, repeat, log))
        case.data.clear()
        case.runners.clear()
        gc.collect()
    gc.unfreeze()
    log("measuring the cost of the driver's checks ...")
    check_cost = measure_check_cost(quick, repeat)
    machine["load_average_end"] = load_average()
    for case in out_cases:
        if case["bandwidth"] is not None:
            ref = bandwidth["reference_bytes_per_s"]
            case["bandwidth"]["share_of_reference"] = {
                name: bps / ref for name, bps in case["bandwidth"]["effective_bytes_per_s"].items()}
    return {
        "schema": SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, *(argv or [])]),
        "settings": {"quick": quick, "repeat": repeat, "threads": threads,
                     "dtype": np.dtype(DTYPE).name, "dt": DT,
                     "timing": "median of interleaved repeats after one warm-up call "
                               "(time.perf_counter, gc disabled)"},
        "machine": machine,
        "implementations": describe_implementations(),
        "bandwidth": bandwidth,
        "check_cost": check_cost,
        "cases": out_cases,
    }
