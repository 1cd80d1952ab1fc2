"""The offline tests start, like the care tests, from a school with no care record yet; the
duty engine's school of its own serves the tests of when an entry kept offline counts."""

from tests.care.conftest import without_demo_care  # noqa: F401 - a fixture shared by name
from tests.care.test_duties import cast, school  # noqa: F401 - fixtures shared with the engine's tests
