"""The `conformance` command's entry point.

`conformance drift --spec OLD NEW` runs without loading the rest of the CLI (schemathesis,
Hypothesis, every provider's spec): reviewing a spec edit should take a fraction of a second.
Everything else goes to conformance.cli.
"""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["drift"] and "--spec" in args and not {"-h", "--help"} & set(args):
        from conformance.cli.drift import drift

        drift.main(args[1:], prog_name="conformance drift")  # exits: click's standalone mode
    from conformance.cli.main import main as cli_main

    cli_main()
