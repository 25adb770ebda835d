r"""Compare two simulations step by step: where they diverge, by how much, and how.

:func:`compare` takes a *reference* run (normally refsnn's) and a *candidate*
run (a Norse port, a JAX model, a chip simulator) as arrays, dicts of named
traces, state NamedTuples stacked over time or ``.npz`` files, and returns a
:class:`Report`: per variable the first divergent step and index, the
largest absolute, relative and ulp errors, the per-step error and a
classification of how it grows; per spike variable the spike counts, the
spike-time shifts and the van Rossum and Victor–Purpura distances.

Time is on axis 0 of every variable. :func:`main_compare` is the command
line ``refsnn compare REF.npz CAND.npz`` (:func:`add_compare_arguments` and
:func:`run_compare` plug it into a parser as a subcommand).
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import os
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = ["compare", "Report", "VariableComparison", "SpikeComparison", "main_compare",
           "add_compare_arguments", "run_compare", "SPIKE_NAMES", "ROUNDING_ULPS",
           "JUMP_FACTOR"]

#: Variable names (the last part of a dotted name) that are spike trains.
SPIKE_NAMES = frozenset({"z", "spikes", "s"})
#: Rounding budget: ulp per step of a random walk (see :func:`compare`, Notes).
ROUNDING_ULPS = 4.0
#: An error that grows by more than this factor in one step, out of the budget, blows up.
JUMP_FACTOR = 100.0
#: Default time constant of the van Rossum kernel, in steps.
DEFAULT_TAU = 10.0
#: Default Victor–Purpura cost of shifting a spike by one step.
DEFAULT_Q = 0.1
#: Default largest spike-time shift, in steps, that pairs two spikes.
DEFAULT_WINDOW = 10
#: Name of a variable given as a bare array.
ARRAY_NAME = "array"

_FLOATS = {np.dtype(np.float16): (np.int16, np.uint16),
           np.dtype(np.float32): (np.int32, np.uint32),
           np.dtype(np.float64): (np.int64, np.uint64)}


# --------------------------------------------------------------------------- results
@dataclass(eq=False, repr=False)
class SpikeComparison:
    r"""The spike trains of one variable, compared neuron by neuron.

    A spike is an element that is neither 0 nor NaN; every element after
    the time axis is one neuron. All times are in steps.

    Attributes
    ----------
    neuron_shape : tuple of int
        The shape of one step (the neurons).
    reference_count, candidate_count : int
        Spikes on each side.
    identical : bool
        Whether every neuron spikes at the same steps on both sides.
    first_mismatch : tuple (int, tuple of int) or None
        ``(step, neuron index)`` of the first element where one side spikes
        and the other does not (steps first, then neurons in C order).
    differing_neurons : int
        Neurons whose trains differ.
    matched, unmatched_reference, unmatched_candidate : int
        Spike pairs within ``window`` steps, reference spikes left without a
        partner (missing in the candidate), candidate spikes left without one
        (extra in the candidate).
    mean_shift, mean_abs_shift : float or None
        Mean of :math:`t_{\text{cand}} - t_{\text{ref}}` over the matched
        pairs (positive: the candidate is late) and of its absolute value;
        ``None`` without a pair.
    max_abs_shift : int or None
        The largest :math:`|t_{\text{cand}} - t_{\text{ref}}|` of a pair.
    van_rossum : float
        Population van Rossum distance, :math:`\sqrt{\sum_n D_n^2}`.
    victor_purpura : float
        Population Victor–Purpura distance, :math:`\sum_n D^{\text{VP}}_n`.
    van_rossum_per_neuron, victor_purpura_per_neuron : ndarray of float, shape ``neuron_shape``
    mean_shift_per_neuron : ndarray of float, shape ``neuron_shape``
        NaN where a neuron has no matched pair.
    max_abs_shift_per_neuron : ndarray of int, shape ``neuron_shape``
        0 where a neuron has no matched pair.
    unmatched_reference_per_neuron, unmatched_candidate_per_neuron : ndarray of int
    tau, q : float
        The van Rossum time constant and the Victor–Purpura shift cost used.
    window : int
        The largest shift that pairs two spikes.
    """

    neuron_shape: tuple
    reference_count: int
    candidate_count: int
    identical: bool
    first_mismatch: tuple | None
    differing_neurons: int
    matched: int
    unmatched_reference: int
    unmatched_candidate: int
    mean_shift: float | None
    mean_abs_shift: float | None
    max_abs_shift: int | None
    van_rossum: float
    victor_purpura: float
    van_rossum_per_neuron: np.ndarray
    victor_purpura_per_neuron: np.ndarray
    mean_shift_per_neuron: np.ndarray
    max_abs_shift_per_neuron: np.ndarray
    unmatched_reference_per_neuron: np.ndarray
    unmatched_candidate_per_neuron: np.ndarray
    tau: float
    q: float
    window: int

    def __repr__(self) -> str:
        return (f"SpikeComparison(reference_count={self.reference_count}, "
                f"candidate_count={self.candidate_count}, identical={self.identical}, "
                f"first_mismatch={self.first_mismatch}, van_rossum={self.van_rossum:.4g}, "
                f"victor_purpura={self.victor_purpura:.4g})")

    def to_dict(self, dt: float | None = None) -> dict:
        """The summary as plain ints, floats, strings, lists and ``None``.

        Per-neuron arrays are left out (they are attributes). Non-finite
        floats become the strings ``"inf"``, ``"-inf"``, ``"nan"``.

        Parameters
        ----------
        dt : float, optional
            Step length; adds the times (``step * dt``) next to the steps.
        """
        return {
            "reference_count": self.reference_count,
            "candidate_count": self.candidate_count,
            "identical": self.identical,
            "first_mismatch": _position_dict(self.first_mismatch, dt),
            "differing_neurons": self.differing_neurons,
            "matched": self.matched,
            "unmatched_reference": self.unmatched_reference,
            "unmatched_candidate": self.unmatched_candidate,
            "mean_shift": _json_float(self.mean_shift),
            "mean_abs_shift": _json_float(self.mean_abs_shift),
            "max_abs_shift": self.max_abs_shift,
            "mean_shift_time": _json_float(_times(self.mean_shift, dt)),
            "max_abs_shift_time": _json_float(_times(self.max_abs_shift, dt)),
            "van_rossum": _json_float(self.van_rossum),
            "van_rossum_max": _json_float(_array_max(self.van_rossum_per_neuron)),
            "victor_purpura": _json_float(self.victor_purpura),
            "victor_purpura_max": _json_float(_array_max(self.victor_purpura_per_neuron)),
            "tau": self.tau,
            "q": self.q,
            "window": self.window,
        }


@dataclass(eq=False, repr=False)
class VariableComparison:
    r"""One variable, present on both sides, compared element by element.

    Attributes
    ----------
    name : str
        The variable's (dotted) name.
    shape : tuple of int
        Its shape, time on axis 0.
    reference_dtype, candidate_dtype : str
    max_abs : float
        :math:`\max |a - b|` (``a`` the reference, ``b`` the candidate).
    max_rel : float
        :math:`\max |a - b| / |a|`; infinite where :math:`a = 0 \ne b`.
    max_ulp : int, float or None
        Largest distance in units in the last place, in the reference's
        dtype (float16, float32, float64; ``None`` for other dtypes):
        ``math.inf`` where a NaN meets a number or an infinity meets another
        value.
    divergent : int
        Elements outside the tolerance.
    first_divergence : tuple (int, tuple of int) or None
        ``(step, index)`` of the first element outside the tolerance: the
        earliest step, then the first such index of that step in C order.
        ``None`` when every element is within it.
    step_errors : ndarray of float64, shape ``(T,)``
        :math:`e_t`, the largest absolute error at each step.
    step_scaled_errors : ndarray of float64, shape ``(T,)``
        :math:`s_t`, ``step_errors`` in ulp of the step's scale (Notes of
        :func:`compare`).
    pattern : str
        ``"exact"``, ``"rounding"``, ``"immediate"`` or ``"divergence"``
        (rule in :func:`compare`, Notes).
    onset : int or None
        For ``immediate``, the step (0 or 1) over the rounding budget; for
        ``divergence``, the first step that blows up; ``None`` for
        ``exact`` and ``rounding`` (rule in :func:`compare`, Notes).
    spikes : SpikeComparison or None
        The spike analysis, for a spike variable.
    """

    name: str
    shape: tuple
    reference_dtype: str
    candidate_dtype: str
    max_abs: float
    max_rel: float
    max_ulp: int | float | None
    divergent: int
    first_divergence: tuple | None
    step_errors: np.ndarray
    step_scaled_errors: np.ndarray
    pattern: str
    onset: int | None
    spikes: SpikeComparison | None = None

    @property
    def ok(self) -> bool:
        """Whether every element is within the tolerance."""
        return self.divergent == 0

    def __repr__(self) -> str:
        return (f"VariableComparison(name={self.name!r}, shape={self.shape}, ok={self.ok}, "
                f"max_abs={self.max_abs:.4g}, max_ulp={self.max_ulp}, "
                f"first_divergence={self.first_divergence}, pattern={self.pattern!r})")

    def to_dict(self, dt: float | None = None) -> dict:
        """The comparison as plain ints, floats, strings, lists, dicts and ``None``.

        Non-finite floats become the strings ``"inf"``, ``"-inf"``, ``"nan"``
        (strict JSON has no infinity).

        Parameters
        ----------
        dt : float, optional
            Step length; adds the times (``step * dt``) next to the steps.
        """
        return {
            "shape": list(self.shape),
            "dtype": {"reference": self.reference_dtype, "candidate": self.candidate_dtype},
            "ok": self.ok,
            "max_abs": _json_float(self.max_abs),
            "max_rel": _json_float(self.max_rel),
            "max_ulp": (_json_float(self.max_ulp) if isinstance(self.max_ulp, float)
                        else self.max_ulp),
            "divergent": self.divergent,
            "first_divergence": _position_dict(self.first_divergence, dt),
            "pattern": self.pattern,
            "onset": self.onset,
            "onset_time": _json_float(_times(self.onset, dt)),
            "step_errors": [_json_float(x) for x in self.step_errors.tolist()],
            "spikes": None if self.spikes is None else self.spikes.to_dict(dt),
        }


@dataclass(eq=False, repr=False)
class Report:
    """What :func:`compare` found.

    Attributes
    ----------
    variables : dict of str to VariableComparison
        Every variable present on both sides, in the reference's order.
    missing : list of str
        Variables of the reference absent from the candidate.
    extra : list of str
        Variables of the candidate absent from the reference.
    ignored : dict of str to list of str
        Per side (``"reference"``, ``"candidate"``), the entries of an
        ``.npz`` file that are not variables (0-d or non-numeric: metadata).
    rtol, atol : float
        The tolerance.
    dt : float or None
        The step length, when given.
    tau, q : float
        The van Rossum time constant (steps) and Victor–Purpura shift cost.
    window : int
        The largest spike shift (steps) that pairs two spikes.
    """

    variables: dict
    missing: list
    extra: list
    ignored: dict
    rtol: float
    atol: float
    dt: float | None
    tau: float
    q: float
    window: int

    @property
    def ok(self) -> bool:
        """Whether both sides have the same variables, every element within the tolerance."""
        return not self.missing and not self.extra and all(
            v.ok for v in self.variables.values())

    @property
    def first_divergence(self) -> tuple | None:
        """``(name, step, index)`` of the earliest divergent step over all variables.

        Ties go to the variable that comes first; ``None`` when every
        element is within the tolerance.
        """
        found = [(v.first_divergence[0], i, name, v.first_divergence[1])
                 for i, (name, v) in enumerate(self.variables.items())
                 if v.first_divergence is not None]
        if not found:
            return None
        step, _, name, index = min(found)
        return name, step, index

    def __getitem__(self, name: str) -> VariableComparison:
        return self.variables[name]

    def __repr__(self) -> str:
        return (f"<Report ok={self.ok} variables={list(self.variables)} "
                f"missing={self.missing} extra={self.extra}>")

    def __str__(self) -> str:
        settings = f"rtol={self.rtol:g}, atol={self.atol:g}"
        if self.dt is not None:
            settings += f", dt={self.dt:g}"
        verdict = "within tolerance" if self.ok else "NOT within tolerance"
        lines = [f"refsnn compare: {verdict} ({settings})"]
        rows = [("variable", "shape", "max abs", "max rel", "max ulp", "first divergence",
                 "pattern")]
        for name, v in self.variables.items():
            pattern = v.pattern if v.onset is None else f"{v.pattern} (onset {v.onset})"
            rows.append((name, _shape_text(v.shape), _number(v.max_abs), _number(v.max_rel),
                         _number(v.max_ulp), _position_text(v.first_divergence, self.dt),
                         pattern))
        if len(rows) > 1:
            lines += _table(rows)
        spiking = {name: v.spikes for name, v in self.variables.items() if v.spikes is not None}
        if spiking:
            lines.append(f"spike trains (van Rossum tau={self.tau:g} steps, Victor-Purpura "
                         f"q={self.q:g} per step, pairs within {self.window} steps):")
            rows = [("variable", "spikes ref/cand", "first mismatch",
                     "shift mean/max (steps)", "unpaired ref/cand", "van Rossum",
                     "Victor-Purpura")]
            for name, s in spiking.items():
                shift = ("-" if s.mean_shift is None
                         else f"{s.mean_shift:+.3g}/{s.max_abs_shift}")
                rows.append((name, f"{s.reference_count}/{s.candidate_count}",
                             _position_text(s.first_mismatch, self.dt), shift,
                             f"{s.unmatched_reference}/{s.unmatched_candidate}",
                             _number(s.van_rossum), _number(s.victor_purpura)))
            lines += _table(rows)
        if self.missing:
            lines.append(f"missing in candidate: {', '.join(self.missing)}")
        if self.extra:
            lines.append(f"extra in candidate: {', '.join(self.extra)}")
        for side, names in self.ignored.items():
            if names:
                lines.append(f"ignored in {side} (not arrays with a time axis): "
                             f"{', '.join(names)}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The report as plain ints, floats, strings, lists, dicts and ``None``.

        ``json.dumps(report.to_dict(), allow_nan=False)`` succeeds: non-finite
        floats (an infinite relative error, a NaN against a number) become
        the strings ``"inf"``, ``"-inf"`` and ``"nan"``. Steps come with
        times (``step * dt``, ``None`` without ``dt``).

        Returns
        -------
        dict
            ``ok``, ``rtol``, ``atol``, ``dt``, ``tau``, ``q``, ``window``,
            ``missing``, ``extra``, ``ignored``, ``first_divergence`` and
            ``variables`` (name to :meth:`VariableComparison.to_dict`).
        """
        first = self.first_divergence
        return {
            "ok": self.ok,
            "rtol": self.rtol,
            "atol": self.atol,
            "dt": self.dt,
            "tau": self.tau,
            "q": self.q,
            "window": self.window,
            "missing": list(self.missing),
            "extra": list(self.extra),
            "ignored": {side: list(names) for side, names in self.ignored.items()},
            "first_divergence": None if first is None else {
                "variable": first[0], **_position_dict(first[1:], self.dt)},
            "variables": {name: v.to_dict(self.dt) for name, v in self.variables.items()},
        }

    def plot(self, ax: Any = None, variables: Iterable[str] | None = None) -> Any:
        """Plot the per-step error of each variable on a log scale.

        One line per variable: :math:`e_t`, the largest absolute error at
        step :math:`t` (steps with :math:`e_t = 0` are gaps, infinite ones
        are left out); a dashed vertical line and a marker at the first
        divergent step. The x axis is in steps, or in time units with
        ``dt``. matplotlib is imported here, only here.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; default: a new figure.
        variables : iterable of str, optional
            Which variables; default: all.

        Returns
        -------
        matplotlib Axes

        Raises
        ------
        ImportError
            matplotlib is not installed (``pip install matplotlib``).
        KeyError
            A name in ``variables`` that was not compared.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as err:
            raise ImportError("Report.plot needs matplotlib, which is not installed: "
                              "pip install matplotlib") from err
        names = list(self.variables) if variables is None else list(variables)
        for name in names:
            if name not in self.variables:
                raise KeyError(f"variables: {name!r} was not compared; compared: "
                               f"{', '.join(self.variables)}")
        if ax is None:
            _, ax = plt.subplots()
        scale = 1.0 if self.dt is None else self.dt
        for name in names:
            v = self.variables[name]
            errors = v.step_errors
            x = np.arange(len(errors)) * scale
            y = np.where((errors > 0) & np.isfinite(errors), errors, np.nan)
            label = f"{name} ({v.pattern})"
            (line,) = ax.plot(x, y, label=label, marker=".", markersize=3)
            if v.first_divergence is not None:
                step = v.first_divergence[0]
                ax.axvline(step * scale, color=line.get_color(), linestyle="--", linewidth=0.8)
                if np.isfinite(y[step]):
                    ax.plot([step * scale], [y[step]], marker="o", color=line.get_color())
        ax.set_yscale("log")
        ax.set_xlabel("step" if self.dt is None else "time")
        ax.set_ylabel("max |reference - candidate| per step")
        verdict = "within tolerance" if self.ok else "not within tolerance"
        ax.set_title(f"refsnn compare: {verdict} (dashed: first divergence)")
        ax.legend()
        return ax


# --------------------------------------------------------------------------- compare
def compare(reference: Any, candidate: Any, *, dt: float | None = None, rtol: float = 0.0,
            atol: float = 0.0, spikes: str | Iterable[str] | None = None,
            tau: float = DEFAULT_TAU, q: float = DEFAULT_Q,
            window: int = DEFAULT_WINDOW) -> Report:
    r"""Compare a candidate simulation with a reference, variable by variable.

    Parameters
    ----------
    reference, candidate : array, dict, NamedTuple, sequence of NamedTuples, str or Path
        The runs, time on axis 0 of every variable. Either

        * an array (NumPy, anything :func:`numpy.asarray` takes, a torch
          tensor — through ``.detach().cpu().numpy()`` — or a CuPy array —
          through ``.get()``): one variable, named ``"array"``;
        * a dict of named traces, ``{"v": (T, ...), "z": ...}``;
        * a state NamedTuple (refsnn's or Norse's) whose fields are stacked
          over time, such as the ``history`` of
          ``refsnn.simulate(..., record_states=True)``;
        * a list or tuple of state NamedTuples, one per step (stacked here);
        * the path of an ``.npz`` file, whose keys are the variable names
          (0-d and non-numeric entries, such as the settings that
          ``refsnn run --save`` stores, are metadata: listed in
          :attr:`Report.ignored`, not compared), or of an ``.npy`` file (one
          variable, ``"array"``).

        Nested NamedTuples and dicts flatten to dotted names (``"lif.v"``);
        ``None`` fields are skipped. Values must be numbers or booleans.
    dt : float, optional
        Step length; times (``step * dt``) are reported next to steps.
    rtol, atol : float
        The tolerance, :math:`|a - b| \le \text{atol} + \text{rtol}\,|a|`
        (``a`` the reference). Default 0 and 0: bit identity (but
        :math:`-0 = +0`, and NaN equals NaN).
    spikes : str or iterable of str, optional
        The spike variables. Default: detected — a variable whose name (the
        part after the last dot) is ``"z"``, ``"spikes"`` or ``"s"``, or
        whose values are all 0 or 1 on both sides (booleans included).
        ``()`` turns the spike analysis off.
    tau : float
        Time constant of the van Rossum kernel, in steps (> 0).
    q : float
        Victor–Purpura cost of shifting a spike by one step (>= 0).
    window : int
        The largest shift, in steps, that pairs a reference spike with a
        candidate spike (>= 0).

    Returns
    -------
    Report
        ``report.ok``, ``str(report)`` (a table), ``report.to_dict()``,
        ``report.plot()``, ``report["v"]`` (a :class:`VariableComparison`).

    Raises
    ------
    TypeError
        A value that is not an array of numbers or booleans, a name that is
        not a string, an option of the wrong type; the message names the
        argument and the variable.
    ValueError
        A variable with different shapes on the two sides (the message gives
        both), a variable without a time axis (0-d), a side without
        variables, a file that is not a readable ``.npz``/``.npy``, an
        option out of range, a ``spikes`` name found on neither side.
    FileNotFoundError
        A path that does not exist.

    Notes
    -----
    **Errors.** For reference :math:`a` and candidate :math:`b`, compared in
    float64 (or a wider type of either side):

    * absolute error :math:`|a - b|`; relative error :math:`|a - b| / |a|`
      (:math:`\infty` where :math:`a = 0 \ne b`);
    * equal values (:math:`-0 = +0`, the same infinity) and a NaN against a
      NaN have error 0; a NaN against a number, or an infinity against
      another value, has infinite absolute, relative and ulp error and is
      always outside the tolerance;
    * an element is within the tolerance when its error is 0 or finite and
      :math:`|a - b| \le \text{atol} + \text{rtol}\,|a|`;
    * the ulp error is the number of representable values between
      :math:`a` and :math:`b` rounded to :math:`a`'s dtype: each float is
      mapped to an integer that orders the floats, with both zeros mapped to
      0 (its bits :math:`i` if :math:`i \ge 0`, else
      :math:`i_{\min} - i`), and the distance is the difference of the two
      integers. It is reported for float16, float32 and float64 references.

    **How the error grows.** Let :math:`e_t` be the largest absolute error
    at step :math:`t`, :math:`m_t` the largest finite :math:`|a|` at that
    step (at least the smallest normal number) and :math:`\varepsilon` the
    machine epsilon of the coarser floating dtype of the two sides, so that

    .. math::
        s_t = \frac{e_t}{\varepsilon\, m_t}

    is the error in ulp of the step's scale (an error at an element that
    cancels to nearly zero is measured against the step's largest value,
    not against itself). For integer and boolean variables,
    :math:`s_t = \infty` whenever :math:`e_t > 0`. Only steps with an
    element outside the tolerance count below. Independent rounding errors
    of a few ulp per step add up like a random walk, so the *rounding
    budget* of step :math:`t` is

    .. math::
        s_t \le R \sqrt{t + 1}, \qquad R = 4

    (:data:`ROUNDING_ULPS`). A step *blows up* when more than half of the
    significant digits are lost, or when the error jumps out of the budget:

    .. math::
        s_t > \varepsilon^{-1/2}
        \quad\text{or}\quad
        \bigl(e_t > J\, e_{t-1} \text{ and } s_t > R\sqrt{t + 1}\bigr),
        \qquad J = 100

    (:data:`JUMP_FACTOR`; :math:`e_{-1} = 0`; for integer and boolean
    variables every error blows up). The pattern is the first that applies:

    1. ``"exact"``: :math:`e_t = 0` at every step;
    2. ``"immediate"``: step 0 or step 1 is outside the tolerance and over
       the budget — the error is large from the start: a logic difference
       (a wrong update order, a wrong parameter); *onset* is that step;
    3. ``"divergence"``: a later step blows up — small errors, then a
       blow-up: a spike that flips once rounding errors pushed a voltage
       across the threshold makes the error jump by orders of magnitude in
       one step, and chaotic dynamics amplify an ulp exponentially until
       half the digits are gone; *onset* is the first step that blows up.
       A divergence from exactly zero error (see
       :attr:`VariableComparison.step_errors` before the onset) points at a
       logic difference that only an event (the first spike, a reset)
       reveals;
    4. ``"rounding"``: otherwise — the errors stay within a few ulp, or grow
       without blowing up (rounding errors amplified in an unstable phase,
       such as the upstroke of an Izhikevich spike, and wiped out by the
       reset); no onset.

    **Spike trains.** A spike is an element that is neither 0 nor NaN, at
    step :math:`t` of one neuron (one index after the time axis).

    * *Shifts.* The spikes of each neuron are paired in order — pairs never
      cross, so a train delayed by one step gives shifts of exactly 1 even
      in a burst — each pair at most ``window`` (:math:`w`) steps apart, by
      the pairing that minimises

      .. math::
          \sum_{\text{pairs}} |t_{\text{cand}} - t_{\text{ref}}|
          + (w + 1)\,(\text{unpaired spikes})

      (a dynamic programme like the Victor–Purpura one below; as a pair
      never costs more than :math:`w`, leaving two spikes unpaired instead
      never pays, and an isolated spike is paired with its nearest partner;
      ties go to the later candidate spike). The shift of a pair is
      :math:`t_{\text{cand}} - t_{\text{ref}}`; unpaired spikes are counted
      on each side.
    * *van Rossum distance* (kernel :math:`e^{-t/\tau}`, :math:`\tau` in
      steps). Per neuron, the difference of the trains goes through the
      recursive filter

      .. math::
          f_t = d\, f_{t-1} + z^{\text{ref}}_t - z^{\text{cand}}_t, \qquad
          f_{-1} = 0, \qquad d = e^{-1/\tau},

      and

      .. math::
          D = \sqrt{\frac{1 - d^2}{2} \sum_{t=0}^{T-1} f_t^2}.

      The factor makes one extra spike, whose filtered trace
      :math:`d^t` sums to :math:`\sum_t d^{2t} = 1/(1 - d^2)`, cost exactly
      :math:`1/\sqrt 2` (the continuous distance
      :math:`\sqrt{\tau^{-1} \int (f - g)^2\, dt}` gives the same) when the
      run lasts long enough for the trace to decay; a shift by one step
      costs :math:`\sqrt{1 - d}`. The filter is evaluated only at the steps
      where the trains differ, the decay over the gaps in closed form
      (:math:`\sum_{j<g} d^{2j} = (1 - d^{2g})/(1 - d^2)`). The population
      distance is :math:`\sqrt{\sum_n D_n^2}`.
    * *Victor–Purpura distance*: the cheapest way to turn one train into
      the other by deleting or inserting a spike (cost 1 each) and shifting
      a spike by :math:`\Delta t` steps (cost :math:`q |\Delta t|`; a shift
      over more than :math:`2/q` steps costs more than a deletion and an
      insertion). The default :math:`q = 0.1 = 1/\tau` per step matches the
      van Rossum time scale. Per neuron, with reference times
      :math:`t_1 < \dots < t_n` and candidate times :math:`u_1 < \dots < u_m`,
      the standard :math:`O(nm)` dynamic programme

      .. math::
          G_{i,j} = \min(G_{i-1,j} + 1,\; G_{i,j-1} + 1,\;
          G_{i-1,j-1} + q\,|t_i - u_j|), \quad G_{i,0} = i,\; G_{0,j} = j

      gives :math:`D^{\text{VP}} = G_{n,m}` (each row is computed at once:
      :math:`G_{i,j} = j + \min_{k \le j} (c_k - k)` where
      :math:`c_k` is the smaller of the other two terms). The population
      distance is :math:`\sum_n D^{\text{VP}}_n`.

    The spike analysis does not change ``ok``: a spike variable is within
    tolerance like any other, element by element (so its trains must be
    identical unless ``atol`` or ``rtol`` lets a 0 pass for a 1).

    Examples
    --------
    >>> import numpy as np
    >>> from refsnn.compare import compare
    >>> v = np.linspace(1, 2, 5)
    >>> report = compare({"v": v}, {"v": np.nextafter(v, 3)})
    >>> report.ok, report["v"].max_ulp, report["v"].pattern
    (False, 1, 'rounding')
    >>> compare({"v": v}, {"v": np.nextafter(v, 3)}, rtol=1e-15).ok
    True
    """
    rtol = _real(rtol, "rtol")
    atol = _real(atol, "atol")
    dt = None if dt is None else _real(dt, "dt", positive=True)
    tau = _real(tau, "tau", positive=True)
    q = _real(q, "q")
    window = _count(window, "window")
    spike_names = _spike_names(spikes)
    ref, ref_ignored = _variables(reference, "reference")
    cand, cand_ignored = _variables(candidate, "candidate")
    if spike_names is not None:
        unknown = [name for name in spike_names if name not in ref and name not in cand]
        if unknown:
            raise ValueError(f"spikes: no variable named {', '.join(map(repr, unknown))} in "
                             f"reference or candidate; variables: "
                             f"{', '.join(dict.fromkeys([*ref, *cand]))}")
    common = [name for name in ref if name in cand]
    for name in common:
        if ref[name].shape != cand[name].shape:
            raise ValueError(f"variable {name!r} has shape {ref[name].shape} in reference but "
                             f"{cand[name].shape} in candidate")
    variables = {}
    for name in common:
        a, b = ref[name], cand[name]
        result = _compare_arrays(name, a, b, rtol, atol)
        if _is_spike_variable(name, a, b, spike_names):
            result.spikes = _compare_spikes(a, b, tau, q, window)
        variables[name] = result
    return Report(variables=variables,
                  missing=[name for name in ref if name not in cand],
                  extra=[name for name in cand if name not in ref],
                  ignored={"reference": ref_ignored, "candidate": cand_ignored},
                  rtol=rtol, atol=atol, dt=dt, tau=tau, q=q, window=window)


# --------------------------------------------------------------------------- options
def _real(value: Any, name: str, positive: bool = False) -> float:
    """``value`` as a finite float, >= 0 (> 0 with ``positive``); errors name ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def _count(value: Any, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return int(value)


def _spike_names(spikes: Any) -> tuple[str, ...] | None:
    if spikes is None:
        return None
    if isinstance(spikes, str):
        return (spikes,)
    try:
        names = tuple(spikes)
    except TypeError:
        raise TypeError(f"spikes must be a name or an iterable of names, got "
                        f"{type(spikes).__name__}") from None
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"spikes must contain variable names (str), got "
                            f"{type(name).__name__} {name!r}")
    return names


