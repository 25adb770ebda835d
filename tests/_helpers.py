"""Helpers several test files share (importable: pytest puts tests/ on sys.path)."""

from __future__ import annotations

from refsnn._checks import is_namedtuple
from refsnn.cli import main


def run_cli(argv, capsys):
    """``(status, stdout, stderr)`` of ``refsnn *argv``, an argparse exit included."""
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def map_leaves(tree, fn, prefix=""):
    """A copy of ``tree`` with every numeric leaf replaced by ``fn(dotted name, leaf)``."""
    values = []
    for field, value in zip(tree._fields, tree):
        if is_namedtuple(value):
            values.append(map_leaves(value, fn, f"{prefix}{field}."))
        elif callable(value) or value is None:
            values.append(value)
        else:
            values.append(fn(prefix + field, value))
    return type(tree)(*values)
