r"""Golden traces: a case and its reference traces in one ``.npz`` file.

A golden file holds everything another simulator needs to reproduce a run
and everything it is judged against:

* **the traces**, one entry per variable (``"z"``, ``"v"``, ``"i"``,
  ``"lif.v"``, ``"rho"``, ...; :mod:`refsnn.conformance.case`), shape
  ``(T, *neurons)``, in the run's dtype;
* **the setup**, one 0-d structured array ``"setup"`` whose fields are the
  inputs (``"inputs"``, shape ``(T, ...)``), the parameters (``"p.v_th"``,
  ``"p.lif.tau_mem_inv"``, ...; shape ``()`` for a scalar, ``neurons`` per
  neuron), the initial state (``"state.v"``, ...) and, where the family
  takes them, ``"input_weights"``, ``"recurrent_weights"``, ``"g_coupling"``;
  read it with ``np.load(path)["setup"]["inputs"]``;
* **metadata**, 0-d entries: ``format`` (``"refsnn-golden"``),
  ``format_version``, ``refsnn_version``, ``model``, ``step_function``
  (the Norse/refsnn step that was run), ``dtype``, ``dt``, ``steps``,
  ``discretisation``, ``case_id``, ``description``, ``suite_version``,
  ``reset_method`` (``lif_box``) and whatever the writer adds.

``refsnn compare`` reads a golden file directly: the setup and the metadata
are not arrays of numbers with a time axis, so it compares the traces only
(and lists the rest as ignored). A candidate simulator writes its own
traces under the same names, and ``refsnn compare golden.npz cand.npz``
judges them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from refsnn import __version__
from refsnn._checks import is_namedtuple
from refsnn.compare import open_npz
from refsnn.conformance.case import Case, flatten, trace_names
from refsnn.conformance.suite import VERSION
from refsnn.functional import reset
from refsnn.models import get_model

__all__ = ["write_golden", "read_golden", "FORMAT", "FORMAT_VERSION"]

FORMAT = "refsnn-golden"
FORMAT_VERSION = "1"
_MATRICES = ("input_weights", "recurrent_weights", "g_coupling")


def _discretisation(case: Case) -> str:
    return (f"forward Euler with dt = {case.dt!r}, one call of {case.step_function} per step "
            f"(Norse 1.1.0's update order), arithmetic in {case.dtype.name}")


def _setup(case: Case) -> np.ndarray:
    """The 0-d structured array of the inputs, parameters, initial state and matrices."""
    fields = {"inputs": case.inputs}
    for name, value in flatten(case.p).items():
        if not callable(value):
            fields[f"p.{name}"] = np.asarray(value, case.dtype)
    fields.update({f"state.{name}": value for name, value in flatten(case.state).items()})
    for name in _MATRICES:
        if getattr(case, name) is not None:
            fields[name] = getattr(case, name)
    dtype = np.dtype([(name, a.dtype, a.shape) for name, a in fields.items()])
    record = np.zeros((), dtype)
    for name, value in fields.items():
        record[name] = value
    return record


def write_golden(case: Case, path: str | os.PathLike, **metadata: Any) -> Path:
    """Write ``case`` and its reference traces to an ``.npz`` golden file.

    Parameters
    ----------
    case : Case
        A suite case (:func:`refsnn.conformance.get_case`) or one built
        by hand; its traces are :meth:`Case.reference`.
    path : str or path
        Where to write (the folder must exist; an existing file is replaced).
    **metadata
        Further 0-d entries (numbers or strings), e.g. the drive's seed.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path: the folder {str(path.parent)!r} does not exist")
    reserved = {"setup", "format", *trace_names(case.family, case.recurrent)}
    clash = sorted(reserved & set(metadata))
    if clash:
        raise ValueError(f"metadata: {clash} are names of the golden format")
    entries: dict[str, Any] = dict(case.reference())
    entries["setup"] = _setup(case)
    entries.update(
        format=FORMAT, format_version=FORMAT_VERSION, refsnn_version=__version__,
        model=case.family, step_function=case.step_function, dtype=case.dtype.name,
        dt=float(case.dt), steps=case.steps, discretisation=_discretisation(case),
        case_id=case.id, description=case.description, suite_version=VERSION)
    for name, value in flatten(case.p).items():
        if callable(value):
            entries[name] = value.__name__
    for name, value in metadata.items():
        if np.ndim(value) != 0:
            raise ValueError(f"metadata {name!r} must be a number or a string, got {value!r}")
        entries[name] = value
    with open(path, "wb") as f:
        np.savez(f, **entries)
    return path