# --------------------------------------------------------------------------- inputs
def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _variables(value: Any, argument: str) -> tuple[dict[str, np.ndarray], list[str]]:
    """``({name: array}, [ignored npz keys])`` of one side; errors name ``argument``."""
    ignored: list[str] = []
    out: dict[str, np.ndarray] = {}
    if isinstance(value, (str, os.PathLike)):
        out, ignored = _load(value, argument)
    elif _is_namedtuple(value) or isinstance(value, Mapping):
        _flatten(value, "", argument, out)
    elif (isinstance(value, (list, tuple)) and value
          and all(_is_namedtuple(item) for item in value)):
        out = _stack(value, argument)
    else:
        out[ARRAY_NAME] = _array(value, argument, ARRAY_NAME)
    if not out:
        raise ValueError(f"{argument} has no variables to compare"
                         + (f" (ignored: {', '.join(ignored)})" if ignored else ""))
    return out, ignored


def _flatten(tree: Any, prefix: str, argument: str, out: dict) -> None:
    """Put every leaf of a nested NamedTuple or dict into ``out`` under its dotted name."""
    if _is_namedtuple(tree):
        items = zip(tree._fields, tree)
    else:
        items = tree.items()
    for key, value in items:
        if not isinstance(key, str):
            raise TypeError(f"{argument}: variable names must be strings, got "
                            f"{type(key).__name__} {key!r}")
        name = prefix + key
        if value is None:
            continue
        if _is_namedtuple(value) or isinstance(value, Mapping):
            _flatten(value, name + ".", argument, out)
            continue
        if name in out:
            raise ValueError(f"{argument}: two variables are named {name!r}")
        out[name] = _array(value, argument, name)


