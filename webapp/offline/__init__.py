"""Working without signal: the service worker, the outbox's endpoints, the home-visit pack."""