def _text(loaded: Any, key: str, path: Path) -> str:
    if key not in loaded.files:
        raise ValueError(f"{str(path)!r} is not a refsnn golden file: it has no {key!r} entry")
    return str(loaded[key][()])


def read_golden(path: str | os.PathLike) -> Case:
    """A golden file as a :class:`~refsnn.conformance.Case` whose reference is the file's traces.

    ``refsnn.conformance.run(adapter, [read_golden(path)])`` judges an
    adapter against the file with the rules of the suite.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not a golden file (no ``format``/``setup``, another format
        version), a missing setup field or trace variable (the message lists
        them), a trace whose shape is not ``(steps, *neurons)``, a
        non-finite input, parameter, state or weight.
    """
    path = Path(path)
    loaded = open_npz(path, "golden file")
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"{str(path)!r} is not a refsnn golden file (a single .npy array)")
    with loaded:
        if _text(loaded, "format", path) != FORMAT:
            raise ValueError(f"{str(path)!r} is not a refsnn golden file (format "
                             f"{_text(loaded, 'format', path)!r})")
        version = _text(loaded, "format_version", path)
        if version != FORMAT_VERSION:
            raise ValueError(f"{str(path)!r} has golden format version {version}; this refsnn "
                             f"reads version {FORMAT_VERSION}")
        family = _text(loaded, "model", path)
        model = get_model(family)
        if "setup" not in loaded.files:
            raise ValueError(f"{str(path)!r} has no 'setup' entry (inputs, parameters, state)")
        setup = loaded["setup"]
        fields = {name: np.array(setup[name]) for name in setup.dtype.names}
        recurrent = "input_weights" in fields
        template = model.make_parameters()
        p = _fill(model.step_parameters(template), "p.", fields, loaded, path)
        state = _fill(model.initial_state(template, (1,), np.dtype(np.float64), recurrent),
                      "state.", fields, loaded, path)
        names = trace_names(family, recurrent)
        missing = [n for n in names if n not in loaded.files]
        if missing:
            raise ValueError(f"{str(path)!r} lacks the trace(s) {', '.join(missing)} of "
                             f"{family}; a golden file has {', '.join(names)}")
        expected = {n: np.array(loaded[n]) for n in names}
        meta = {key: _text(loaded, key, path) for key in ("case_id", "description")}
        dt = float(loaded["dt"][()]) if "dt" in loaded.files else None
    if dt is None:
        raise ValueError(f"{str(path)!r} has no 'dt' entry")
    for name in ("inputs", *_MATRICES):
        if name in fields:
            _finite(fields[name], name, path)
    case = Case(id=meta["case_id"], family=family, description=meta["description"],
                inputs=fields["inputs"], p=p, state=state, dt=dt,
                **{m: fields.get(m) for m in _MATRICES}, expected=expected)
    shape = (case.steps, *case.neurons)
    for name, trace in expected.items():
        if trace.shape != shape:
            raise ValueError(f"{str(path)!r}: trace {name!r} has shape {trace.shape}, expected "
                             f"{shape} (steps of 'inputs', shape of the state)")
    return case


def _finite(value: np.ndarray, name: str, path: Path) -> None:
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        index = np.unravel_index(int(np.argmax(~np.isfinite(value))), value.shape)
        raise ValueError(f"{str(path)!r}: setup field {name!r} is not finite at index "
                         f"{tuple(int(k) for k in index)}")


def _fill(template: Any, prefix: str, fields: dict, loaded: Any, path: Path) -> Any:
    """``template`` (a NamedTuple) with every leaf read from ``fields`` under ``prefix``."""
    values = []
    for name, value in zip(template._fields, template):
        key = prefix + name
        if is_namedtuple(value):
            values.append(_fill(value, key + ".", fields, loaded, path))
        elif callable(value):
            bare = key.split(".", 1)[1]
            chosen = _text(loaded, bare, path) if bare in loaded.files else value.__name__
            if not callable(getattr(reset, chosen, None)):
                raise ValueError(f"{str(path)!r}: {bare} = {chosen!r} is not a reset of "
                                 f"refsnn.functional.reset")
            values.append(getattr(reset, chosen))
        else:
            if key not in fields:
                raise ValueError(f"{str(path)!r}: the setup lacks {key!r}; "
                                 f"it has {', '.join(fields)}")
            _finite(fields[key], key, path)
            values.append(fields[key])
    return type(template)(*values)
