"""Cassettes: where they live, how they are scrubbed, written atomically and replayed with VCR.py."""
