"""Fixtures for routing tests."""

from __future__ import annotations

import pytest

from .harness import Center


@pytest.fixture
def center() -> Center:
    return Center()