def _stack(states: Sequence, argument: str) -> dict[str, np.ndarray]:
    """The leaves of one NamedTuple per step, stacked on a new time axis 0."""
    steps = []
    for state in states:
        leaves: dict[str, np.ndarray] = {}
        _flatten(state, "", argument, leaves)
        steps.append(leaves)
    names = list(steps[0])
    for t, leaves in enumerate(steps):
        if list(leaves) != names:
            raise ValueError(f"{argument}: the state of step {t} has the fields "
                             f"{list(leaves)}, step 0 has {names}")
    out = {}
    for name in names:
        shapes = {leaves[name].shape for leaves in steps}
        if len(shapes) > 1:
            raise ValueError(f"{argument}: variable {name!r} changes shape over the steps: "
                             f"{sorted(shapes)}")
        out[name] = np.stack([leaves[name] for leaves in steps])
    return out


def _array(value: Any, argument: str, name: str) -> np.ndarray:
    """``value`` as a NumPy array of numbers or booleans with a time axis."""
    try:
        if hasattr(value, "detach") and hasattr(value, "cpu"):        # a torch tensor
            value = value.detach().cpu().numpy()
        elif hasattr(value, "__cuda_array_interface__") and hasattr(value, "get"):   # CuPy
            value = value.get()
        array = np.asarray(value)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{argument}: variable {name!r} is not an array of numbers "
                        f"({' '.join(str(err).split())})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{argument}: variable {name!r} has dtype {array.dtype}; expected "
                        f"numbers or booleans")
    if array.ndim == 0:
        raise ValueError(f"{argument}: variable {name!r} is a scalar; every variable needs "
                         f"time on axis 0")
    return _native(array)


