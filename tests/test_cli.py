"""The command line: a readable summary, every family firing, options checked, runs saved.

Runs go through :func:`refsnn.cli.main` in-process (fast); subprocesses only
for ``--version``, ``python -m refsnn`` and a closed output pipe.
"""

import io
import re
import subprocess
import sys
import time
import types

import numpy as np
import pytest
from _helpers import run_cli

import refsnn
from refsnn import cli, registry
from refsnn.cli import main

TINY = ["--neurons", "20", "--steps", "30"]


def field(out, name):
    """The first word after ``name`` at the start of a summary line."""
    return re.search(rf"^{name}\s+(\S+)", out, re.M).group(1)


def test_run_prints_a_summary(capsys):
    status, out, err = run_cli(["run", "lif", "--neurons", "50", "--steps", "200"], capsys)
    assert status == 0 and err == ""
    for word in ("model     lif", "backend   numpy", "neurons   50", "steps     200",
                 "input     0.5 per step", "spikes", "rate", "wall time", "neuron-steps/s"):
        assert word in out
    assert int(field(out, "spikes")) > 0


@pytest.mark.parametrize("model", sorted(refsnn.MODELS))
def test_every_family_fires_with_its_default_current(model, capsys):
    status, out, _ = run_cli(["run", model, "--neurons", "50", "--steps", "200"], capsys)
    assert status == 0
    if refsnn.MODELS[model].output == "spikes":
        assert int(field(out, "spikes")) > 0, out   # lif_box fired 0 spikes before
    else:
        assert "output    membrane voltage, final mean" in out
        assert float(out.split("final mean")[1].split()[0]) > 0.1


# --------------------------------------------------------------------------- help, version
def test_help_is_plain_text_with_every_option_and_default(capsys):
    for argv in (["--help"], ["run", "--help"]):
        status, out, _ = run_cli(argv, capsys)
        assert status == 0
        assert "``" not in out and ":func:" not in out and ":mod:" not in out  # no reST
    for option, default in [("--neurons N", "1000"), ("--steps T", "1000"), ("--dt DT", "0.001"),
                            ("--noise SIGMA", "0.5"), ("--seed S", "0"),
                            ("--dtype {float32,float64}", "float32")]:
        described = out.split(f"\n  {option}", 1)[1].split("\n  -", 1)[0]
        assert len(described.split()) > 4, option           # a meaning, not only a default
        assert f"(default: {default})" in " ".join(described.split()), option
    for option in ("--current", "--backend", "--preset", "--param", "--save", "--record",
                   "--chunk"):
        assert re.search(rf"^  {option} \S+ +\w", out, re.M), option
    assert "tonic_spiking" in out and "lif_box 1.5" in out


def test_version():
    done = subprocess.run([sys.executable, "-m", "refsnn", "--version"], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == f"refsnn {refsnn.__version__}"


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "refsnn", "run", "lif", "--neurons", "10",
                           "--steps", "10"], capture_output=True, text=True, check=True)
    assert "model     lif" in done.stdout


@pytest.mark.parametrize("argv", [["run", "lif", "--neurons", "10", "--steps", "10"],
                                  ["run", "--help"]])
def test_a_closed_pipe_ends_quietly(argv):
    """``refsnn run ... | head -2``: the reader is gone before the summary is written."""
    process = subprocess.Popen([sys.executable, "-m", "refsnn", *argv], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) in (0, 141)
    assert err == ""


