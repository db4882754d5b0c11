"""Contract coverage: what a run actually exercised of each provider's documented contract."""