def _native(array: np.ndarray) -> np.ndarray:
    """``array`` in the machine's byte order (an ``.npz`` may hold big-endian data)."""
    return array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))


def open_npz(path: str | os.PathLike, argument: str):
    """``np.load(path)`` without pickles, its failures as errors naming ``argument``.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a file.
    ValueError
        The file is not a readable ``.npz`` (or ``.npy``) file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{argument}: no such file: {str(path)!r}")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{argument}: {str(path)!r} is not a readable .npz file "
                         f"({' '.join(str(err).split())})") from None


def _load(path: str | os.PathLike, argument: str) -> tuple[dict[str, np.ndarray], list[str]]:
    """The variables of an ``.npz`` (or ``.npy``) file and its ignored (metadata) keys."""
    loaded = open_npz(path, argument)
    if isinstance(loaded, np.ndarray):
        return {ARRAY_NAME: _array(loaded, argument, ARRAY_NAME)}, []
    out, ignored = {}, []
    with loaded:
        for key in loaded.files:
            try:
                array = loaded[key]
            except (ValueError, OSError, EOFError, zipfile.BadZipFile):
                ignored.append(key)            # an object array (pickled): not a variable
                continue
            if array.ndim == 0 or array.dtype.kind not in "biuf":
                ignored.append(key)
            else:
                out[key] = _native(array)
    return out, ignored


# --------------------------------------------------------------------------- element errors
def _compare_arrays(name: str, a: np.ndarray, b: np.ndarray, rtol: float,
                    atol: float) -> VariableComparison:
    steps, per_step = a.shape[0], math.prod(a.shape[1:])
    work = np.promote_types(np.promote_types(a.dtype, b.dtype), np.float64)
    x = a.astype(work, copy=False).reshape(steps, per_step)
    y = b.astype(work, copy=False).reshape(steps, per_step)
    with np.errstate(all="ignore"):
        nan_x, nan_y = np.isnan(x), np.isnan(y)
        same = (x == y) | (nan_x & nan_y)
        abs_err = np.where(same, 0.0, np.abs(x - y))
        abs_err[np.isnan(abs_err)] = np.inf            # a NaN against a number
        magnitude = np.abs(x)
        rel_err = np.where(same, 0.0, abs_err / magnitude)
        rel_err[np.isnan(rel_err)] = np.inf            # inf / inf, error against a NaN
        within = same | (np.isfinite(abs_err) & (abs_err <= atol + rtol * magnitude))
        finite_magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
    if per_step:
        step_errors = abs_err.max(axis=1).astype(np.float64)
        scale = finite_magnitude.max(axis=1).astype(np.float64)
    else:
        step_errors = np.zeros(steps)
        scale = np.zeros(steps)
    step_ok = within.all(axis=1)
    outside = ~within
    divergent = int(np.count_nonzero(outside))
    first = None
    if divergent:
        step = int(np.argmax(~step_ok))
        flat = int(np.argmax(outside[step]))
        first = (step, tuple(int(i) for i in np.unravel_index(flat, a.shape[1:])))
    scaled, pattern, onset = _pattern(step_errors, scale, step_ok, a.dtype, b.dtype)
    return VariableComparison(
        name=name, shape=tuple(a.shape), reference_dtype=str(a.dtype),
        candidate_dtype=str(b.dtype),
        max_abs=float(abs_err.max()) if abs_err.size else 0.0,
        max_rel=float(rel_err.max()) if rel_err.size else 0.0,
        max_ulp=_max_ulp(a, b), divergent=divergent, first_divergence=first,
        step_errors=step_errors, step_scaled_errors=scaled, pattern=pattern, onset=onset)


def _max_ulp(a: np.ndarray, b: np.ndarray) -> int | float | None:
    """The largest ulp distance in ``a``'s dtype (Notes of :func:`compare`)."""
    if a.dtype not in _FLOATS:
        return None
    if a.size == 0:
        return 0
    signed, unsigned = _FLOATS[a.dtype]
    with np.errstate(all="ignore"):
        b = b.astype(a.dtype)                   # the candidate rounded to the reference's dtype
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        same = (a == b) | (nan_a & nan_b)
        infinite = ~same & (nan_a | nan_b | np.isinf(a) | np.isinf(b))
    if infinite.any():
        return math.inf
    distance = np.where(same, 0, _ulp_distance(a, b, signed, unsigned))
    return int(distance.max())


