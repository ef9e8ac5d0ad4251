"""Feed ingest: fetch (conditional GET, caps, SSRF guard), parse, normalise, deduplicate, store."""
