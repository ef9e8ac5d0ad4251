"""Publishing: render approved drafts per channel and send them exactly once."""
