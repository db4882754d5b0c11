"""The command line, one module per command; `conformance.cli.main` assembles them.

Nothing is imported here: `conformance drift --spec` loads only its own module (conformance.entry).
"""
