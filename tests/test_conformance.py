"""refsnn.conformance: the versioned suite, the runner and the adapters that ship with it."""

import dataclasses
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from refsnn import conformance
from refsnn.conformance import NotApplicable, run
from refsnn.conformance.adapters import norse as norse_adapter
from refsnn.conformance.adapters import wrong
from refsnn.conformance.case import flatten
from refsnn.models import MODELS

#: Per suite version and family, sha256 (first 16 hex digits) of the data of every case
#: (inputs, parameters, state, matrices, dt): a change without a new VERSION fails here.
#: A new family adds an entry; an id, once published, keeps its data.
DIGESTS = {"1": {
    "lif": "f07e36beb5ded566", "li": "47685baa9d86bfe2", "li_box": "becd24e807a3cb17",
    "iaf": "8d07909b8b09614c", "lif_box": "7c12a66ce3c5aada", "lif_ex": "621cb87f330423d7",
    "lif_adex": "0b8a50fe45afdd72", "adex": "54a671ae9486072a",
    "lif_refrac": "2d6fe6aafcc08013", "lif_adex_refrac": "0a64f73613cee559",
    "coba_lif": "91fbf468f00d0aff", "lif_mc": "66671644fe149b4f",
    "lif_mc_refrac": "7ac1a72192dc9390", "lsnn": "f180c17840f24f1d",
    "ada_lif": "2fc116df36e7e0be", "izhikevich": "b4233837ed43351e"}}
TABLES = Path(__file__).resolve().parents[1] / "docs" / "conformance_tables.rst"


def _digest(cases) -> str:
    h = hashlib.sha256()
    for case in cases:
        h.update(case.id.encode())
        h.update(repr(case.dt).encode())
        leaves = [case.inputs, *flatten(case.p).values(), *flatten(case.state).values(),
                  *case.matrices]
        for leaf in leaves:
            h.update(getattr(leaf, "__name__", "").encode() if callable(leaf)
                     else np.ascontiguousarray(leaf).tobytes())
    return h.hexdigest()


def identity(case):
    """A perfect adapter: refsnn's own traces (copies)."""
    return {name: np.array(trace) for name, trace in case.reference().items()}


# --------------------------------------------------------------------------- the suite
def test_every_family_has_cases_in_both_dtypes_and_ids_are_unique():
    ids = conformance.case_ids()
    assert len(ids) == len(set(ids))
    assert {i.split("/")[0] for i in ids} == set(MODELS)
    assert {i.split("/")[2] for i in ids} == {"float32", "float64"}
    assert not any("/long/" in i for i in ids)
    assert {i for i in conformance.case_ids(long=True) if "/long/" in i}
    assert [c.id for c in conformance.cases()] == ids


def test_a_case_is_deterministic_read_only_and_found_by_id():
    a, b = conformance.get_case("lif/random/float32"), conformance.get_case("lif/random/float32")
    assert _digest([a]) == _digest([b])
    assert a.dtype == np.float32 and a.steps == len(a.inputs) and a.neurons == (8,)
    assert np.ndim(a.p.v_th) == 1                               # per-neuron parameters
    with pytest.raises(ValueError):
        a.inputs[0, 0] = 1.0
    with pytest.raises(ValueError, match="lif/default/float32"):
        conformance.get_case("lif/nope/float32")
    with pytest.raises(ValueError, match="families"):
        conformance.cases("nope")


def test_the_data_of_this_suite_version_never_changes():
    published = DIGESTS[conformance.VERSION]
    assert set(published) == set(MODELS)
    for family, digest in published.items():
        assert _digest(conformance.cases(family, long=True))[:16] == digest, (
            f"the data of the {family} cases changed: bump refsnn.conformance.VERSION")


@pytest.mark.parametrize("family", ["iaf", "lif_box", "lif"])
def test_threshold_cases_put_voltages_exactly_on_the_threshold(family):
    for dtype in ("float32", "float64"):
        case = conformance.get_case(f"{family}/threshold/{dtype}")
        ref = case.reference()
        on = (ref["v"] == np.asarray(case.p.v_th)) & (ref["z"] == 0)
        assert on.any()
        assert on.all(axis=0).any()                         # a neuron stays on it throughout
        assert ref["z"].any()                               # one ulp above does spike


