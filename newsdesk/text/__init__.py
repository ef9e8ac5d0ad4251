"""Text handling for Chinese finance news: normalisation, segmentation, tickers, shingles."""
