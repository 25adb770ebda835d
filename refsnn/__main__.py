"""``python -m refsnn`` runs the command-line interface."""

from refsnn.cli import main

raise SystemExit(main())
