"""``fingan bench returns-periods``: the split's periods and the validation score (see fingan.bench.returns_periods)."""

import sys

from fingan.bench.returns_periods import main

if __name__ == "__main__":
    sys.exit(main())
