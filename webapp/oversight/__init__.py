"""Oversight units (中心校, 县教育局): rollups of the schools below them, and the grants that let
an officer see one school's names for a while."""