# --------------------------------------------------------------------------- bad values
@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "nope"], "unknown model 'nope'"),
        (["run", "lif", "--bogus"], "unrecognized arguments"),
        (["run", "lif", "--neurons", "x"], "argument --neurons: expected an integer"),
        (["run", "lif", "--neurons", "0"], "argument --neurons: must be >= 1"),
        (["run", "lif", "--steps", "-5"], "argument --steps: must be >= 1"),
        (["run", "lif", "--steps", "0"], "argument --steps: must be >= 1"),
        (["run", "lif", "--dt", "0"], "argument --dt: must be > 0"),
        (["run", "lif", "--dt", "nan"], "argument --dt: must be a finite number"),
        (["run", "lif", "--dt", "inf"], "argument --dt: must be a finite number"),
        (["run", "lif", "--current", "nan"], "argument --current: must be a finite number"),
        (["run", "lif", "--current=-inf"], "argument --current: must be a finite number"),
        (["run", "lif", "--noise", "-1"], "argument --noise: must be >= 0"),
        (["run", "lif", "--seed", "-1"], "argument --seed: must be >= 0"),
        (["run", "lif", "--backend", "nope"], "unknown backend 'nope'"),
        (["run", "lif", "--dtype", "float16"], "argument --dtype: invalid choice"),
        (["run", "lif", "--save", "/no/such/folder/x.npz"], "argument --save: the folder"),
        (["run", "lif", "--record", "v"], "--record needs --save"),
        (["run", "lif", "--param", "v_th"], "argument --param: expected NAME=VALUE"),
    ],
)
def test_errors_are_one_line_with_status_2(argv, message, capsys):
    status, out, err = run_cli(argv, capsys)
    assert status == 2
    assert err.startswith("refsnn: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1 and out == ""


def test_an_unstable_dt_is_an_error_not_a_spike_count(capsys):
    status, out, err = run_cli(["run", "lif", "--dt", "1e6", *TINY], capsys)
    assert status == 2 and out == ""            # printed "spikes 2980" and exited 0 before
    assert err.startswith("refsnn: error: --dt 1e+06 is too large for lif")
    assert len(err.strip().splitlines()) == 1


class _Backend:
    """The numpy backend under another name, recording calls; ``nan=True`` spoils the state."""

    def __init__(self, name, delay=0.0, nan=False):
        self.name, self.delay, self.nan, self.calls = name, delay, nan, []
        self.inner = registry.lookup("numpy")
        self.models = self.inner.models

    def unavailable_reason(self):
        return None

    def run(self, model, inputs, *args):
        self.calls.append(inputs.shape)
        if len(self.calls) == 1:
            time.sleep(self.delay)      # the first call compiles
        outputs, state = self.inner.run(model, inputs, *args)
        if self.nan:
            state = state._replace(v=np.full_like(state.v, np.nan))
        return outputs, state


@pytest.fixture
def fake_backend(monkeypatch):
    def make(**kwargs):
        backend = _Backend("fake-test", **kwargs)
        monkeypatch.setitem(registry._LOADED, backend.name, backend)
        return backend
    return make


def test_a_non_finite_state_is_never_summarised(fake_backend, capsys):
    """Even when refsnn.options lets NaN through, the command refuses to count its spikes."""
    fake_backend(nan=True)
    with refsnn.options(nonfinite="ignore"):
        status, out, err = run_cli(["run", "lif", "--backend", "fake-test", *TINY], capsys)
    assert status == 2 and "spikes" not in out
    assert "state (state.v) became non-finite" in err and len(err.strip().splitlines()) == 1


def test_a_run_that_cannot_fit_is_refused_before_allocating(capsys):
    argv = ["run", "lif", "--neurons", "1000000000", "--steps", "1000000"]
    status, out, err = run_cli(argv, capsys)   # was a raw _ArrayMemoryError traceback
    assert status == 2 and out == ""
    assert err.startswith("refsnn: error: refsnn run lif (1000000 steps x 1000000000 neurons) "
                          "needs") and "PiB" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("model, matrix, size", [("lif_mc", "coupling matrix", "37.3 GiB"),
                                                 ("ada_lif", "weight matrices", "74.5 GiB")])
def test_neuron_by_neuron_matrices_are_sized(model, matrix, size, monkeypatch, capsys):
    """``refsnn run lif_mc --neurons 100000``: 37 GiB of coupling, on a 16 GiB machine."""
    monkeypatch.setattr(refsnn.memory, "available_bytes", lambda: 16 * 2**30)
    status, _, err = run_cli(["run", model, "--neurons", "100000"], capsys)
    assert status == 2 and f"{matrix} {size}" in err and "16 GiB" in err
    assert len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- parameters
def test_param_sets_fields_nested_ones_too(capsys):
    spikes = {}
    for argv in ([], ["--param", "v_th=0.5"]):
        status, out, _ = run_cli(["run", "lif", *TINY, *argv], capsys)
        spikes[tuple(argv)] = int(field(out, "spikes"))
    assert spikes[("--param", "v_th=0.5")] > spikes[()]
    status, out, _ = run_cli(["run", "lif_refrac", *TINY, "--param", "lif.v_th=0.5",
                              "--param", "rho_reset=2"], capsys)
    assert status == 0 and "params    lif.v_th=0.5, rho_reset=2" in out


def test_param_builds_the_parameters():
    model = refsnn.MODELS["lif_refrac"]
    p = cli.parameters(model, None, [("lif.v_th", "0.8"), ("rho_reset", "3")])
    assert p.lif.v_th == 0.8 and p.rho_reset == 3.0
    assert p.lif.v_leak == model.parameters().lif.v_leak
    izh = cli.parameters(refsnn.MODELS["izhikevich"], "phasic_spiking", [("a", "0.1")])
    assert izh.p.a == 0.1 and izh.p.b == refsnn.functional.izhikevich.phasic_spiking.p.b
    assert izh.s == refsnn.functional.izhikevich.phasic_spiking.s
    box = cli.parameters(refsnn.MODELS["lif_box"], None, [("reset_method", "reset_subtract")])
    assert box.reset_method is refsnn.functional.reset.reset_subtract


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lif", "--param", "v_thr=1"], "--param: lif has no parameter 'v_thr'; its parameters: "
                                        "tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset"),
        (["lif_refrac", "--param", "v_th=1"], "its parameters: lif.tau_syn_inv"),
        (["lif_refrac", "--param", "lif=1"], "has no parameter 'lif'"),
        (["lif", "--param", "v_th=abc"], "--param v_th=abc: expected a number"),
        (["lif", "--param", "v_th=nan"], "--param v_th=nan: the value must be a finite number"),
        (["lif_box", "--param", "reset_method=zero"], "reset_method takes one of reset_value, "
                                                      "reset_subtract"),
        (["lif", "--preset", "tonic_spiking"], "--preset applies to izhikevich"),
        (["izhikevich", "--preset", "tonic"], "unknown Izhikevich behaviour 'tonic'; choose "
                                              "from accomodation, bistability"),
    ],
)
def test_bad_parameters_are_one_line_errors(argv, message, capsys):
    status, _, err = run_cli(["run", *argv, *TINY], capsys)
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1


