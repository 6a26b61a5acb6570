"""The plots module draws without pyplot: importing it leaves the user's matplotlib backend alone."""

import subprocess
import sys


def test_importing_plots_keeps_the_backend_and_writes_pngs(tmp_path):
    probe = (
        "import sys, matplotlib\n"
        "matplotlib.use('svg')\n"
        "import numpy as np\n"
        "from fingan.validation.plots import plot_toy_samples\n"
        f"plot_toy_samples(np.random.default_rng(0).normal(size=(50, 2)), np.zeros((5, 2)), r'{tmp_path / 'x.png'}')\n"
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["svg", "False"]
    assert (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
