"""Conformance of other simulators with refsnn: versioned cases, golden traces, adapters.

* :func:`cases`, :func:`get_case`, :data:`VERSION`: the suite
  (:mod:`refsnn.conformance.suite`), every family in float32 and float64,
  edge cases included; a :class:`Case` holds a run's parameters, inputs,
  initial state and ``dt`` and computes its reference traces.
* :func:`run`: judge an *adapter* — a callable that runs one case in the
  simulator under test and returns its traces — case by case; ``print`` the
  result for the pass/fail table and the comparison report of every failure
  (:mod:`refsnn.conformance.runner`).
* :func:`write_golden`, :func:`read_golden`: a case and its traces in one
  ``.npz`` file that ``refsnn compare`` reads directly
  (:mod:`refsnn.conformance.golden`; ``refsnn golden`` on the command line).
* :mod:`refsnn.conformance.adapters`: Norse 1.1.0, SpikingJelly 2.0, and a
  deliberately wrong adapter.
"""

from refsnn.conformance.case import Case, NotApplicable, check_traces, trace_names
from refsnn.conformance.golden import read_golden, write_golden
from refsnn.conformance.runner import (DEFAULT_TOLERANCE, CaseResult, ConformanceResult, judge,
                                       run)
from refsnn.conformance.suite import VERSION, case_ids, cases, get_case

__all__ = ["VERSION", "Case", "CaseResult", "ConformanceResult", "DEFAULT_TOLERANCE",
           "NotApplicable", "case_ids", "cases", "check_traces", "get_case", "judge",
           "read_golden", "run", "trace_names", "write_golden"]