def test_presets_are_every_izhikevich_behaviour(capsys):
    presets = cli.izhikevich_presets()
    assert presets["tonic_spiking"] is refsnn.functional.izhikevich.tonic_spiking
    assert len(presets) == 20
    counts = {}
    for preset in ("tonic_spiking", "phasic_spiking"):
        status, out, _ = run_cli(["run", "izhikevich", "--preset", preset, "--current", "0.5",
                                  "--noise", "0", "--neurons", "1", "--steps", "400"], capsys)
        assert status == 0 and f"params    preset {preset}" in out
        counts[preset] = int(field(out, "spikes"))
    assert counts == {"tonic_spiking": 0, "phasic_spiking": 1}   # phasic: one spike at onset


# --------------------------------------------------------------------------- save, record
def test_save_writes_spikes_state_settings_and_records(tmp_path, capsys):
    path = tmp_path / "run.npz"
    status, out, _ = run_cli(["run", "lif_refrac", "--neurons", "20", "--steps", "40",
                              "--seed", "3", "--save", str(path), "--record", "v,rho"], capsys)
    assert status == 0 and f"saved     {path}" in out
    data = np.load(path)                      # no pickles: plain arrays and strings
    x = cli.drive(0.5, 0.5, 3, 40, 20, "float32")
    spikes, final = refsnn.simulate("lif_refrac", x)
    _, history = refsnn.simulate("lif_refrac", x, record_states=True)
    np.testing.assert_array_equal(data["spikes"], spikes)
    assert data["spikes"].sum() == int(field(out, "spikes"))
    np.testing.assert_array_equal(data["state.lif.v"], final.lif.v)
    np.testing.assert_array_equal(data["state.lif.i"], final.lif.i)
    np.testing.assert_array_equal(data["state.rho"], final.rho)
    np.testing.assert_array_equal(data["record.v"], history.lif.v)
    np.testing.assert_array_equal(data["record.rho"], history.rho)
    settings = {key: data[key].item() for key in ("model", "dt", "neurons", "steps", "seed",
                                                  "backend", "dtype", "refsnn_version")}
    assert settings == {"model": "lif_refrac", "dt": 0.001, "neurons": 20, "steps": 40,
                        "seed": 3, "backend": "numpy", "dtype": "float32",
                        "refsnn_version": refsnn.__version__}


def test_save_a_leaky_integrator_saves_voltages(tmp_path, capsys):
    path = tmp_path / "li.npz"
    assert run_cli(["run", "li", *TINY, "--save", str(path)], capsys)[0] == 0
    data = np.load(path)
    assert data["voltages"].shape == (30, 20) and "spikes" not in data.files


def test_record_names_unknown_variables(tmp_path, capsys):
    status, _, err = run_cli(["run", "lif", *TINY, "--save", str(tmp_path / "x.npz"),
                              "--record", "v,w"], capsys)
    assert status == 2 and "--record: lif has no state variable 'w'; its state variables: i, v" \
        in err


# --------------------------------------------------------------------------- chunking
@pytest.mark.parametrize("model", ["lif_refrac", "ada_lif", "izhikevich", "lif_mc", "li"])
def test_chunking_does_not_change_the_result(model, tmp_path, capsys):
    saved = []
    for chunk in ([], ["--chunk", "7"], ["--chunk", "1"]):
        path = tmp_path / f"{len(saved)}.npz"
        argv = ["run", model, "--neurons", "6", "--steps", "23", "--save", str(path),
                "--record", "v", *chunk]
        assert run_cli(argv, capsys)[0] == 0
        saved.append(np.load(path))
    for other in saved[1:]:
        assert other.files == saved[0].files
        for key in saved[0].files:
            np.testing.assert_array_equal(other[key], saved[0][key], err_msg=key)


