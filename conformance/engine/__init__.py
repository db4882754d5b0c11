"""The conformance engine: schemathesis-driven generation and checks, turned into findings."""
