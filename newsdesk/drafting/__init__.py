"""Drafting: briefs, prompts, providers (OpenAI-compatible, offline composer), the write/revise loop."""
