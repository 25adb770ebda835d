"""GPU benchmarks: the ``cuda`` backend side by side with Norse (torch CUDA) and SpikingJelly.

``python -m benchmarks.gpu [--quick] [--json FILE] [--backend cuda|cuda-host]``

Method: every case builds its inputs once on the device (CuPy's generator;
torch sees the same buffers through ``__cuda_array_interface__``), calls
each implementation once as a warm-up (compiling or loading kernels), then
times ``--repeat`` calls round-robin, synchronising the device around each;
the median is reported, ratios are ratios of medians, all in one run on one
card. Throughput is neuron-steps per second; the *bandwidth share* is the
bytes a fused kernel must move (inputs read, spikes written) per second over
the device-to-device copy bandwidth measured in the same run.

Targets (issue "CUDA backend"): LIF feed-forward 1e6 x 1,000 float32 spikes
>= 80 % of copy bandwidth, >= 1.3x SpikingJelly, >= 100x Norse; compact
spikes >= 90 %; 100 neurons x 1,000 steps >= 5x SpikingJelly; recurrent LIF
10k x 500 >= 3x Norse; AdEx and Izhikevich >= 60 %; Poisson encoding >= 50 %.

``--backend cuda-host --quick`` runs every code path on the CPU (the test
suite's smoke test); its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import datetime, timezone

import numpy as np

import refsnn
from refsnn import simulate
from refsnn.functional import encode

DT = 1e-3
#: case -> ((neurons, steps) full, quick)
SIZES = {
    "lif_ff": ((1_000_000, 1_000), (4_000, 20)),
    "lif_ff_compact": ((1_000_000, 1_000), (4_000, 20)),
    "lif_ff_small": ((100, 1_000), (100, 20)),
    "adex_ff": ((1_000_000, 1_000), (4_000, 20)),
    "izhikevich_ff": ((1_000_000, 1_000), (4_000, 20)),
    "lif_recurrent": ((10_000, 500), (200, 10)),
    "poisson": ((1_000_000, 1_000), (4_000, 20)),
}
RECURRENT_INPUTS = 100
COPY_BYTES = {False: 2 << 30, True: 16 << 20}
#: (case, measure, threshold): measure "share" (of copy bandwidth) or "vs <impl>" (speed-up).
TARGETS = [
    ("lif_ff", "share", 0.80), ("lif_ff", "vs spikingjelly", 1.3), ("lif_ff", "vs norse", 100.0),
    ("lif_ff_compact", "share", 0.90), ("lif_ff_small", "vs spikingjelly", 5.0),
    ("lif_recurrent", "vs norse", 3.0), ("adex_ff", "share", 0.60),
    ("izhikevich_ff", "share", 0.60), ("poisson", "share", 0.50),
]


class Device:
    """The array module, the synchronisation and torch's device for ``backend``."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        if backend == "cuda":
            import cupy
            self.xp = cupy
            self.sync = cupy.cuda.Device().synchronize
        else:
            self.xp = np
            self.sync = lambda: None
        try:
            import torch
            self.torch = torch
            self.torch_device = "cuda" if backend == "cuda" and torch.cuda.is_available() \
                else "cpu"
        except ImportError:
            self.torch = None

    def random(self, shape, low=0.0, high=2.0):
        rng = self.xp.random.default_rng(0)
        return (rng.random(shape, dtype=np.float32) * np.float32(high - low)
                + np.float32(low)).astype(np.float32)

    def as_torch(self, a):
        return self.torch.as_tensor(a, device=self.torch_device)

    def info(self) -> dict:
        out = {"backend": self.backend, "python": platform.python_version(),
               "refsnn": refsnn.__version__}
        if self.backend == "cuda":
            props = self.xp.cuda.runtime.getDeviceProperties(0)
            out["device"] = props["name"].decode()
            out["cupy"] = self.xp.__version__
        if self.torch is not None:
            out["torch"] = self.torch.__version__
        return out


