"""The workspace's shared fixtures (buffer_a, make_point, invoice_with_logo, own_file_area) are in
tests/fixtures/points.py; the builders they call are in tests/builders/."""

import pytest

from tests import builders


@pytest.fixture(autouse=True)
def private_file_area(own_file_area):
    """Every test here keeps its ACD files under its own tmp_path."""


@pytest.fixture
def ocr_point(world_a):
    return builders.make_ocr_point(world_a.tenant)
