"""`python -m conformance` is the `conformance` command."""

from conformance.entry import main

main()