def _time(device: Device, fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        device.sync()
        if device.torch is not None and device.torch_device == "cuda":
            device.torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        device.sync()
        if device.torch is not None and device.torch_device == "cuda":
            device.torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times


def copy_bandwidth(device: Device, quick: bool, repeat: int) -> float:
    """Device-to-device copy, bytes read plus written per second."""
    a = device.xp.ones(COPY_BYTES[quick] // 4, np.float32)
    b = device.xp.empty_like(a)
    b[...] = a
    t = statistics.median(_time(device, lambda: b.__setitem__(Ellipsis, a), repeat))
    return 2 * a.nbytes / t


# --------------------------------------------------------------------------- implementations
def _norse():
    try:
        import norse.torch.functional as nf
        return nf
    except Exception:  # noqa: BLE001 - absent or broken
        return None


def _spikingjelly():
    try:
        from spikingjelly.activation_based.functional.neuron import lif_multi_step
        return lif_multi_step
    except Exception:  # noqa: BLE001
        return None


def _norse_feed_forward(device, nf, x):
    xt = device.as_torch(x)
    p = nf.lif.LIFParameters()
    out = device.torch.empty_like(xt)

    def run():
        s = nf.lif.LIFFeedForwardState(v=device.torch.zeros_like(xt[0]),
                                       i=device.torch.zeros_like(xt[0]))
        for t in range(xt.shape[0]):
            z, s = nf.lif.lif_feed_forward_step(xt[t], s, p, DT)
            out[t] = z
    return run


def _norse_recurrent(device, nf, x, w_in, w_rec):
    xt, wi, wr = (device.as_torch(a) for a in (x, w_in, w_rec))
    n = w_rec.shape[0]
    p = nf.lif.LIFParameters()
    out = device.torch.empty((xt.shape[0], xt.shape[1], n), device=xt.device)

    def run():
        zeros = device.torch.zeros((xt.shape[1], n), device=xt.device)
        s = nf.lif.LIFState(z=zeros, v=zeros.clone(), i=zeros.clone())
        for t in range(xt.shape[0]):
            z, s = nf.lif.lif_step(xt[t], s, wi, wr, p, DT)
            out[t] = z
    return run


def _spikingjelly_run(device, lif_multi_step, x):
    xt = device.as_torch(x)
    return lambda: lif_multi_step(xt, device.torch.zeros_like(xt[0]), tau=2.0,
                                  v_threshold=1.0, v_reset=0.0)


def _poisson_kernel(device, neurons: int, steps: int):
    """The kernel of ``poisson_encode`` on device arrays.

    ``poisson_encode`` itself returns a NumPy array (the copy back to the
    host would dominate the measurement), so the row times the kernel it
    launches, with the same arguments, writing into a device array.
    """
    from refsnn import random as _random
    from refsnn.backends.cuda_ import source

    executor = _executor(device.backend)
    x = device.random((neurons,), 0.0, 1.0)
    out = device.xp.empty((steps, neurons), np.float32)
    k = _random.key(0)
    args = (x, np.int64(steps), np.int64(neurons), np.float32(DT * 100.0), np.uint64(k[0]),
            np.uint64(k[1]), np.uint64(0), np.uint64(encode.POISSON_STREAM), out)
    name = source.poisson_kernel(False, np.dtype(np.float32), False)
    return lambda: executor.launch(name, args, neurons)


def _executor(backend: str):
    if backend == "cuda":
        from refsnn.backends.cuda_.device import DeviceExecutor
        return DeviceExecutor()
    from refsnn.backends.cuda_.host import HostExecutor
    return HostExecutor()


def implementations(case: str, device: Device, neurons: int, steps: int):
    """``(bytes per neuron-step, {implementation: callable})`` of a case."""
    backend = device.backend
    nf, sj = _norse(), _spikingjelly()
    torch_ok = device.torch is not None
    if case == "lif_recurrent":
        x = (device.random((steps, 1, RECURRENT_INPUTS)) < 0.1).astype(np.float32)
        w_in = device.random((neurons, RECURRENT_INPUTS), -0.5, 1.5)
        w_rec = device.random((neurons, neurons), -0.05, 0.05)
        impls = {"refsnn": lambda: simulate("lif", x, backend=backend, input_weights=w_in,
                                            recurrent_weights=w_rec, dt=DT)}
        if nf is not None and torch_ok:
            impls["norse"] = _norse_recurrent(device, nf, x, w_in, w_rec)
        return 4 + 4, impls
    if case == "poisson":
        return 4, {"refsnn": _poisson_kernel(device, neurons, steps)}
    model = {"adex_ff": "lif_adex", "izhikevich_ff": "izhikevich"}.get(case, "lif")
    low, high = (0.0, 20.0) if model == "izhikevich" else (0.0, 2.0)
    x = device.random((steps, neurons), low, high)
    compact = case == "lif_ff_compact"
    impls = {"refsnn": lambda: simulate(model, x, backend=backend, dt=DT,
                                        spike_dtype=np.uint8 if compact else None)}
    if model == "lif" and not compact and torch_ok:
        if nf is not None:
            impls["norse"] = _norse_feed_forward(device, nf, x)
        if sj is not None:
            impls["spikingjelly"] = _spikingjelly_run(device, sj, x)
    return 4 + (1 if compact else 4), impls


# --------------------------------------------------------------------------- run
def run_case(case: str, device: Device, quick: bool, repeat: int, copy_bw: float) -> dict:
    neurons, steps = SIZES[case][1 if quick else 0]
    per_step, impls = implementations(case, device, neurons, steps)
    first = {}
    for name, fn in impls.items():
        first[name] = _time(device, fn, 1)[0]
    times = {name: [] for name in impls}
    for _ in range(repeat):                      # round-robin over the implementations
        for name, fn in impls.items():
            times[name] += _time(device, fn, 1)
    rows = {}
    for name, ts in times.items():
        median = statistics.median(ts)
        rate = neurons * steps / median
        rows[name] = {"median_s": median, "first_call_s": first[name],
                      "neuron_steps_per_s": rate}
        if name == "refsnn":
            rows[name]["bandwidth_share"] = rate * per_step / copy_bw
    return {"neurons": neurons, "steps": steps, "bytes_per_neuron_step": per_step,
            "implementations": rows}


def evaluate(cases: dict) -> list[dict]:
    """Each target with its measured value and ``met`` (``None`` when not measurable)."""
    out = []
    for case, measure, threshold in TARGETS:
        rows = cases.get(case, {}).get("implementations", {})
        value = None
        if measure == "share" and "refsnn" in rows:
            value = rows["refsnn"]["bandwidth_share"]
        elif measure.startswith("vs ") and "refsnn" in rows and measure[3:] in rows:
            value = rows[measure[3:]]["median_s"] / rows["refsnn"]["median_s"]
        out.append({"case": case, "measure": measure, "target": threshold, "value": value,
                    "met": None if value is None else value >= threshold})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="cuda", choices=("cuda", "cuda-host"))
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per implementation")
    parser.add_argument("--cases", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    device = Device(args.backend)
    copy_bw = copy_bandwidth(device, args.quick, args.repeat)
    print(f"{device.info()}\ncopy bandwidth {copy_bw / 1e12:.3f} TB/s", flush=True)
    cases = {}
    for case in args.cases:
        cases[case] = run_case(case, device, args.quick, args.repeat, copy_bw)
        for name, row in cases[case]["implementations"].items():
            share = row.get("bandwidth_share")
            print(f"{case:16s} {name:13s} {row['neuron_steps_per_s']:10.3e} neuron-steps/s"
                  + (f"  {share:6.1%} of copy bandwidth" if share is not None else ""),
                  flush=True)
    targets = evaluate(cases)
    for t in targets:
        state = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
        value = "-" if t["value"] is None else f"{t['value']:.3g}"
        print(f"target {t['case']:16s} {t['measure']:18s} >= {t['target']:<6g} "
              f"measured {value:>8s}  {state}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": datetime.now(timezone.utc).isoformat(), "machine": device.info(),
                       "quick": args.quick, "repeat": args.repeat,
                       "copy_bandwidth_bytes_per_s": copy_bw, "cases": cases,
                       "targets": targets}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
