"""The default replay: recorded exchanges re-judged against the current specs, with no generation.

`conformance run` (target replay) reads each recorded interaction, finds its operation in the current
spec, and applies every response-side judgement a live run applies; the workflows re-run their
invariants over the recorded sequences. `--replay exact` regenerates instead (conformance.engine).
"""
