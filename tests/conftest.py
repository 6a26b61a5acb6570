import pytest
import torch


@pytest.fixture(autouse=True)
def _small_threads():
    """Keep tests deterministic and light on CI's two cores."""
    torch.set_num_threads(2)
    yield
