"""Golden traces: refsnn golden, write_golden/read_golden, golden -> candidate -> refsnn compare."""

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from _helpers import run_cli as cli

from refsnn import __version__, conformance
from refsnn.conformance import read_golden, write_golden
from refsnn.conformance.adapters import wrong
from refsnn.conformance.case import flatten
from refsnn.functional import reset


def candidate(path, **traces):
    """A candidate run saved as a simulator would: its traces only."""
    np.savez(path, **traces)
    return str(path)


# --------------------------------------------------------------------------- the file
def test_a_golden_file_holds_setup_traces_and_metadata(tmp_path):
    case = conformance.get_case("lif_refrac/random/float64")
    path = write_golden(case, tmp_path / "g.npz", seed=7)
    with np.load(path) as g:
        setup = g["setup"]
        assert np.array_equal(setup["inputs"], case.inputs)
        assert np.array_equal(setup["p.lif.v_th"], case.p.lif.v_th)      # per neuron
        assert np.array_equal(setup["state.rho"], case.state.rho)
        for name, trace in case.reference().items():
            assert np.array_equal(g[name], trace) and g[name].dtype == np.float64
        assert set(case.reference()) == {"z", "lif.v", "lif.i", "rho"}
        assert str(g["refsnn_version"]) == __version__ and str(g["dtype"]) == "float64"
        assert "forward Euler" in str(g["discretisation"])
        assert str(g["step_function"]) == "lif_refrac_feed_forward_step" and int(g["seed"]) == 7
    back = read_golden(path)
    assert back.id == case.id and back.dt == case.dt and back.family == case.family
    for a, b in zip(flatten(back.p).values(), flatten(case.p).values()):
        assert np.array_equal(a, b)
    for a, b in zip(flatten(back.state).values(), flatten(case.state).values()):
        assert np.array_equal(a, b)
    assert all(np.array_equal(back.reference()[k], v) for k, v in case.reference().items())


def test_a_recurrent_golden_file_keeps_its_weights_and_reset(tmp_path):
    for case_id in ("coba_lif/recurrent/float32", "lif_box/subtract/float32"):
        case = conformance.get_case(case_id)
        back = read_golden(write_golden(case, tmp_path / "g.npz"))
        assert back.recurrent == case.recurrent
        for a, b in zip(back.matrices, case.matrices):
            assert np.array_equal(a, b)
        if case.family == "lif_box":
            assert back.p.reset_method is reset.reset_subtract
        assert conformance.run(lambda c: dict(case.reference()), [back]).ok


def test_a_golden_file_judges_an_adapter_like_the_suite(tmp_path):
    back = read_golden(write_golden(conformance.get_case("iaf/random/float32"), tmp_path / "g.npz"))
    result = conformance.run(wrong.adapter, [back])
    assert result.results[0].failed
    assert result.results[0].report.first_divergence[:2] == ("v", 0)


@pytest.mark.parametrize("damage, message", [
    ("not golden", "not a refsnn golden file"),
    ("missing trace", "lacks the trace"),
    ("nan input", "'inputs' is not finite at index"),
    ("short trace", "trace 'v' has shape"),
    ("missing setup field", "the setup lacks 'p.v_th'"),
])
def test_bad_golden_files_are_clear_errors(tmp_path, damage, message):
    case = conformance.get_case("iaf/default/float32")
    path = write_golden(case, tmp_path / "g.npz")
    with np.load(path) as g:
        entries = {k: g[k] for k in g.files}
    setup = entries["setup"]
    if damage == "not golden":
        del entries["format"]
    elif damage == "missing trace":
        del entries["v"]
    elif damage == "nan input":
        setup = setup.copy()
        setup["inputs"][3, 1] = np.nan
        entries["setup"] = setup
    elif damage == "short trace":
        entries["v"] = entries["v"][:-1]
    else:
        names = [n for n in setup.dtype.names if n != "p.v_th"]
        entries["setup"] = np.array(setup[names])
    np.savez(path, **entries)
    with pytest.raises(ValueError, match=message):
        read_golden(path)
    with pytest.raises(FileNotFoundError, match="golden file: no such file"):
        read_golden(tmp_path / "nope.npz")


def test_a_file_that_is_not_an_npz_archive_is_not_a_golden_file(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="is not a refsnn golden file"):
        read_golden(tmp_path / "one.npy")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="golden file: .*junk.npz' is not a readable .npz file"):
        read_golden(tmp_path / "junk.npz")