def test_refractory_cases_fire_again_when_the_period_allows():
    case = conformance.get_case("lif_refrac/refractory/float64")
    z = case.reference()["z"]
    rho_reset = np.asarray(case.p.rho_reset)
    for k in range(z.shape[1]):
        times = np.flatnonzero(z[:, k])
        assert len(times) > 3
        gaps = np.diff(times)
        assert (gaps == gaps[0]).all() and gaps[0] >= rho_reset[k]


# --------------------------------------------------------------------------- the runner
def test_a_perfect_adapter_passes_and_the_table_lists_every_case():
    cases = conformance.cases(["lif", "iaf"], dtypes=["float32"])
    result = run(identity, cases)
    assert result.ok and len(result.passed) == len(cases)
    text = str(result)
    assert "adapter identity" in text and f"v{conformance.VERSION}" in text
    for case in cases:
        assert re.search(rf"^{re.escape(case.id)}\s+pass", text, re.M)


def test_the_wrong_adapter_fails_at_step_0_of_the_voltage():
    result = run(wrong.adapter, ["lif_box/default/float32", "iaf/random/float64",
                                 "li_box/default/float32", "lif/default/float32"])
    assert not result.ok
    assert result["lif/default/float32"].status == "n/a"
    for case_id in ("lif_box/default/float32", "iaf/random/float64", "li_box/default/float32"):
        r = result[case_id]
        assert r.failed
        v = r.report["v"]
        assert v.first_divergence[0] in (0, 1) and v.pattern == "immediate"
        assert r.report.first_divergence[:2] == ("v", 0)
    text = str(result)
    assert "v at step 0 [0] (immediate, onset 0)" in text
    assert f"--- lif_box/default/float32" in text and "refsnn compare: NOT within" in text


def test_not_applicable_cases_are_neither_passes_nor_failures():
    def nothing(case):
        raise NotApplicable("no such model here")

    result = run(nothing, ["lif/default/float32"])
    assert result.ok and result.results[0].status == "n/a"
    assert "no such model here" in result.table()


def test_malformed_traces_are_errors_that_name_the_case_and_the_variable():
    case = conformance.get_case("lif/default/float32")
    good = identity(case)
    with pytest.raises(ValueError, match=r"lif/default/float32.*'v'.*\(100, 7\).*\(100, 8\)"):
        run(lambda c: {**good, "v": good["v"][:, :7]}, [case])
    with pytest.raises(TypeError, match="dict of traces"):
        run(lambda c: good["v"], [case])
    with pytest.raises(TypeError, match="'v' has dtype"):
        run(lambda c: {**good, "v": np.full(good["v"].shape, "x")}, [case])
    with pytest.raises(TypeError, match="adapter must be a callable"):
        run("norse", [case])
    with pytest.raises(ValueError, match="rtol"):
        run(identity, [case], rtol=-1)
    with pytest.raises(TypeError, match="Case objects or case ids"):
        run(identity, [3])


def test_missing_extra_and_nan_variables_fail_with_a_clear_note():
    case = conformance.get_case("lif/default/float64")
    good = identity(case)
    missing = run(lambda c: {"z": good["z"], "v": good["v"]}, [case]).results[0]
    assert missing.failed and missing.note == "missing i"
    assert "missing in candidate: i" in str(missing.report)
    tolerated = run(lambda c: {"z": good["z"], "v": good["v"]}, [case], allow_missing=True)
    assert tolerated.ok and tolerated.results[0].note == "not compared: i"
    no_output = run(lambda c: {"v": good["v"], "i": good["i"]}, [case], allow_missing=True)
    assert not no_output.ok
    extra = run(lambda c: {**good, "h": good["v"]}, [case]).results[0]
    assert extra.failed and "extra h" in extra.note
    v = good["v"].copy()
    v[5:, 2] = np.nan
    nan = run(lambda c: {**good, "v": v}, [case]).results[0]
    assert nan.failed and "NaN in the candidate's v from step 5" in nan.note
    assert nan.report["v"].first_divergence == (5, (2,))


def test_the_tolerance_is_per_dtype_unless_given():
    case = conformance.get_case("lif/default/float32")
    good = identity(case)
    nudged = {**good, "v": good["v"] * np.float32(1 + 2e-6)}
    assert run(lambda c: nudged, [case]).ok
    assert not run(lambda c: nudged, [case], rtol=0, atol=0).ok