def _ulp_distance(a: np.ndarray, b: np.ndarray, signed: type, unsigned: type) -> np.ndarray:
    """Elementwise count of representable values from ``a`` to ``b`` (finite, same dtype)."""
    sign_bit = unsigned(1) << unsigned(8 * np.dtype(unsigned).itemsize - 1)

    def ordered(x: np.ndarray) -> np.ndarray:
        bits = x.view(signed).copy()
        negative = bits < 0
        bits[negative] = np.iinfo(signed).min - bits[negative]    # -0 -> 0, -tiny -> -1, ...
        return bits.view(unsigned) ^ sign_bit                     # offset binary: monotone

    ua, ub = ordered(np.ascontiguousarray(a)), ordered(np.ascontiguousarray(b))
    return np.where(ua >= ub, ua - ub, ub - ua).astype(np.uint64)


def _pattern(step_errors: np.ndarray, scale: np.ndarray, step_ok: np.ndarray,
             reference_dtype: np.dtype, candidate_dtype: np.dtype
             ) -> tuple[np.ndarray, str, int | None]:
    """``(s_t, pattern, onset)`` by the rule in the Notes of :func:`compare`."""
    floats = [np.finfo(d) for d in (reference_dtype, candidate_dtype) if d.kind == "f"]
    with np.errstate(all="ignore"):
        if floats:
            coarse = max(floats, key=lambda info: info.eps)
            eps, tiny = float(coarse.eps), float(coarse.smallest_normal)
            scaled = step_errors / (eps * np.maximum(scale, tiny))
            blow_up_level = 1 / math.sqrt(eps)
        else:
            scaled = np.where(step_errors > 0, np.inf, 0.0)
            blow_up_level = 0.0
    if not np.any(step_errors > 0):
        return scaled, "exact", None
    outside = ~step_ok
    over_budget = outside & (scaled > ROUNDING_ULPS * np.sqrt(np.arange(1, len(scaled) + 1)))
    if over_budget[:2].any():
        return scaled, "immediate", int(np.argmax(over_budget[:2]))
    previous = np.concatenate(([0.0], step_errors[:-1]))
    with np.errstate(all="ignore"):
        jump = step_errors > JUMP_FACTOR * previous
    blow_up = outside & ((scaled > blow_up_level) | (jump & over_budget))
    if blow_up.any():
        return scaled, "divergence", int(np.argmax(blow_up))
    return scaled, "rounding", None


