"""Specs: loading and validating a provider's OpenAPI spec, where a schema is, and strict JSON Schema validation."""
