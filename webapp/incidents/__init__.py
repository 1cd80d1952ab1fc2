"""Incidents and mandatory reports, the daily safety-education log, and the yearly safety and
custody agreements."""
