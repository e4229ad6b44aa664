import gc

import pytest

from sspr_audit import gc_pause


@pytest.fixture
def restore_collector():
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_afterwards(enabled, restore_collector):
    gc.enable() if enabled else gc.disable()
    with gc_pause.paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled


def test_the_collector_comes_back_when_the_block_fails(restore_collector):
    gc.enable()
    with pytest.raises(RuntimeError), gc_pause.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
