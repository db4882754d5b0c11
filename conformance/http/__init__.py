"""HTTP hardening: the one transport to a provider (auth, rate limits, capped and bounded responses)."""
