"""Root fixtures. gevent is patched before anything else is imported."""

from ukm_actors.runtime import patch

patch()

import logging  # noqa: E402

import pytest  # noqa: E402

logging.getLogger("pykka").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _no_leftover_actors():
    """Every test starts and ends with no live actors."""
    import pykka

    yield
    leftover = pykka.ActorRegistry.get_all()
    pykka.ActorRegistry.stop_all(block=True, timeout=10)
    assert not leftover, f"actors left running: {leftover}"