# --------------------------------------------------------------------------- Norse
_SUITE = []


def suite():
    """The default cases, built once per session (their reference traces are cached on them)."""
    if not _SUITE:
        _SUITE.extend(conformance.cases())
    return _SUITE


def _norse_expected(cases):
    return {c.id for c in cases if norse_adapter.deviates(c)}


#: Families of the default Norse run (float32, random cases left out): every one with a
#: documented deviation; the others agree with Norse in tests/test_norse_parity.py, and
#: every case runs with --long.
NORSE_DEFAULT = {"coba_lif", "lif_mc", "lif_mc_refrac", "lif_adex_refrac", "ada_lif"}


@pytest.mark.norse
@pytest.mark.parametrize("long", [pytest.param(False),
                                  pytest.param(True, marks=pytest.mark.long)])
def test_norse_fails_exactly_the_cases_of_its_documented_deviations(long):
    pytest.importorskip("torch", reason="torch is needed for the Norse adapter")
    pytest.importorskip("norse", reason="norse is needed for the Norse adapter")
    cases = (conformance.cases(long=True) if long else
             [c for c in suite() if c.family in NORSE_DEFAULT and c.dtype == np.float32
              and "/random/" not in c.id])
    traces = {}

    def recording(case):
        traces[case.id] = norse_adapter.adapter(case)
        return traces[case.id]

    result = run(recording, cases)
    failed = {r.case.id for r in result.failures}
    assert failed == _norse_expected(cases)
    from validation.norse_parity import WITHOUT_NORSE
    assert {r.case.family for r in result.not_applicable} <= set(WITHOUT_NORSE)
    # Every compat step of a family appears among the failures, and each failure is
    # Norse's code: Norse's traces match those of the compat variant.
    assert {conformance.get_case(i).step_function for i in failed} == {
        "coba_lif_step", "lif_mc_step", "lif_mc_refrac_feed_forward_step", "lif_mc_refrac_step",
        "lif_adex_refrac_feed_forward_step", "lif_adex_refrac_step", "ada_lif_step"}
    for r in result.failures:
        as_norse = dataclasses.replace(r.case, expected=norse_adapter.compat_traces(r.case))
        assert conformance.judge(as_norse, traces[r.case.id]).status == "pass"


def _documented_failures(section: str) -> set[str]:
    """The failing case ids of one adapter's table in docs/conformance_tables.rst."""
    failed = set()
    for name, *statuses in re.findall(r"\* - ``([\w/]+)``\n\s+- (\S+)\n\s+- (\S+)", section):
        failed |= {f"{name}/{dtype}" for dtype, status in zip(("float32", "float64"), statuses)
                   if status == "FAIL"}
    return failed


def test_the_documented_norse_failures_are_those_of_the_deviations():
    norse_part, jelly_part = TABLES.read_text().split("SpikingJelly 2.0 (CPU)\n---")
    documented = _documented_failures(norse_part)
    assert not any("/long/" in i for i in documented)        # no long case deviates
    assert documented == _norse_expected(suite())
    assert _documented_failures(jelly_part) == {
        f"{family}/threshold/{dtype}" for family in ("iaf", "lif_box")
        for dtype in ("float32", "float64")}


# --------------------------------------------------------------------------- SpikingJelly
@pytest.mark.spikingjelly
def test_spikingjelly_fails_only_where_it_fires_at_the_threshold():
    pytest.importorskip("torch", reason="spikingjelly needs torch")
    pytest.importorskip("spikingjelly", reason="spikingjelly is not installed")
    from refsnn.conformance.adapters import spikingjelly

    result = run(spikingjelly.adapter, conformance.cases(dtypes=["float32"]))
    applied = {r.case.family for r in result.results if r.status != "n/a"}
    assert applied == {"iaf", "lif_box", "li_box"}
    assert len(result.passed) >= 5
    assert {r.case.id for r in result.failures} == {"iaf/threshold/float32",
                                                    "lif_box/threshold/float32"}
    for r in result.failures:
        step, (k,) = r.report["z"].spikes.first_mismatch
        ref = r.case.reference()
        assert ref["z"][step, k] == 0 and ref["v"][step, k] == np.asarray(r.case.p.v_th)
