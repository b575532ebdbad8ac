import mpmath
import pytest


@pytest.fixture(autouse=True)
def _reset_mpmath():
    """Every test starts and ends at mpmath's default precision."""
    mpmath.mp.dps = 15
    yield
    mpmath.mp.dps = 15
