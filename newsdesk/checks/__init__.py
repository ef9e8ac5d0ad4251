"""Draft checks: originality, citations, compliance, combined into one CheckReport."""
