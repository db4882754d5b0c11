"""The findings document: the model findings.json is, the context reports read from it, the cross-provider
field map and baselines compared against it."""
