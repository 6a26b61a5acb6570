import os

import pytest
import torch

# commands the tests start (the CLI, notebooks, the docs build) also use one thread: the
# tests run one worker per core (pytest-xdist), so more threads would only compete
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _one_thread():
    """The tests train tiny nets: one intra-op thread is fastest and immune to a busy machine."""
    torch.set_num_threads(1)
    yield
