"""``python -m fingan`` runs the ``fingan`` command."""

import sys

from fingan.cli import main

sys.exit(main())
