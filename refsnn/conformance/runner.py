r"""The conformance runner: an adapter's traces against the reference, case by case.

An *adapter* is any callable ``adapter(case) -> {name: array}`` that runs one
:class:`~refsnn.conformance.Case` in the simulator under test and returns
its traces: arrays of shape ``(T, *neurons)`` named as in
:mod:`refsnn.conformance.case` (``"z"``, ``"v"``, ``"i"``, ``"lif.v"``,
``"rho"``, ...). It raises :class:`~refsnn.conformance.NotApplicable` for a
case its simulator has no model for. An optional ``name`` attribute titles
the table.

Judging a case
--------------
Each case's traces go through :func:`refsnn.compare.compare` with the
reference (``z`` analysed as a spike train). The case **passes** when
every variable of the reference is present and within the tolerance
:math:`|a - b| \le \text{atol} + \text{rtol}\,|a|` at every step and no
variable is extra. Otherwise it **fails**, and the table is followed by the
comparison report of each failure (first divergent step and neuron, error
pattern, spike shifts).

A *missing* variable (one the adapter did not return) fails the case: a
pass certifies every state variable. With ``allow_missing=True`` missing
state variables are listed in the table's note instead (the spikes, or a
leaky integrator's ``v``, are still required). Malformed traces (not a
dict, a wrong shape, non-numeric values) are an error, raised at once with
the case id; NaN in a candidate where the reference is finite is a failure
like any other difference (its report shows an infinite error, and the note
says where the first NaN is).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from refsnn.compare import Report, compare
from refsnn.conformance.case import Case, NotApplicable, check_traces
from refsnn.conformance.suite import VERSION, cases as suite_cases, get_case

__all__ = ["run", "judge", "ConformanceResult", "CaseResult", "DEFAULT_TOLERANCE",
           "PASS", "FAIL", "NOT_APPLICABLE"]

#: ``{dtype: (rtol, atol)}`` used where :func:`run` is given no tolerance: room for
#: a few ulp of rounding (a different ``exp``, summation order), not for a logic error.
DEFAULT_TOLERANCE = {"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)}
PASS, FAIL, NOT_APPLICABLE = "pass", "FAIL", "n/a"


@dataclass(eq=False)
class CaseResult:
    """The outcome of one case.

    Attributes
    ----------
    case : Case
    status : str
        ``"pass"``, ``"FAIL"`` or ``"n/a"``.
    report : refsnn.compare.Report or None
        The comparison (``None`` for ``n/a``).
    note : str
        Why the case is not applicable, or what went wrong first, or the
        variables not compared (``allow_missing``).
    """

    case: Case
    status: str
    report: Report | None
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAIL

    @property
    def first_divergence(self) -> str:
        """``"v at step 3 [1]"``: the earliest divergent variable, step and neuron, or ``"-"``."""
        first = None if self.report is None else self.report.first_divergence
        if first is None:
            return "-"
        name, step, index = first
        where = f" [{', '.join(map(str, index))}]" if index else ""
        v = self.report[name]
        pattern = v.pattern if v.onset is None else f"{v.pattern}, onset {v.onset}"
        return f"{name} at step {step}{where} ({pattern})"


@dataclass(eq=False)
class ConformanceResult:
    """What :func:`run` found: one :class:`CaseResult` per case.

    ``str(result)`` is the pass/fail table followed by the comparison report
    of every failure.

    Attributes
    ----------
    adapter : str
        The adapter's name.
    results : list of CaseResult
    tolerance : str
        The tolerance used, in words.
    version : str
        The suite's :data:`~refsnn.conformance.VERSION`.
    """

    adapter: str
    results: list
    tolerance: str
    version: str = VERSION

    @property
    def ok(self) -> bool:
        """Whether no case failed (``n/a`` cases do not count)."""
        return not self.failures

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == FAIL]

    @property
    def passed(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == PASS]

    @property
    def not_applicable(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == NOT_APPLICABLE]

    def __getitem__(self, case_id: str) -> CaseResult:
        for r in self.results:
            if r.case.id == case_id:
                return r
        raise KeyError(f"no case {case_id!r} in this result")

    def summary(self) -> str:
        """One line: the counts."""
        return (f"refsnn conformance suite v{self.version}, adapter {self.adapter}: "
                f"{len(self.passed)} passed, {len(self.failures)} failed, "
                f"{len(self.not_applicable)} not applicable ({self.tolerance})")

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(case id, status, first divergence, note)`` for every case."""
        return [(r.case.id, r.status, r.first_divergence, r.note) for r in self.results]

    def table(self) -> str:
        """The pass/fail table as plain text."""
        rows = [("case", "status", "first divergence", "note")] + self.rows()
        widths = [max(len(row[k]) for row in rows) for k in range(3)]
        return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)),
                                    row[3]]).rstrip() for row in rows)

    def __str__(self) -> str:
        parts = [self.summary(), self.table()]
        for r in self.failures:
            parts.append(f"--- {r.case.id}: {r.case.description}\n{r.report}")
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        return (f"<ConformanceResult {self.adapter}: {len(self.passed)} passed, "
                f"{len(self.failures)} failed, {len(self.not_applicable)} n/a>")


