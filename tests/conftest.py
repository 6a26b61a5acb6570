import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    """The tests train tiny nets: one intra-op thread is fastest and immune to a busy machine."""
    torch.set_num_threads(1)
    yield
