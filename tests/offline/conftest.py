"""The offline tests start, like the care tests, from a school with no care record yet."""

from tests.care.conftest import without_demo_care  # noqa: F401 - a fixture shared by name
