"""Route modules: pages (HTML) and api (JSON)."""