def test_simulate_in_chunks_equals_one_call():
    x = cli.drive(0.5, 0.5, 0, 25, 4, "float64")
    spikes, final = refsnn.simulate("lif_adex_refrac", x)
    _, history = refsnn.simulate("lif_adex_refrac", x, record_states=True)
    pieces = list(cli.simulate_in_chunks("lif_adex_refrac", x, 4, record=("a",)))
    assert len(pieces) == 7
    np.testing.assert_array_equal(np.concatenate([out for out, _, _ in pieces]), spikes)
    np.testing.assert_array_equal(np.concatenate([rec["a"] for _, _, rec in pieces]),
                                  history.lif_adex.a)
    for got, want in zip(cli._leaves(pieces[-1][1]), cli._leaves(final)):
        np.testing.assert_array_equal(got[1], want[1])


def test_the_input_is_drawn_in_blocks_as_in_one_draw(monkeypatch):
    whole = cli.drive(2.0, 0.3, 5, 50, 7, "float32")
    monkeypatch.setattr(cli, "NOISE_BLOCK", 10)
    np.testing.assert_array_equal(cli.drive(2.0, 0.3, 5, 50, 7, "float32"), whole)
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(
        whole, np.float32(2.0) + (0.6 * rng.standard_normal((50, 7))).astype(np.float32))


# --------------------------------------------------------------------------- progress, timing
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_no_progress_when_stderr_is_not_a_terminal(capsys):
    status, _, err = run_cli(["run", "lif", *TINY, "--chunk", "5"], capsys)
    assert status == 0 and err == ""


def test_plain_progress_on_a_terminal_without_tqdm(monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setitem(sys.modules, "tqdm", None)           # not importable
    monkeypatch.setattr(cli, "PROGRESS_DELAY_S", 0.0)
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["run", "lif", *TINY, "--chunk", "10"]) == 0
    shown = terminal.getvalue()
    assert "\rrefsnn:  33% (10 of 30 steps" in shown and "100% (30 of 30 steps" in shown
    assert shown.endswith("\r\033[K")                         # cleared before the summary


def test_tqdm_bar_on_a_terminal_when_installed(monkeypatch):
    bars = []

    class Bar:
        def __init__(self, **kwargs):
            self.kwargs, self.done, self.closed = kwargs, 0, False
            bars.append(self)

        def update(self, steps):
            self.done += steps

        def close(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=Bar))
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert main(["run", "lif", "--neurons", "2000", "--steps", "300"]) == 0
    (bar,) = bars
    assert bar.done == 300 and bar.closed and bar.kwargs["total"] == 300
    assert bar.kwargs["file"] is sys.stderr and bar.kwargs["delay"] == cli.PROGRESS_DELAY_S


def test_automatic_chunks_only_for_progress():
    assert cli._auto_chunk(1000, 10, progress=False) == 1000
    assert cli._auto_chunk(1000, 100_000, progress=True) == 10          # about 1 %
    assert cli._auto_chunk(1000, 100, progress=True) == 656             # >= 2**16 neuron-steps


def test_timing_reports_input_warm_up_and_simulation(fake_backend, capsys):
    backend = fake_backend(delay=0.2)
    status, out, _ = run_cli(["run", "lif_mc", *TINY, "--backend", "fake-test"], capsys)
    assert status == 0
    assert backend.calls == [(1, 1), (30, 20)]      # a one-neuron warm-up before the timed run
    timing = re.search(r"wall time (\S+) s: input (\S+) s, warm-up \(compile or cache load\) "
                       r"(\S+) s, simulation (\S+) s", out)
    total, input_s, warm_up, simulation = map(float, timing.groups())
    assert warm_up >= 0.2 and simulation < warm_up
    assert total == pytest.approx(input_s + warm_up + simulation, abs=2e-3)
    assert re.search(r"^speed     \S+ neuron-steps/s", out, re.M)
    status, out, _ = run_cli(["run", "lif", *TINY], capsys)
    assert "warm-up" not in out and re.search(r"input \S+ s, simulation \S+ s", out)


def test_compare_is_a_subcommand(tmp_path, capsys):
    """``refsnn compare REF CAND``: 0 within tolerance, 1 not, 2 on bad input."""
    from refsnn.cli import main

    ref, cand = tmp_path / "ref.npz", tmp_path / "cand.npz"
    v = np.linspace(0, 1, 12, dtype=np.float32).reshape(6, 2)
    np.savez(ref, v=v)
    np.savez(cand, v=v + np.float32(1e-3))
    assert main(["compare", str(ref), str(ref)]) == 0
    assert main(["compare", str(ref), str(cand)]) == 1
    assert main(["compare", str(ref), str(cand), "--atol", "0.01"]) == 0
    assert main(["compare", str(ref), str(tmp_path / "missing.npz")]) == 2
    assert "no such file" in capsys.readouterr().err
