"""``fingan bench window-facts``: ACF of |r| per training window and pooled (see fingan.bench.window_facts)."""

import sys

from fingan.bench.window_facts import main

if __name__ == "__main__":
    sys.exit(main())
