"""Fixtures of the exhibitor tests."""

import pytest

from tests.exhibitors.lead_data import make_booth


@pytest.fixture
def booth(app, make_event, make_visitor, make_exhibitor):
    """An exhibitor with lead retrieval on and its leads (lead_data.make_booth): ids."""
    return make_booth(app, make_event, make_visitor, make_exhibitor)
