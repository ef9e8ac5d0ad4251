"""Thin Prefect task wrappers over newsdesk service functions (retries, timeouts, caching)."""