# --------------------------------------------------------------------------- the command line
def test_golden_then_compare_with_a_candidate(tmp_path, capsys):
    gold = str(tmp_path / "g.npz")
    status, out, err = cli(["golden", "lif", "--neurons", "3", "--steps", "40",
                            "--param", "v_th=0.8,0.9,1.0", "--dtype", "float64", "-o", gold],
                           capsys)
    assert status == 0 and err == "" and "traces    z, v, i" in out
    case = read_golden(gold)
    assert np.array_equal(case.p.v_th, [0.8, 0.9, 1.0]) and case.dtype == np.float64
    traces = dict(case.reference())
    status, out, _ = cli(["compare", gold, candidate(tmp_path / "same.npz", **traces)], capsys)
    assert status == 0 and "within tolerance" in out and "ignored in reference" in out
    late = {**traces, "v": np.concatenate([traces["v"][:1] * 0, traces["v"][:-1]])}
    status, out, _ = cli(["compare", gold, candidate(tmp_path / "late.npz", **late)], capsys)
    assert status == 1 and "step 0 at [0]" in out
    short = {**traces, "v": traces["v"][:, :2]}
    status, _, err = cli(["compare", gold, candidate(tmp_path / "short.npz", **short)], capsys)
    assert status == 2 and "shape (40, 3) in reference but (40, 2) in candidate" in err
    less = candidate(tmp_path / "less.npz", z=traces["z"])
    status, out, err = cli(["compare", gold, less], capsys)
    assert status == 2 and "missing in candidate: v, i" in out and "v (reference only)" in err
    status, out, _ = cli(["compare", gold, less, "--allow-missing"], capsys)
    assert status == 0 and "missing in candidate: v, i" in out


def test_golden_writes_a_suite_case(tmp_path, capsys):
    path = str(tmp_path / "t.npz")
    status, out, _ = cli(["golden", "--case", "lif_box/threshold/float32", "-o", path], capsys)
    assert status == 0 and "lif_box/threshold/float32" in out
    assert read_golden(path).id == "lif_box/threshold/float32"


@pytest.mark.parametrize("argv, message", [
    (["lif", "--neurons", "3", "--param", "v_th=1,2"], "2 values for 3 neurons"),
    (["lif", "--param", "v_th=nan"], "must be a finite number"),
    (["lif", "--param", "tau_mem_inv=-1"], "p.tau_mem_inv must be finite and >= 0"),
    (["lif", "--param", "nope=1"], "has no parameter 'nope'"),
    ([], "give a MODEL or --case ID"),
    (["lif", "--case", "lif/default/float32"], "give a MODEL or --case ID"),
    (["--case", "lif/nope/float32"], "no conformance case 'lif/nope/float32'"),
    (["lif", "--dt", "0.1"], "--dt 0.1 is too large for lif"),
    (["lif", "--steps", "0"], "must be >= 1"),
])
def test_golden_errors_are_one_line_with_status_2(tmp_path, capsys, argv, message):
    status, out, err = cli(["golden", *argv, "-o", str(tmp_path / "g.npz")], capsys)
    assert status == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "g.npz").exists()


def test_golden_needs_an_output_in_an_existing_folder(tmp_path, capsys):
    status, _, err = cli(["golden", "lif", "-o", str(tmp_path / "no" / "g.npz")], capsys)
    assert status == 2 and "does not exist" in err
    status, _, err = cli(["golden", "lif"], capsys)
    assert status == 2 and "-o/--output" in err


def test_golden_help_explains_the_file(capsys):
    status, out, _ = cli(["golden", "--help"], capsys)
    assert status == 0 and '["setup"]["inputs"]' in out and "refsnn compare FILE" in out
    status, out, _ = cli(["--help"], capsys)
    assert "refsnn golden MODEL -o FILE" in out


# --------------------------------------------------------------------------- the tutorial
def test_the_tutorial_runs_as_written(tmp_path, capsys, monkeypatch):
    text = (Path(__file__).resolve().parents[1] / "docs" / "tutorial_crossvalidate.rst").read_text()
    commands = re.findall(r"^    \$ refsnn (.*)$", text, re.M)
    blocks = [textwrap.dedent(b) for b in
              re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)]
    monkeypatch.chdir(tmp_path)
    status, out, _ = cli(commands[0].split(), capsys)
    assert status == 0
    shown = text.split(commands[0], 1)[1].split("\n\n", 1)[0]
    assert [line.strip() for line in shown.strip().splitlines()] == out.strip().splitlines()
    namespace = {}
    for block in blocks[:2]:                  # read the golden file, run "your simulator"
        exec(block, namespace)
    status, out, _ = cli(commands[1].split(), capsys)
    assert status == 0 and "within tolerance (rtol=0, atol=0, dt=0.001)" in out
    exec(blocks[2], namespace)                # the adapter over the whole suite
    assert namespace["result"].ok and namespace["result"].passed
    capsys.readouterr()
    exec(blocks[3], namespace)                # the wrong adapter: the output included in the docs
    shown = (Path(__file__).resolve().parents[1] / "docs" / "conformance_tables_wrong.rst")
    printed = capsys.readouterr().out
    assert all(line.strip() in printed for line in shown.read_text().splitlines()[4:])
