"""Check-in tests scan during the exhibition: their `make_event` is on today unless told otherwise
(an entry on another day answers `not_today`, tested in test_entrances.py)."""

import pytest

from tests.conftest import on_today


@pytest.fixture
def make_event(make_event):
    def factory(**overrides):
        return make_event(**{**on_today(), **overrides})

    return factory
