"""Schools and oversight units: home pages, the switcher, health."""
