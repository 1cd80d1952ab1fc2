"""Oversight: what the central school and the county see of the schools below them."""
