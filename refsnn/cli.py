"""The command line: ``refsnn run MODEL`` simulates a population and prints a summary.

The population of ``--neurons`` neurons of one family is driven for
``--steps`` steps by a constant current plus Gaussian noise. The run is
sized before anything is allocated, executed by :func:`refsnn.simulate` in
chunks of steps (the state carried from one call to the next, so the result
does not depend on the chunking) to show progress, and timed in three parts:
input generation, the first call of a compiled backend (compile or cache
load) and the simulation itself. ``--save`` writes the outputs, the final
state, optionally recorded state variables and the run's settings to an
``.npz`` file.

``refsnn golden MODEL -o FILE`` writes the same kind of run (or a case of
the conformance suite, ``--case``) as golden traces for another simulator
(:mod:`refsnn.conformance.golden`); ``refsnn compare`` judges a candidate
against them (:mod:`refsnn.compare`).

Every error is one line on stderr, ``refsnn: error: ...``, with exit status
2; a closed output pipe ends the command quietly (status 141).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import numpy as np

from refsnn import __version__, _checks, backends, memory
from refsnn.compare import (COMPARE_DESCRIPTION, COMPARE_HELP, add_compare_arguments,
                            run_compare)
from refsnn.config import UnstableStepWarning
from refsnn.conformance import Case, get_case, write_golden
from refsnn.functional import izhikevich
from refsnn.models import MODELS, NeuronModel, get_model
from refsnn.simulate import simulate

#: Mean input per step that makes each family's default neuron fire (or, for the
#: leaky integrators ``li`` and ``li_box``, settle well above rest).
DEFAULT_CURRENT = {"izhikevich": 10.0, "coba_lif": 5.0, "iaf": 0.05, "lif_box": 1.5}
#: The default current of every family not in :data:`DEFAULT_CURRENT`.
FALLBACK_CURRENT = 0.5
#: A progress display appears only once a run has taken this many seconds.
PROGRESS_DELAY_S = 1.0
#: Neuron-steps below which a run is never split into more than one call.
MIN_CHUNK_NEURON_STEPS = 2**16
#: Elements of the noise drawn at a time while generating the input.
NOISE_BLOCK = 2**20
#: Exit status after the reader of standard output went away (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141

DESCRIPTION = """\
refsnn: a NumPy reference simulator for the spiking neuron models of Norse.

  refsnn run MODEL    simulate a population of MODEL neurons driven by a noisy
                      current and print a summary ('refsnn run --help')
  refsnn compare REF CAND
                      compare the traces of two .npz files (a reference and a
                      candidate implementation); exit 0 when they agree
                      within tolerance, 1 when not ('refsnn compare --help')
  refsnn golden MODEL -o FILE
                      write golden traces: the inputs, parameters, initial
                      state, every state variable and the spikes of a run,
                      for cross-validating another simulator ('refsnn golden
                      --help')
"""


def _current_table() -> str:
    named = ", ".join(f"{name} {value:g}" for name, value in sorted(DEFAULT_CURRENT.items()))
    return f"{named}, every other family {FALLBACK_CURRENT:g}"


def izhikevich_presets() -> dict[str, izhikevich.IzhikevichSpikingBehavior]:
    """The spiking behaviours of :mod:`refsnn.functional.izhikevich`, by name.

    Returns
    -------
    dict
        ``{name: IzhikevichSpikingBehavior}`` for every module-level
        behaviour (``tonic_spiking``, ``phasic_spiking``, ...).
    """
    return {name: value for name, value in vars(izhikevich).items()
            if isinstance(value, izhikevich.IzhikevichSpikingBehavior)}


RUN_DESCRIPTION = """\
Simulate a population of MODEL neurons for --steps steps. Each neuron gets
--current per step plus Gaussian noise of standard deviation
|--current| x --noise, drawn from --seed. Recurrent-only families (ada_lif)
get the input through identity weights and no recurrent connections; the
compartments of lif_mc and lif_mc_refrac form a chain.

Prints the model, backend, population, spike count and firing rate (the final
mean voltage for the leaky integrators li and li_box), the time taken to
generate the input, to warm up a compiled backend and to simulate, and the
speed in neuron-steps per second. On a terminal, a run that lasts longer than
a second shows its progress on stderr.
"""

RUN_EPILOG = f"""\
default --current per family:
  {_current_table()}

Izhikevich presets (--preset):
{textwrap.fill(", ".join(sorted(izhikevich_presets())), 79, initial_indent="  ",
               subsequent_indent="  ")}

examples:
  refsnn run lif --neurons 1000 --steps 1000
  refsnn run izhikevich --preset phasic_spiking --current 0.5 --noise 0
  refsnn run lif_refrac --param lif.v_th=0.8 --save run.npz --record v,rho
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str):
        self.exit(2, f"refsnn: error: {message}\n")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter,
                     argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's line breaks and shows every default that is not ``None``."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


