"""The command line prints a readable summary and fails with status 2 on bad use."""

import subprocess
import sys

import pytest

from refsnn.cli import main


def test_run_prints_a_summary(capsys):
    assert main(["run", "lif", "--neurons", "50", "--steps", "200"]) == 0
    out = capsys.readouterr().out
    for word in ("model     lif", "backend   numpy", "neurons   50", "steps     200",
                 "spikes", "rate", "wall time"):
        assert word in out
    spikes = int(out.split("spikes")[1].split()[0])
    assert spikes > 0


@pytest.mark.parametrize("model", ["izhikevich", "ada_lif", "lif_mc", "li", "coba_lif"])
def test_other_models_run(model, capsys):
    assert main(["run", model, "--neurons", "5", "--steps", "20", "--noise", "0.1"]) == 0
    assert f"model     {model}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "nope"], "unknown model 'nope'"),
        (["run", "lif", "--bogus"], "unrecognized arguments"),
        (["run", "lif", "--neurons", "x"], "invalid int value"),
        (["run", "lif", "--neurons", "0"], "--neurons must be >= 1"),
        (["run", "lif", "--dt", "0"], "dt must be finite and > 0"),
        (["run", "lif", "--backend", "nope"], "unknown backend"),
    ],
)
def test_errors_are_one_line_with_status_2(argv, message, capsys):
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "refsnn", "run", "lif", "--neurons", "10",
                           "--steps", "10"], capture_output=True, text=True, check=True)
    assert "model     lif" in done.stdout
