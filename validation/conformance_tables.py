"""Run the conformance suite through the Norse and SpikingJelly adapters; write the docs tables.

``python validation/conformance_tables.py`` runs every case (the long ones
included) through :mod:`refsnn.conformance.adapters.norse` and
:mod:`refsnn.conformance.adapters.spikingjelly`, checks that every failure
has its explanation, and writes

* ``docs/conformance_tables.rst``: one table per adapter, a row per case
  and dtype pair, each failure explained;
* ``docs/conformance_tables_wrong.rst``: what the deliberately wrong adapter
  prints for one case (the tutorial shows it).

Explanations are checked, not just written:

* a Norse failure must be a documented deviation: its step has a
  :mod:`refsnn.compat.norse` variant, the variant differs from refsnn on
  the case (:func:`~refsnn.conformance.adapters.norse.deviates`) and Norse's
  traces agree with the variant's within the suite's tolerance;
* a SpikingJelly failure must be a spike at a voltage exactly on the
  threshold: at the first spike mismatch SpikingJelly spikes, refsnn does
  not, and refsnn's voltage equals ``v_th``.

Any other failure, or a deviation that does not fail, stops the script
with an error (nothing is written).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

from refsnn import conformance
from refsnn.conformance.adapters import norse, spikingjelly, wrong

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: What each deviating Norse step computes (docs/deviations.rst has the full story).
NORSE_DEVIATIONS = {
    "coba_lif_step": "the recurrent jump overwrites the input jump of the conductances: "
                     "input spikes never reach a recurrent COBA neuron",
    "lif_mc_step": "the compartment coupling is applied after the reset, so a spiking "
                   "compartment ends away from v_reset",
    "lif_mc_refrac_feed_forward_step": "coupling without dt, spikes not suppressed while "
                                       "refractory, input entering after the voltage update",
    "lif_mc_refrac_step": "coupling without dt, spikes not suppressed while refractory, input "
                          "entering after the voltage update",
    "lif_adex_refrac_feed_forward_step": "the adaptation jumps at threshold crossings that the "
                                         "refractory period suppresses",
    "lif_adex_refrac_step": "the adaptation jumps at threshold crossings that the refractory "
                            "period suppresses",
    "ada_lif_step": "subtractive reset instead of the documented value reset",
}
SPIKINGJELLY_THRESHOLD = ("SpikingJelly fires at v = v_th (its Heaviside is x >= 0, Norse's "
                          "and refsnn's x > 0); here a voltage lands exactly on the threshold")


def explain_norse(r: conformance.CaseResult, traces: dict) -> str:
    """Why Norse fails ``r``'s case; raises if the failure is not a documented deviation."""
    case = r.case
    if not norse.deviates(case):
        raise AssertionError(f"{case.id}: Norse fails a case without a documented deviation")
    as_norse = dataclasses.replace(case, expected=norse.compat_traces(case))
    if conformance.judge(as_norse, traces).status != "pass":
        raise AssertionError(f"{case.id}: Norse's traces differ from refsnn.compat.norse's")
    module = norse.compat_step(case).__module__
    return (f"documented deviation of ``{case.step_function}``: "
            f"{NORSE_DEVIATIONS[case.step_function]}; Norse's traces match "
            f"``{module}.{case.step_function}``")


def explain_spikingjelly(r: conformance.CaseResult, traces: dict) -> str:
    """Why SpikingJelly fails ``r``'s case; raises unless it is a spike exactly at threshold."""
    spikes = r.report["z"].spikes if "z" in r.report.variables else None
    if spikes is None or spikes.first_mismatch is None:
        raise AssertionError(f"{r.case.id}: a failure without a spike mismatch")
    step, index = spikes.first_mismatch
    ref = r.case.reference()
    v_th = np.broadcast_to(np.asarray(r.case.p.v_th), r.case.neurons)[index]
    if not (ref["z"][(step, *index)] == 0 and traces["z"][(step, *index)] == 1
            and ref["v"][(step, *index)] == v_th):
        raise AssertionError(f"{r.case.id}: the first spike mismatch is not at the threshold")
    return SPIKINGJELLY_THRESHOLD


def run_adapter(adapter, explain) -> tuple[conformance.ConformanceResult, dict]:
    """The adapter's result over the whole suite and an explanation per failing case id."""
    traces = {}

    def recording(case):
        traces[case.id] = adapter(case)
        return traces[case.id]

    recording.name = adapter.name
    result = conformance.run(recording, conformance.cases(long=True))
    explanations = {r.case.id: explain(r, traces[r.case.id]) for r in result.failures}
    return result, explanations


def expected_norse_failures() -> set[str]:
    """The case ids whose step has a compat variant that differs from refsnn on the case."""
    return {c.id for c in conformance.cases(long=True) if norse.deviates(c)}


def _cell(text: str) -> str:
    return text.replace("\n", " ") if text else ""


def table(result: conformance.ConformanceResult, explanations: dict, title: str) -> str:
    """The reST section of one adapter: a row per case name, the two dtypes side by side."""
    by_name: dict[str, dict[str, conformance.CaseResult]] = {}
    for r in result.results:
        name, dtype = r.case.id.rsplit("/", 1)
        by_name.setdefault(name, {})[dtype] = r
    identical = sum(all(v.max_abs == 0 for v in r.report.variables.values())
                    for r in result.passed)
    lines = [title, "-" * len(title), "",
             f"{result.summary()}; {identical} of the {len(result.passed)} passing cases are "
             "bit-identical.", "",
             ".. list-table::", "   :header-rows: 1", "   :widths: 20 7 7 26 40", "",
             "   * - Case", "     - float32", "     - float64",
             "     - First divergence (float32; float64)", "     - Explanation"]
    for name, pair in by_name.items():
        rows = [pair[d] for d in conformance.suite.DTYPES]
        firsts = "; ".join(dict.fromkeys(r.first_divergence for r in rows if r.failed))
        notes = [explanations.get(r.case.id) or (r.note if r.status == "n/a" else "")
                 for r in rows]
        note = "; ".join(dict.fromkeys(n for n in notes if n))
        lines += [f"   * - ``{name}``", *(f"     - {r.status}" for r in rows),
                  f"     - {_cell(firsts)}".rstrip(), f"     - {_cell(note)}".rstrip()]
    return "\n".join(lines) + "\n"


def main() -> int:
    results = [("Norse 1.1.0", *run_adapter(norse.adapter, explain_norse)),
               ("SpikingJelly 2.0 (CPU)",
                *run_adapter(spikingjelly.adapter, explain_spikingjelly))]
    norse_failed = {r.case.id for r in results[0][1].failures}
    if norse_failed != expected_norse_failures():
        raise AssertionError("Norse's failures are not exactly the documented deviations: "
                             f"{sorted(norse_failed ^ expected_norse_failures())}")
    header = (".. Generated by validation/conformance_tables.py; do not edit.\n\n"
              f"Suite version {conformance.VERSION}, "
              f"{len(conformance.case_ids(long=True))} cases (long ones included).\n\n")
    body = "\n".join(table(result, explanations, title)
                     for title, result, explanations in results)
    (DOCS / "conformance_tables.rst").write_text(header + body)
    wrong_result = conformance.run(wrong.adapter, ["lif_box/default/float32"])
    (DOCS / "conformance_tables_wrong.rst").write_text(
        ".. Generated by validation/conformance_tables.py; do not edit.\n\n"
        ".. code-block:: text\n\n"
        + "\n".join(f"   {line}".rstrip() for line in str(wrong_result).splitlines()) + "\n")
    for title, result, _ in results:
        print(f"{title}: {result.summary()}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
