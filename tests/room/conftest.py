"""Fixtures of the children's home tests: the duty engine's school of its own, for the visits
that count toward the activity duty."""

from tests.care.test_duties import cast, school  # noqa: F401 - fixtures shared with the engine's tests