# --------------------------------------------------------------------------- option types
def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _positive_number(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def _nonnegative_number(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def _integer(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be >= {least}, got {text!r}")
    return value


def _positive_integer(text: str) -> int:
    return _integer(text, 1)


def _nonnegative_integer(text: str) -> int:
    return _integer(text, 0)


def _model_name(text: str) -> str:
    try:
        return get_model(text).name
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _backend_name(text: str) -> str:
    try:
        return backends.get(text).name
    except (ValueError, backends.BackendUnavailable) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _assignment(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def _output_file(text: str) -> Path:
    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {str(path.parent)!r} does not exist")
    return path


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refsnn", description=DESCRIPTION, formatter_class=_HelpFormatter)
    parser.add_argument("--version", action="version", version=f"refsnn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND")
    compare = sub.add_parser("compare", help=COMPARE_HELP, description=COMPARE_DESCRIPTION,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    add_compare_arguments(compare)
    run = sub.add_parser("run", help="simulate a population driven by a noisy current",
                         description=RUN_DESCRIPTION, epilog=RUN_EPILOG,
                         formatter_class=_HelpFormatter)
    run.add_argument("model", type=_model_name, metavar="MODEL",
                     help=f"neuron family: {', '.join(sorted(MODELS))}")
    run.add_argument("--neurons", type=_positive_integer, default=1000, metavar="N",
                     help="number of neurons in the population")
    run.add_argument("--steps", type=_positive_integer, default=1000, metavar="T",
                     help="number of time steps to simulate")
    run.add_argument("--dt", type=_positive_number, default=0.001,
                     help="time step in seconds")
    run.add_argument("--current", type=_number, default=None, metavar="I",
                     help="mean input per step (default: a value that makes the family's "
                          "default neuron fire, listed below)")
    run.add_argument("--noise", type=_nonnegative_number, default=0.5, metavar="SIGMA",
                     help="standard deviation of the Gaussian input noise, relative to "
                          "|--current| (0 for a constant current)")
    run.add_argument("--seed", type=_nonnegative_integer, default=0, metavar="S",
                     help="seed of the input noise (the same seed gives the same input)")
    run.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                     help="floating-point type of the input, the state and the arithmetic")
    run.add_argument("--backend", type=_backend_name, default=None, metavar="NAME",
                     help="implementation to run: numpy (the reference), numba, cuda, "
                          "cuda-host or an installed plug-in (default: $REFSNN_BACKEND, "
                          "else numpy)")
    run.add_argument("--preset", default=None, metavar="NAME",
                     help="izhikevich only: start from this spiking behaviour (default: "
                          "tonic_spiking; the presets are listed below)")
    run.add_argument("--param", type=_assignment, action="append", default=None,
                     metavar="NAME=VALUE",
                     help="set a parameter of the family (repeatable), e.g. v_th=0.8, or "
                          "lif.v_th=0.8 for a nested one (default: the family's defaults)")
    run.add_argument("--save", type=_output_file, default=None, metavar="FILE",
                     help="write the spikes (or voltages), the final state and the run's "
                          "settings to this .npz file")
    run.add_argument("--record", type=_names, default=None, metavar="NAMES",
                     help="with --save: also save these state variables at every step, "
                          "comma-separated, e.g. v,i")
    run.add_argument("--chunk", type=_positive_integer, default=None, metavar="STEPS",
                     help="steps per simulate() call; the results do not depend on it "
                          "(default: all steps in one call, about 1%% of them per call on a "
                          "terminal, where progress is shown)")
    _add_golden(sub)
    return parser


# --------------------------------------------------------------------------- named tuples
def _is_tuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _leaves(tree: NamedTuple, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted name, value)`` of every leaf of a nested NamedTuple that is not ``None``."""
    for field, value in zip(tree._fields, tree):
        if _is_tuple(value):
            yield from _leaves(value, f"{prefix}{field}.")
        elif value is not None:
            yield prefix + field, value


def _map(function, tree: NamedTuple) -> NamedTuple:
    """``tree`` with ``function`` applied to every leaf that is not ``None``."""
    return type(tree)(*(_map(function, value) if _is_tuple(value)
                        else None if value is None else function(value) for value in tree))


def _replace(tree: NamedTuple, path: list[str], value: Any) -> NamedTuple:
    field, rest = path[0], path[1:]
    new = _replace(getattr(tree, field), rest, value) if rest else value
    return tree._replace(**{field: new})


# --------------------------------------------------------------------------- parameters
def parameters(model: NeuronModel, preset: str | None = None,
               assignments: list[tuple[str, str]] | None = None,
               neurons: int | None = None) -> Any:
    """The parameters of a run: the family's defaults, an Izhikevich preset, overrides.

    Parameters
    ----------
    model : NeuronModel
        The family's descriptor.
    preset : str, optional
        Name of an Izhikevich spiking behaviour (:func:`izhikevich_presets`).
    assignments : list of (str, str), optional
        ``(field, value)`` pairs; nested fields as ``"lif.v_th"``. A callable
        field (``lif_box``'s ``reset_method``) takes the name of a reset
        function a compiled backend runs (``reset_value``, ``reset_subtract``).
    neurons : int, optional
        With it, a value may also be a comma-separated list of ``neurons``
        numbers, one per neuron (``refsnn golden``).

    Returns
    -------
    Parameters or IzhikevichSpikingBehavior
        What :func:`refsnn.simulate` takes as ``p``.

    Raises
    ------
    ValueError
        A preset for another family or an unknown one, an unknown field
        (the message lists the fields) or a value that is not a finite number;
        with ``neurons``, a list of another length.
    """
    if preset is None:
        p = model.make_parameters()
    else:
        if model.behaviour is not izhikevich.IzhikevichSpikingBehavior:
            raise ValueError(f"--preset applies to izhikevich (its spiking behaviours); "
                             f"{model.name} has no presets")
        presets = izhikevich_presets()
        if preset not in presets:
            raise ValueError(f"--preset: unknown Izhikevich behaviour {preset!r}; choose from "
                             f"{', '.join(sorted(presets))}")
        p = presets[preset]
    behaviour = model.behaviour is not None and isinstance(p, model.behaviour)
    step_p = model.step_parameters(p)
    fields = dict(_leaves(step_p))
    for name, text in assignments or ():
        if name not in fields:
            raise ValueError(f"--param: {model.name} has no parameter {name!r}; its parameters: "
                             f"{', '.join(fields)}")
        value = _parameter_value(model, name, fields[name], text, neurons)
        step_p = _replace(step_p, name.split("."), value)
    return p._replace(p=step_p) if behaviour else step_p


def _parameter_value(model: NeuronModel, name: str, default: Any, text: str,
                     neurons: int | None = None) -> Any:
    if callable(default):
        choices = {reset.__name__: reset for reset in model.reset_updates or ()}
        if text not in choices:
            raise ValueError(f"--param {name}={text}: {name} takes one of "
                             f"{', '.join(choices) or 'no value from the command line'}")
        return choices[text]
    if neurons is not None and "," in text:
        values = [_parameter_value(model, name, default, part.strip()) for part in text.split(",")]
        if len(values) != neurons:
            raise ValueError(f"--param {name}={text}: {len(values)} values for {neurons} "
                             f"neurons; give one value, or one per neuron")
        return np.array(values)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--param {name}={text}: expected a number") from None
    if not math.isfinite(value):
        raise ValueError(f"--param {name}={text}: the value must be a finite number")
    return value


# --------------------------------------------------------------------------- the run
def drive(current: float, noise: float, seed: int, steps: int, neurons: int,
          dtype: str) -> np.ndarray:
    """The input of a run: ``current`` plus Gaussian noise of std ``|current| * noise``.

    The noise is drawn in float64 from ``np.random.default_rng(seed)`` a
    block of rows at a time (the same numbers as one draw, without a float64
    temporary of the whole input) and added in ``dtype``.

    Returns
    -------
    array, shape ``(steps, neurons)``
    """
    x = np.full((steps, neurons), current, dtype=dtype)
    scale = abs(current) * noise
    if scale:
        rng = np.random.default_rng(seed)
        rows = max(1, NOISE_BLOCK // neurons)
        for start in range(0, steps, rows):
            block = x[start:start + rows]
            block += (scale * rng.standard_normal(block.shape)).astype(dtype)
    return x


def connectivity(model: NeuronModel, n: int, dtype: str) -> dict:
    """The matrices a family needs: identity input weights and no recurrence for
    recurrent-only families, a chain of compartments for ``lif_mc*``.

    Returns
    -------
    dict
        Keyword arguments of :func:`refsnn.simulate` (empty for most families).
    """
    kw = {}
    if model.feed_forward_step is None:
        kw["input_weights"] = np.eye(n, dtype=dtype)
        if model.takes_recurrent_weights:
            kw["recurrent_weights"] = np.zeros((n, n), dtype=dtype)
    if model.takes_coupling:
        g = np.zeros((n, n), dtype=dtype)
        idx = np.arange(n - 1)
        g[idx, idx + 1] = g[idx + 1, idx] = 1.0
        g[np.arange(n), np.arange(n)] = -g.sum(axis=1)
        kw["g_coupling"] = g
    return kw


def simulate_in_chunks(model: str, inputs: np.ndarray, chunk: int, *,
                       record: tuple[str, ...] = (), **kwargs) -> Iterator[tuple]:
    """Run :func:`refsnn.simulate` over consecutive chunks of ``chunk`` steps.

    The final state of each call is the initial state of the next, so the
    outputs and states are those of a single call over all of ``inputs``.

    Parameters
    ----------
    model : str
        Family name.
    inputs : array, shape ``(T, ...)``
    chunk : int
        Steps per call (the last call may get fewer).
    record : tuple of str
        State variables (leaf names such as ``"v"``, or dotted paths such as
        ``"lif.v"``) to return at every step.
    **kwargs
        Further arguments of :func:`refsnn.simulate` (``p``, ``state``,
        ``dt``, ``backend``, the matrices, ``spike_dtype``).

    Yields
    ------
    outputs : array, shape ``(steps of the chunk, ...)``
    state : State
        The state after the chunk.
    recorded : dict of str to array
        ``{name: array of shape (steps of the chunk, ...)}`` for ``record``.
    """
    state = kwargs.pop("state", None)
    for start in range(0, len(inputs), chunk):
        outputs, state = simulate(model, inputs[start:start + chunk], state=state,
                                  record_states=bool(record), **kwargs)
        recorded = {}
        if record:
            stacked = dict(_leaves(state))
            recorded = {name: _leaf(stacked, name) for name in record}
            state = _map(lambda leaf: leaf[-1].copy(), state)
        yield outputs, state, recorded


def _leaf(leaves: dict[str, Any], name: str) -> Any:
    """The leaf called ``name`` (dotted, or its last part) of :func:`_leaves`' dict."""
    if name in leaves:
        return leaves[name]
    return next(value for path, value in leaves.items() if path.rsplit(".", 1)[-1] == name)


def _check_record(names: tuple[str, ...], template: NamedTuple, model: str) -> None:
    known = [path for path, _ in _leaves(template)]
    short = {path.rsplit(".", 1)[-1] for path in known}
    for name in names:
        if name not in known and name not in short:
            raise ValueError(f"--record: {model} has no state variable {name!r}; its state "
                             f"variables: {', '.join(sorted(short))}")


def _auto_chunk(steps: int, neurons: int, progress: bool) -> int:
    """Steps per call: all of them, or about 1 % when progress is shown (never tiny calls)."""
    if not progress:
        return steps
    return min(steps, max(math.ceil(steps / 100), math.ceil(MIN_CHUNK_NEURON_STEPS / neurons)))


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class _Progress:
    """Progress over the steps of a run on ``stream``, once it has lasted ``PROGRESS_DELAY_S``.

    A tqdm bar if tqdm can be imported, else one line rewritten in place;
    nothing at all when ``stream`` is not a terminal.
    """

    def __init__(self, total: int, stream: Any):
        self.total, self.stream, self.done = total, stream, 0
        self.enabled = _is_terminal(stream)
        self.start = time.perf_counter()
        self.bar = None
        self.shown = False
        if self.enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, unit="step", file=stream, delay=PROGRESS_DELAY_S,
                            leave=False, desc="refsnn")

    def update(self, steps: int) -> None:
        """Count ``steps`` more steps as done."""
        self.done += steps
        if self.bar is not None:
            self.bar.update(steps)
            return
        elapsed = time.perf_counter() - self.start
        if self.enabled and elapsed >= PROGRESS_DELAY_S:
            self.stream.write(f"\rrefsnn: {100 * self.done // self.total:3d}% "
                              f"({self.done} of {self.total} steps, {elapsed:.0f} s)")
            self.stream.flush()
            self.shown = True

    def close(self) -> None:
        """Remove the progress display."""
        if self.bar is not None:
            self.bar.close()
        elif self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _memory_parts(model: NeuronModel, template: NamedTuple, args: argparse.Namespace,
                  chunk: int, itemsize: int) -> dict[str, int]:
    """Bytes the run will hold at once, by what holds them."""
    n, steps = args.neurons, args.steps
    leaves = len(list(_leaves(template)))
    out_item = 1 if model.output == "spikes" else itemsize
    record = args.record or ()
    parts = {
        "input": steps * n * itemsize,
        "outputs": (steps + chunk if args.save else chunk) * n * out_item,
        "recorded states": (steps * len(record) + chunk * leaves) * n * itemsize if record else 0,
        "state": 2 * leaves * n * itemsize,
    }
    if model.feed_forward_step is None:
        matrices = 2 if model.takes_recurrent_weights else 1
        parts["weight matrices"] = matrices * n * n * itemsize
        parts["input projections"] = chunk * n * itemsize * (2 if model.sign_split else 1)
    if model.takes_coupling:
        parts["coupling matrix"] = n * n * itemsize
    return parts


class _Result(NamedTuple):
    """What a run produced.

    Attributes
    ----------
    counts : spikes per neuron (spiking families), else ``None``.
    last : the outputs of the last step.
    outputs : every output (with ``--save``), else ``None``.
    state : the final state.
    recorded : ``{name: array of shape (T, n)}`` (with ``--record``).
    """

    counts: np.ndarray | None
    last: np.ndarray
    outputs: np.ndarray | None
    state: NamedTuple
    recorded: dict


def _simulate(model: NeuronModel, x: np.ndarray, p: Any, args: argparse.Namespace,
              backend: str, chunk: int, matrices: dict) -> _Result:
    """The timed part of a run: chunked simulation with progress and the finiteness check."""
    keep = args.save is not None
    record = args.record or ()
    counts = np.zeros(args.neurons, np.int64) if model.output == "spikes" else None
    outputs, recorded = None, {}
    progress = _Progress(args.steps, sys.stderr)
    spike_dtype = np.bool_ if model.output == "spikes" else None
    chunks = simulate_in_chunks(model.name, x, chunk, record=record, p=p, dt=args.dt,
                                backend=backend, spike_dtype=spike_dtype, **matrices)
    start = 0
    try:
        for out, state, rec in chunks:
            stop = start + len(out)
            _check_finite(state, stop, args.dt)
            if counts is not None:
                counts += out.sum(axis=0, dtype=np.int64)
            last = out[-1]
            if keep:
                if outputs is None:
                    outputs = np.empty((args.steps,) + out.shape[1:], out.dtype)
                outputs[start:stop] = out
                for name, values in rec.items():
                    if name not in recorded:
                        recorded[name] = np.empty((args.steps,) + values.shape[1:], values.dtype)
                    recorded[name][start:stop] = values
            progress.update(stop - start)
            start = stop
    finally:
        progress.close()
    return _Result(counts, last, outputs, state, recorded)


def _check_finite(state: NamedTuple, steps: int, dt: float) -> None:
    """A non-finite state (under a lenient ``nonfinite`` option) must not be summarised."""
    for name, leaf in _leaves(state):
        if not np.isfinite(leaf).all():
            raise ValueError(f"the state (state.{name}) became non-finite within the first "
                             f"{steps} steps; --dt {dt:g} is probably too large for this model, "
                             f"or a --param value is out of range")


def _warm_up(model: NeuronModel, p: Any, args: argparse.Namespace, backend: str) -> float:
    """Seconds of a one-step, one-neuron call: the compile (or cache load) of the kernels."""
    x = np.full((1, 1), 0.0, dtype=args.dtype)
    spike_dtype = np.bool_ if model.output == "spikes" else None
    start = time.perf_counter()
    simulate(model.name, x, p=p, dt=args.dt, backend=backend, spike_dtype=spike_dtype,
             record_states=bool(args.record), **connectivity(model, 1, args.dtype))
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> int:
    """Execute ``refsnn run`` with parsed arguments; print the summary.

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    ValueError, TypeError, MemoryError, OSError
        Turned into one line on stderr by :func:`main`; a ``RuntimeWarning``
        during the simulation (an unstable ``dt``, an overflow) becomes a
        ``ValueError``.
    """
    model = get_model(args.model)
    backend = backends.get(args.backend).name
    if args.record and args.save is None:
        raise ValueError("--record needs --save (the recorded states are written to the file)")
    p = parameters(model, args.preset, args.param)
    recurrent = model.feed_forward_step is None
    template = model.initial_state(p, (0,), np.dtype(args.dtype), recurrent)
    if args.record:
        _check_record(args.record, template, model.name)
    chunk = min(args.chunk or _auto_chunk(args.steps, args.neurons, _is_terminal(sys.stderr)),
                args.steps)
    memory.check_fits(_memory_parts(model, template, args, chunk, np.dtype(args.dtype).itemsize),
                      what=f"refsnn run {model.name} ({args.steps} steps x {args.neurons} "
                           f"neurons)", hint="use fewer --neurons or --steps")
    current = (DEFAULT_CURRENT.get(model.name, FALLBACK_CURRENT) if args.current is None
               else args.current)

    start = time.perf_counter()
    x = drive(current, args.noise, args.seed, args.steps, args.neurons, args.dtype)
    matrices = connectivity(model, args.neurons, args.dtype)
    input_time = time.perf_counter() - start
    with warnings.catch_warnings():
        # An unstable dt or an overflow means garbage: refuse rather than summarise it.
        warnings.simplefilter("error", RuntimeWarning)
        try:
            warm_up_time = None if backend == "numpy" else _warm_up(model, p, args, backend)
            start = time.perf_counter()
            result = _simulate(model, x, p, args, backend, chunk, matrices)
            simulation_time = time.perf_counter() - start
        except UnstableStepWarning as err:
            raise ValueError(f"--dt {args.dt:g} is too large for {model.name}: {err}") from None
        except RuntimeWarning as err:
            raise ValueError(f"the simulation of {model.name} failed: {err}") from None

    _print_summary(args, model, backend, current, result,
                   (input_time, warm_up_time, simulation_time))
    if args.save is not None:
        _save(args, model, backend, current, result)
        print(f"saved     {args.save}")
    return 0


def _print_summary(args: argparse.Namespace, model: NeuronModel, backend: str, current: float,
                   result: _Result, times: tuple[float, float | None, float]) -> None:
    """Print what ran, what came out, and ``times`` (input, warm-up or None, simulation)."""
    input_time, warm_up_time, simulation_time = times
    seconds = args.steps * args.dt
    print(f"model     {model.name}")
    print(f"backend   {backend}")
    print(f"neurons   {args.neurons}")
    print(f"steps     {args.steps} (dt = {args.dt:g} s, {seconds:g} s simulated, {args.dtype})")
    print(f"input     {current:g} per step, noise {args.noise:g} (relative), seed {args.seed}")
    if args.preset or args.param:
        settings = ([f"preset {args.preset}"] if args.preset else []) + [
            f"{name}={value}" for name, value in args.param or ()]
        print(f"params    {', '.join(settings)}")
    if result.counts is not None:
        rates = result.counts / seconds
        print(f"spikes    {int(result.counts.sum())}")
        print(f"rate      {rates.mean():.2f} Hz mean per neuron "
              f"(min {rates.min():.2f}, max {rates.max():.2f})")
    else:
        print(f"output    membrane voltage, final mean {float(result.last.mean()):.4g}")
    total = input_time + (warm_up_time or 0.0) + simulation_time
    warm = "" if warm_up_time is None else f", warm-up (compile or cache load) {warm_up_time:.3f} s"
    print(f"wall time {total:.3f} s: input {input_time:.3f} s{warm}, "
          f"simulation {simulation_time:.3f} s")
    speed = args.neurons * args.steps / simulation_time if simulation_time > 0 else math.inf
    print(f"speed     {speed:.3g} neuron-steps/s (simulation only)")


def _save(args: argparse.Namespace, model: NeuronModel, backend: str, current: float,
          result: _Result) -> None:
    arrays = {"spikes" if model.output == "spikes" else "voltages": result.outputs}
    arrays.update({f"state.{name}": leaf for name, leaf in _leaves(result.state)})
    arrays.update({f"record.{name}": values for name, values in result.recorded.items()})
    arrays.update(
        model=model.name, dt=args.dt, neurons=args.neurons, steps=args.steps, seed=args.seed,
        backend=backend, dtype=args.dtype, refsnn_version=__version__, current=current,
        noise=args.noise, preset=args.preset or "",
        params=";".join(f"{name}={value}" for name, value in args.param or ()),
    )
    with open(args.save, "wb") as f:
        np.savez(f, **arrays)


# --------------------------------------------------------------------------- golden
GOLDEN_DESCRIPTION = """\
Write golden traces: run MODEL with refsnn's reference (the numpy backend) and
save, in one .npz file, everything another simulator needs to reproduce the
run and everything it is judged against: the inputs, the parameters and the
initial state (the 'setup' entry: np.load(FILE)["setup"]["inputs"], ["p.v_th"],
["state.v"], ...), every state variable and the spikes at every step (entries
z, v, i, ...), and metadata (refsnn version, dtype, dt, discretisation).

The population of --neurons neurons starts from Norse's initial state and is
driven by --current per step plus Gaussian noise (the input of 'refsnn run');
--param sets a parameter for every neuron (v_th=0.8) or per neuron (one value
per neuron, comma-separated: v_th=0.8,0.9,1.0 for three neurons). --case
writes a case of the conformance suite instead (refsnn.conformance.case_ids()).

Compare a candidate's traces, saved as an .npz file under the same names, with
  refsnn compare FILE CANDIDATE.npz
"""

GOLDEN_EPILOG = """\
examples:
  refsnn golden lif --neurons 3 --steps 200 --param v_th=0.8,0.9,1.0 -o lif.npz
  refsnn golden izhikevich --preset tonic_bursting --dtype float64 -o izh.npz
  refsnn golden --case lif_box/threshold/float32 -o threshold.npz
"""


def _add_golden(sub: Any) -> None:
    golden_ = sub.add_parser("golden", help="write golden traces of a run to an .npz file",
                             description=GOLDEN_DESCRIPTION, epilog=GOLDEN_EPILOG,
                             formatter_class=_HelpFormatter)
    golden_.add_argument("model", type=_model_name, metavar="MODEL", nargs="?", default=None,
                         help=f"neuron family: {', '.join(sorted(MODELS))}")
    golden_.add_argument("-o", "--output", type=_output_file, required=True, metavar="FILE",
                         help="the .npz file to write (replaced if it exists)")
    golden_.add_argument("--case", default=None, metavar="ID",
                         help="write this conformance case instead of a run of MODEL "
                              "(e.g. lif/threshold/float32)")
    golden_.add_argument("--neurons", type=_positive_integer, default=10, metavar="N",
                         help="number of neurons")
    golden_.add_argument("--steps", type=_positive_integer, default=100, metavar="T",
                         help="number of time steps")
    golden_.add_argument("--dt", type=_positive_number, default=0.001, help="time step")
    golden_.add_argument("--current", type=_number, default=None, metavar="I",
                         help="mean input per step (default: as 'refsnn run')")
    golden_.add_argument("--noise", type=_nonnegative_number, default=0.5, metavar="SIGMA",
                         help="standard deviation of the input noise, relative to |--current|")
    golden_.add_argument("--seed", type=_nonnegative_integer, default=0, metavar="S",
                         help="seed of the input noise")
    golden_.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                         help="floating-point type of the run")
    golden_.add_argument("--preset", default=None, metavar="NAME",
                         help="izhikevich only: start from this spiking behaviour")
    golden_.add_argument("--param", "--params", type=_assignment, action="append", default=None,
                         metavar="NAME=VALUE[,VALUE...]",
                         help="set a parameter (repeatable): one value for every neuron, or "
                              "one per neuron, comma-separated")


def golden_case(args: argparse.Namespace) -> Case:
    """The :class:`refsnn.conformance.Case` that ``refsnn golden`` writes for ``args``.

    Raises
    ------
    ValueError
        Neither or both of MODEL and ``--case``, an unknown case, a bad
        ``--param`` (unknown, not finite, out of its domain, a per-neuron
        list of the wrong length), ``--preset`` for another family.
    """
    if (args.model is None) == (args.case is None):
        raise ValueError("give a MODEL or --case ID (one of the two)")
    if args.case is not None:
        return get_case(args.case)
    model = get_model(args.model)
    dtype = np.dtype(args.dtype)
    p = parameters(model, args.preset, args.param, neurons=args.neurons)
    recurrent = model.feed_forward_step is None
    step_p = _checks.cast_tree(model.step_parameters(p), dtype, "p")
    state = model.initial_state(p, (args.neurons,), dtype, recurrent)
    current = (DEFAULT_CURRENT.get(model.name, FALLBACK_CURRENT) if args.current is None
               else args.current)
    x = drive(current, args.noise, args.seed, args.steps, args.neurons, args.dtype)
    settings = " ".join([f"--current {current:g} --noise {args.noise:g} --seed {args.seed}"]
                        + ([f"--preset {args.preset}"] if args.preset else [])
                        + [f"--param {name}={value}" for name, value in args.param or ()])
    return Case(id=f"{model.name}/golden/{args.dtype}", family=model.name,
                description=f"refsnn golden {model.name} {settings}", inputs=x, p=step_p,
                state=state, dt=args.dt, **connectivity(model, args.neurons, args.dtype))


def golden(args: argparse.Namespace) -> int:
    """Execute ``refsnn golden``: write the case's traces and setup; print what was written.

    Returns
    -------
    int
        The exit status, 0 (errors are raised and reported by :func:`main`).
    """
    case = golden_case(args)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            traces = case.reference()
        except UnstableStepWarning as err:
            raise ValueError(f"--dt {case.dt:g} is too large for {case.family}: {err}") from None
        except RuntimeWarning as err:
            raise ValueError(f"the simulation of {case.family} failed: {err}") from None
    write_golden(case, args.output)
    print(f"case      {case.id}: {case.description}")
    print(f"run       {case.steps} steps x {case.neurons[0]} neurons, dt = {case.dt:g}, "
          f"{case.dtype.name}")
    print(f"traces    {', '.join(traces)}")
    if "z" in traces:
        print(f"spikes    {int(np.count_nonzero(traces['z']))}")
    print(f"saved     {args.output}")
    return 0


def _quiet_stdout() -> None:
    """Point stdout at devnull so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a file (captured, replaced): nothing is flushed to the pipe


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``refsnn ...`` (``argv`` defaults to ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0, 2 after an error (one line on stderr), 130 after
        Ctrl-C, 141 when the reader of stdout has gone (``refsnn ... | head``).
    """
    try:
        try:
            args = _parser().parse_args(argv)
            if args.command == "compare":
                return run_compare(args)
            if args.command == "golden":
                return golden(args)
            return run(args)
        except BrokenPipeError:
            raise
        except (ValueError, TypeError, MemoryError, OSError,
                backends.BackendUnavailable) as err:
            message = " ".join(str(err).split()) or type(err).__name__
            print(f"refsnn: error: {message}", file=sys.stderr)
            return 2
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("refsnn: interrupted", file=sys.stderr)
        return 130