def _adapter_name(adapter: Callable) -> str:
    return str(getattr(adapter, "name", None) or getattr(adapter, "__name__", None)
               or type(adapter).__name__)


def _first_nan(reference: Mapping, traces: Mapping) -> str:
    """``"; NaN in the candidate's v from step 4"``, or ``""``."""
    for name, b in traces.items():
        a = reference.get(name)
        if a is None or b.dtype.kind != "f":
            continue
        bad = np.isnan(b) & ~np.isnan(a)
        if bad.any():
            step = int(np.argmax(bad.reshape(len(b), -1).any(axis=1)))
            return f"; NaN in the candidate's {name} from step {step}"
    return ""


def judge(case: Case, traces: Any, *, rtol: float | None = None, atol: float | None = None,
          allow_missing: bool = False, source: str = "candidate") -> CaseResult:
    """Compare one case's traces with its reference (the rules of the module docstring).

    Parameters
    ----------
    case : Case
    traces : mapping of str to array
        The candidate's traces, ``(T, *neurons)`` each.
    rtol, atol : float, optional
        The tolerance; default :data:`DEFAULT_TOLERANCE` of the case's dtype.
    allow_missing : bool
        Missing state variables do not fail the case (the output still must be there).
    source : str
        Who produced the traces, for error messages.

    Returns
    -------
    CaseResult

    Raises
    ------
    TypeError, ValueError
        Malformed traces (see :func:`refsnn.conformance.check_traces`).
    """
    traces = check_traces(case, traces, source)
    default_rtol, default_atol = DEFAULT_TOLERANCE[case.dtype.name]
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    reference = case.reference()
    spikes = ("z",) if "z" in reference else ()
    report = compare(reference, traces, dt=case.dt, rtol=rtol, atol=atol, spikes=spikes)
    output = "z" if spikes else "v"
    tolerated = allow_missing and output not in report.missing
    within = all(v.ok for v in report.variables.values()) and not report.extra
    ok = report.ok or (tolerated and within)
    if ok:
        note = f"not compared: {', '.join(report.missing)}" if report.missing else ""
        return CaseResult(case, PASS, report, note)
    notes = []
    if report.missing:
        notes.append(f"missing {', '.join(report.missing)}")
    if report.extra:
        notes.append(f"extra {', '.join(report.extra)}")
    bad = [name for name, v in report.variables.items() if not v.ok]
    if bad:
        notes.append(f"outside tolerance: {', '.join(bad)}")
    return CaseResult(case, FAIL, report, "; ".join(notes) + _first_nan(reference, traces))


def run(adapter: Callable[[Case], Mapping[str, Any]], cases: Iterable[Case | str] | None = None,
        *, rtol: float | None = None, atol: float | None = None, allow_missing: bool = False,
        long: bool = False) -> ConformanceResult:
    """Run the conformance suite (or some cases) through an adapter.

    Parameters
    ----------
    adapter : callable
        ``adapter(case) -> {name: array of shape (T, *neurons)}`` (module
        docstring); raises :class:`~refsnn.conformance.NotApplicable` for a
        case it cannot run.
    cases : iterable of Case or case ids, optional
        Default: every case of :func:`refsnn.conformance.cases` (with
        ``long``, the long ones too). A golden file becomes a case through
        :func:`refsnn.conformance.read_golden`.
    rtol, atol : float, optional
        The tolerance of every case; default :data:`DEFAULT_TOLERANCE` of
        each case's dtype.
    allow_missing : bool
        Let missing state variables pass (listed in the note).
    long : bool
        With ``cases=None``: include the long cases.

    Returns
    -------
    ConformanceResult
        ``print(result)`` shows the table and every failure's report;
        ``result.ok`` is whether no case failed.

    Raises
    ------
    TypeError, ValueError
        ``adapter`` is not callable, an unknown case id, malformed traces
        (the message names the case and the variable).
    """
    if not callable(adapter):
        raise TypeError(f"adapter must be a callable taking a Case, got "
                        f"{type(adapter).__name__}")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)
                                      and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    selected = suite_cases(long=long) if cases is None else [
        get_case(c) if isinstance(c, str) else _case(c) for c in cases]
    name = _adapter_name(adapter)
    results = []
    for case in selected:
        try:
            traces = adapter(case)
        except NotApplicable as reason:
            results.append(CaseResult(case, NOT_APPLICABLE, None, str(reason)))
            continue
        results.append(judge(case, traces, rtol=rtol, atol=atol, allow_missing=allow_missing,
                             source=f"adapter {name}"))
    if rtol is None and atol is None:
        tolerance = "rtol, atol = " + ", ".join(
            f"{r:g}, {a:g} ({dtype})" for dtype, (r, a) in DEFAULT_TOLERANCE.items())
    else:
        tolerance = f"rtol={rtol if rtol is not None else 'default'}, " \
                    f"atol={atol if atol is not None else 'default'}"
    return ConformanceResult(name, results, tolerance)


def _case(value: Any) -> Case:
    if not isinstance(value, Case):
        raise TypeError(f"cases must hold Case objects or case ids, got {type(value).__name__}")
    return value
