"""Core: the words and tools every layer uses and that know no layer above (refs, kinds, pointers, safe YAML,
the secret registry, atomic writes, exit codes, the clean-up ledger, the replay cache, form bodies)."""