# --------------------------------------------------------------------------- spike trains
def _is_binary(x: np.ndarray) -> bool:
    return x.dtype == np.bool_ or bool(np.all((x == 0) | (x == 1)))


def _is_spike_variable(name: str, a: np.ndarray, b: np.ndarray,
                       names: tuple[str, ...] | None) -> bool:
    if names is not None:
        return name in names
    return name.rsplit(".", 1)[-1] in SPIKE_NAMES or (_is_binary(a) and _is_binary(b))


def _spike_matrix(x: np.ndarray) -> np.ndarray:
    """``(T, neurons)`` booleans: neither 0 nor NaN."""
    flat = x.reshape(x.shape[0], math.prod(x.shape[1:]))
    if flat.dtype == np.bool_:
        return flat
    with np.errstate(invalid="ignore"):
        return (flat != 0) & ~np.isnan(flat) if flat.dtype.kind == "f" else flat != 0


def _compare_spikes(a: np.ndarray, b: np.ndarray, tau: float, q: float,
                    window: int) -> SpikeComparison:
    neuron_shape = tuple(a.shape[1:])
    za, zb = _spike_matrix(a), _spike_matrix(b)
    neurons = za.shape[1]
    mismatch = za != zb
    first = None
    if mismatch.any():
        rows = mismatch.any(axis=1)
        step = int(np.argmax(rows))
        first = (step, tuple(int(i) for i in np.unravel_index(int(np.argmax(mismatch[step])),
                                                               neuron_shape)))
    ref_counts = za.sum(axis=0, dtype=np.int64)
    cand_counts = zb.sum(axis=0, dtype=np.int64)
    differing = np.flatnonzero(mismatch.any(axis=0))
    van_rossum = np.zeros(neurons)
    victor_purpura = np.zeros(neurons)
    max_shift = np.zeros(neurons, np.int64)
    unmatched_ref = np.zeros(neurons, np.int64)
    unmatched_cand = np.zeros(neurons, np.int64)
    mean_shift = np.where(ref_counts > 0, 0.0, np.nan)   # identical trains: every shift 0
    matched = int(ref_counts.sum() - ref_counts[differing].sum())
    shift_sum = abs_sum = 0
    largest = 0 if matched else None
    for n in differing:
        t_ref = np.flatnonzero(za[:, n])
        t_cand = np.flatnonzero(zb[:, n])
        shifts, lost_ref, lost_cand = _match(t_ref, t_cand, window)
        unmatched_ref[n], unmatched_cand[n] = lost_ref, lost_cand
        if shifts:
            matched += len(shifts)
            shift_sum += sum(shifts)
            absolute = [abs(s) for s in shifts]
            abs_sum += sum(absolute)
            max_shift[n] = max(absolute)
            largest = max(largest or 0, max_shift[n])
            mean_shift[n] = sum(shifts) / len(shifts)
        else:
            mean_shift[n] = np.nan
        van_rossum[n] = _van_rossum(t_ref, t_cand, za.shape[0], tau)
        victor_purpura[n] = _victor_purpura(t_ref, t_cand, q)
    return SpikeComparison(
        neuron_shape=neuron_shape,
        reference_count=int(ref_counts.sum()), candidate_count=int(cand_counts.sum()),
        identical=first is None, first_mismatch=first, differing_neurons=len(differing),
        matched=matched, unmatched_reference=int(unmatched_ref.sum()),
        unmatched_candidate=int(unmatched_cand.sum()),
        mean_shift=shift_sum / matched if matched else None,
        mean_abs_shift=abs_sum / matched if matched else None,
        max_abs_shift=None if largest is None else int(largest),
        van_rossum=float(math.sqrt(float(np.sum(van_rossum ** 2)))),
        victor_purpura=float(np.sum(victor_purpura)),
        van_rossum_per_neuron=van_rossum.reshape(neuron_shape),
        victor_purpura_per_neuron=victor_purpura.reshape(neuron_shape),
        mean_shift_per_neuron=mean_shift.reshape(neuron_shape),
        max_abs_shift_per_neuron=max_shift.reshape(neuron_shape),
        unmatched_reference_per_neuron=unmatched_ref.reshape(neuron_shape),
        unmatched_candidate_per_neuron=unmatched_cand.reshape(neuron_shape),
        tau=tau, q=q, window=window)


