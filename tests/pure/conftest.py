"""Tests here need no database or app; they override the database transaction fixture."""

import pytest


@pytest.fixture(autouse=True)
def _transaction():
    yield
