"""The README's examples work as written.

* Every ```python block runs, in a fresh namespace with the repository root
  as working directory. A block that imports torch or Norse is skipped only
  when that package cannot be imported.
* Every ``refsnn ...`` command of a ```bash block (also after ``&&``) runs
  with status 0, its population shrunk to a few neurons and steps, in a
  temporary folder shared by the commands of its block (in order).
* The command-line synopsis names only options that exist.
"""

import re
import shlex
from pathlib import Path

import pytest

from refsnn.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Packages a block may need that the test environment may lack.
OPTIONAL = ("torch", "norse")
#: The largest --neurons and --steps a README command runs with here.
TINY = 20


def blocks(language: str) -> list[str]:
    """The bodies of the README's fenced blocks of ``language`` ("" for an unlabelled one)."""
    found, current, inside = [], [], None
    for line in README.splitlines(keepends=True):
        if inside is None and line.startswith("```"):
            inside, current = line[3:].strip(), []
        elif inside is not None and line.rstrip() == "```":
            if inside == language:
                found.append("".join(current))
            inside = None
        elif inside is not None:
            current.append(line)
    return found


def commands(block: str) -> list[str]:
    """The ``refsnn ...`` commands of a bash block, in order, comments removed."""
    found = []
    for line in block.splitlines():
        code = line.split(" #", 1)[0]
        found += [part.strip() for part in code.split("&&")
                  if part.strip().startswith("refsnn ")]
    return found


PYTHON = blocks("python")
#: The ``refsnn`` commands of each bash block that has some (a block's
#: commands run in order, in one folder: a later one may read an earlier one's file).
SESSIONS = [found for block in blocks("bash") if (found := commands(block))]
COMMANDS = [command for session in SESSIONS for command in session]


def test_the_readme_has_examples():
    assert len(PYTHON) >= 4
    assert "refsnn run lif --neurons 1000 --steps 1000" in COMMANDS   # the very first command


@pytest.mark.parametrize("code", PYTHON, ids=[f"python-{k}" for k in range(len(PYTHON))])
def test_python_block_runs(code, monkeypatch):
    imported = set(re.findall(r"^\s*(?:import|from)\s+(\w+)", code, re.M))
    for package in OPTIONAL:
        if package in imported:
            pytest.importorskip(package)
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})


def shrunk(argv: list[str], folder: Path) -> list[str]:
    """``argv`` with --neurons/--steps at most :data:`TINY` and --save into ``folder``."""
    out = list(argv)
    for k, word in enumerate(out[:-1]):
        if word in ("--neurons", "--steps"):
            out[k + 1] = str(min(int(out[k + 1]), TINY))
        elif word == "--save":
            out[k + 1] = str(folder / Path(out[k + 1]).name)
    if "run" in out:
        for option in ("--neurons", "--steps"):
            if option not in out:
                out += [option, str(TINY)]
    return out


@pytest.mark.parametrize("session", SESSIONS, ids=[s[0] for s in SESSIONS])
def test_refsnn_commands_run(session, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)          # files the commands write stay in the test's folder
    for command in session:
        argv = shrunk(shlex.split(command)[1:], tmp_path)
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
        assert status == 0, f"{command}: {capsys.readouterr().err}"


def test_the_synopsis_names_every_option_and_only_those(capsys):
    (synopsis,) = [block for block in blocks("") if block.startswith("refsnn run MODEL")]
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    known = set(re.findall(r"--[a-z-]+", capsys.readouterr().out.split("options:")[1]))
    named = set(re.findall(r"--[a-z-]+", synopsis))
    assert named == known - {"--help"}