def _match(t_ref: np.ndarray, t_cand: np.ndarray, window: int) -> tuple[list[int], int, int]:
    r"""Pair the spikes of one neuron in order, at most ``window`` steps apart.

    The pairing minimises :math:`\sum |t_{\text{cand}} - t_{\text{ref}}|
    + (w + 1)\,(\text{unpaired spikes})` over pairings whose pairs do not
    cross (the rule in the Notes of :func:`compare`). Returns the shifts
    ``t_cand - t_ref`` of the pairs in time order and the unpaired counts of
    each side.
    """
    n, m = len(t_ref), len(t_cand)
    unpaired = float(window + 1)
    u = t_cand.astype(np.float64)
    j = np.arange(m + 1, dtype=np.float64)
    table = np.empty((n + 1, m + 1))
    table[0] = unpaired * j                                   # every candidate spike unpaired
    for i in range(1, n + 1):
        shift = np.abs(u - float(t_ref[i - 1]))
        pair = np.where(shift <= window, table[i - 1, :-1] + shift, np.inf)
        c = np.empty(m + 1)
        c[0] = unpaired * i
        c[1:] = np.minimum(table[i - 1, 1:] + unpaired, pair)
        # G[i, j] = min(c_j, G[i, j-1] + unpaired) = j w' + min_{k <= j} (c_k - k w')
        table[i] = np.minimum.accumulate(c - unpaired * j) + unpaired * j
    shifts = []
    i, k = n, m
    while i > 0 and k > 0:            # costs are whole numbers: the comparisons are exact
        shift = int(t_cand[k - 1]) - int(t_ref[i - 1])
        if abs(shift) <= window and table[i, k] == table[i - 1, k - 1] + abs(shift):
            shifts.append(shift)
            i, k = i - 1, k - 1
        elif table[i, k] == table[i - 1, k] + unpaired:
            i -= 1
        else:
            k -= 1
    shifts.reverse()
    return shifts, n - len(shifts), m - len(shifts)


def _van_rossum(t_ref: np.ndarray, t_cand: np.ndarray, steps: int, tau: float) -> float:
    """One neuron's van Rossum distance (Notes of :func:`compare`), event by event."""
    events: dict[int, int] = {}
    for t in t_ref.tolist():
        events[t] = events.get(t, 0) + 1
    for t in t_cand.tolist():
        events[t] = events.get(t, 0) - 1
    times = sorted(t for t, x in events.items() if x != 0)
    total, f = 0.0, 0.0
    for k, t in enumerate(times):
        if k:
            f *= math.exp(-(t - times[k - 1]) / tau)                # d^(t - previous event)
        f += events[t]
        gap = (times[k + 1] if k + 1 < len(times) else steps) - t
        total += f * f * -math.expm1(-2 * gap / tau)              # f^2 (1 - d^(2 gap))
    return math.sqrt(total / 2)


