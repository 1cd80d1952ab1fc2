"""Care work: pairings, talks, home visits, parent contacts."""
