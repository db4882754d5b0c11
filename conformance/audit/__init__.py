"""The audit stage: each spec judged against its own documented examples and recorded defects."""