def _victor_purpura(t_ref: np.ndarray, t_cand: np.ndarray, q: float) -> float:
    """One neuron's Victor–Purpura distance by the O(n m) dynamic programme."""
    n, m = len(t_ref), len(t_cand)
    if n == 0 or m == 0 or q == 0:
        return float(abs(n - m)) if q == 0 else float(n + m)
    u = t_cand.astype(np.float64)
    j = np.arange(m + 1, dtype=np.float64)
    row = j.copy()                                    # G[0, j] = j
    for i in range(1, n + 1):
        c = np.empty(m + 1)
        c[0] = i                                      # G[i, 0] = i
        c[1:] = np.minimum(row[1:] + 1, row[:-1] + q * np.abs(float(t_ref[i - 1]) - u))
        row = np.minimum.accumulate(c - j) + j        # G[i, j] = min(c_j, G[i, j-1] + 1)
    return float(row[m])


# --------------------------------------------------------------------------- formatting
def _json_float(value: Any) -> Any:
    """A float for JSON: finite as is, non-finite as a string; ``None`` stays."""
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _times(step: float | None, dt: float | None) -> float | None:
    return None if step is None or dt is None else step * dt


def _array_max(values: np.ndarray) -> float:
    return float(values.max()) if values.size else 0.0


def _position_dict(position: tuple | None, dt: float | None) -> dict | None:
    if position is None:
        return None
    step, index = position
    return {"step": int(step), "index": [int(i) for i in index],
            "time": _json_float(_times(step, dt))}


def _position_text(position: tuple | None, dt: float | None) -> str:
    if position is None:
        return "-"
    step, index = position
    text = f"step {step}"
    if dt is not None:
        text += f" (t={step * dt:g})"
    if index:
        text += f" at [{', '.join(map(str, index))}]"
    return text


def _shape_text(shape: tuple) -> str:
    return str(tuple(int(n) for n in shape))


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, np.integer)) and abs(int(value)) < 10**6:
        return str(int(value))
    value = float(value)
    if value == 0:
        return "0"
    return "inf" if math.isinf(value) else f"{value:.3g}"


def _table(rows: list[tuple]) -> list[str]:
    widths = [max(len(str(row[k])) for row in rows) for k in range(len(rows[0]))]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in rows]


# --------------------------------------------------------------------------- command line
COMPARE_HELP = "compare two runs saved as .npz files, step by step"

COMPARE_DESCRIPTION = """\
Compare a candidate run with a reference run, both .npz files whose keys are
the variable names and whose arrays have time on axis 0 (0-d and non-numeric
entries, such as the settings of 'refsnn run --save', are ignored).

Prints, per variable, the largest absolute, relative and ulp errors, the
first step and index outside the tolerance |ref - cand| <= atol + rtol |ref|
and how the error grows (exact, rounding, immediate, divergence); for spike
variables also spike counts, spike-time shifts and the van Rossum and
Victor-Purpura distances. The default tolerance, 0 and 0, asks for bit
identity.

exit status: 0 within tolerance, 1 not, 2 bad input (a missing or unreadable
file, different shapes, a variable in one file only unless --allow-missing).
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str):
        self.exit(2, f"refsnn: error: {message}\n")


def _nonnegative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _step(text: str) -> float:
    value = _nonnegative(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def add_compare_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the arguments of ``refsnn compare`` to ``parser`` (a subcommand's parser).

    ``REF.npz CAND.npz [--rtol R] [--atol A] [--dt DT] [--spikes NAMES] [--json]``;
    :func:`run_compare` executes the parsed arguments.

    Parameters
    ----------
    parser : argparse.ArgumentParser

    Returns
    -------
    argparse.ArgumentParser
        ``parser``.
    """
    parser.add_argument("reference", metavar="REF.npz", help="the reference run")
    parser.add_argument("candidate", metavar="CAND.npz", help="the candidate run")
    parser.add_argument("--rtol", type=_nonnegative, default=0.0, metavar="R",
                        help="relative tolerance (default: 0)")
    parser.add_argument("--atol", type=_nonnegative, default=0.0, metavar="A",
                        help="absolute tolerance (default: 0)")
    parser.add_argument("--dt", type=_step, default=None, metavar="DT",
                        help="step length: also report times (step x DT)")
    parser.add_argument("--spikes", type=_names, default=None, metavar="NAMES",
                        help="comma-separated spike variables (default: detected: z, "
                             "spikes, s, or all values 0 or 1)")
    parser.add_argument("--json", action="store_true",
                        help="print the report as JSON instead of a table")
    parser.add_argument("--allow-missing", action="store_true",
                        help="compare the variables both files have (default: a variable in "
                             "one file only is bad input, exit status 2)")
    return parser


def run_compare(args: argparse.Namespace) -> int:
    """Execute ``refsnn compare`` with arguments parsed by :func:`add_compare_arguments`.

    Prints the report (a table, or JSON with ``--json``) on stdout; a bad
    input is one line ``refsnn: error: ...`` on stderr.

    Returns
    -------
    int
        0 within tolerance, 1 not, 2 on bad input: a missing or unreadable
        file, a shape mismatch, a value that is not an array of numbers, a
        variable in one file only (unless ``args.allow_missing``: then the
        shared variables decide; the report lists the others).
    """
    try:
        report = compare(args.reference, args.candidate, dt=args.dt, rtol=args.rtol,
                         atol=args.atol, spikes=getattr(args, "spikes", None))
    except (OSError, ValueError, TypeError) as err:
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"refsnn: error: {message}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(report.to_dict(), indent=2, allow_nan=False))
    else:
        print(report)
    one_sided = [*(f"{n} (reference only)" for n in report.missing),
                 *(f"{n} (candidate only)" for n in report.extra)]
    if one_sided and not getattr(args, "allow_missing", False):
        print(f"refsnn: error: variables in one file only: {', '.join(one_sided)}; "
              "--allow-missing compares the shared ones", file=sys.stderr)
        return 2
    return 0 if all(v.ok for v in report.variables.values()) else 1


def main_compare(argv: list[str] | None = None) -> int:
    """Run ``refsnn compare REF.npz CAND.npz [--rtol R] [--atol A] [--dt DT] [--json]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``compare``; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 within tolerance, 1 not, 2 on bad input or bad
        options (one line ``refsnn: error: ...`` on stderr); 0 after
        ``--help``.
    """
    parser = _Parser(prog="refsnn compare", description=COMPARE_DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_compare_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    return run_compare(args)
