"""`conformance judge`: recordings a user already has (VCR.py cassettes, HAR files) judged like the replay."""
