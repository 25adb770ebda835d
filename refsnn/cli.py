"""Command line: ``refsnn run MODEL --neurons N --steps T`` prints a simulation summary."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from refsnn import backends
from refsnn.models import MODELS, get_model
from refsnn.simulate import simulate

#: Mean input per step that drives each family's default neuron above threshold.
DEFAULT_CURRENT = {"izhikevich": 10.0, "coba_lif": 5.0, "iaf": 0.05, "li": 0.5, "li_box": 0.5}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str):
        self.exit(2, f"refsnn: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refsnn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="simulate a population driven by a (noisy) current")
    run.add_argument("model", help=f"neuron family: {', '.join(sorted(MODELS))}")
    run.add_argument("--neurons", type=int, default=1000)
    run.add_argument("--steps", type=int, default=1000)
    run.add_argument("--dt", type=float, default=0.001, help="time step in seconds")
    run.add_argument("--current", type=float, default=None,
                     help="mean input per step (default: a value that makes the model fire)")
    run.add_argument("--noise", type=float, default=0.5,
                     help="standard deviation of Gaussian input noise, relative to --current "
                          "(0 for a constant current)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    run.add_argument("--backend", default=None, help="default: $REFSNN_BACKEND or numpy")
    return parser


def _drive(args, n: int) -> np.ndarray:
    current = DEFAULT_CURRENT.get(args.model, 0.5) if args.current is None else args.current
    rng = np.random.default_rng(args.seed)
    x = np.full((args.steps, n), current, dtype=args.dtype)
    if args.noise:
        x += (abs(current) * args.noise * rng.standard_normal(x.shape)).astype(args.dtype)
    return x


def _connectivity(model, n: int, dtype: str) -> dict:
    """Identity input weights for recurrent-only models, a chain for compartments."""
    kw = {}
    if model.feed_forward_step is None:
        kw["input_weights"] = np.eye(n, dtype=dtype)
        kw["recurrent_weights"] = np.zeros((n, n), dtype=dtype)
    if model.takes_coupling:
        g = np.zeros((n, n), dtype=dtype)
        idx = np.arange(n - 1)
        g[idx, idx + 1] = g[idx + 1, idx] = 1.0
        g[np.arange(n), np.arange(n)] = -g.sum(axis=1)
        kw["g_coupling"] = g
    return kw


def run(args) -> int:
    model = get_model(args.model)
    if args.neurons < 1 or args.steps < 0:
        raise ValueError("--neurons must be >= 1 and --steps >= 0")
    backend = backends.get(args.backend)
    x = _drive(args, args.neurons)
    start = time.perf_counter()
    out, _ = simulate(args.model, x, dt=args.dt, backend=backend.name,
                      **_connectivity(model, args.neurons, args.dtype))
    wall = time.perf_counter() - start
    seconds = args.steps * args.dt
    print(f"model     {model.name}")
    print(f"backend   {backend.name}")
    print(f"neurons   {args.neurons}")
    print(f"steps     {args.steps} (dt = {args.dt:g} s, {seconds:g} s simulated, {args.dtype})")
    if model.output == "spikes":
        spikes = int(out.sum())
        rates = out.sum(axis=0) / seconds if seconds > 0 else np.zeros(args.neurons)
        print(f"spikes    {spikes}")
        print(f"rate      {rates.mean():.2f} Hz mean per neuron "
              f"(min {rates.min():.2f}, max {rates.max():.2f})")
    else:
        final = float(out[-1].mean()) if len(out) else float("nan")
        print(f"output    membrane voltage, final mean {final:.4g}")
    print(f"wall time {wall:.3f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except (ValueError, TypeError, backends.BackendUnavailable) as err:
        print(f"refsnn: error: {err}", file=sys.stderr)
        return 2
