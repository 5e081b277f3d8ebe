"""``python -m kgraph`` runs the command-line interface."""

import sys

from kgraph.cli import main

sys.exit(main())
