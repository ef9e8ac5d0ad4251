"""Research pages: article extraction from HTML."""
