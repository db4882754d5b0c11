"""What each recorded request was meant to be, written into the recording for the default replay.

The default replay re-judges recorded exchanges without regenerating them, so the recording must say
what generation knew and the exchange alone does not: the operation a case tested, whether the request
was meant to be valid (must be accepted) or invalid as sent (must be rejected), whether it was a
request-shape probe whose status says nothing, and the verdicts of the checks that depend on state or
on extra requests (use after free, resource availability, ignored auth, undeclared methods, missing
headers). Notes are keyed by the interaction's position in the cassette (`conformance` key of each
interaction); every interaction without one is `setup` (schemathesis's capability probes, token fetches).

Recording side only: this module imports schemathesis, and the replay never imports it.
"""

from __future__ import annotations

from typing import Any

from schemathesis.generation.meta import CONTENT_TYPE_PROBES, REQUEST_SHAPE_PROBES, coverage_scenario

from conformance.checks.expectations import NEGATIVE_EXPECTED, RE_DERIVED_CHECKS, positive_expected, status_in

TESTCASE_HEADER = "x-schemathesis-testcaseid"


class IntentRecorder:
    """Notes for a VCR cassette being recorded; `notes` is the dict the persister writes from."""

    def __init__(
        self, cassette: Any, notes: dict[int, dict[str, Any]], semantic_rejections: tuple[int, ...] = ()
    ) -> None:
        self._cassette = cassette
        self._semantic_rejections = semantic_rejections
        self.notes = notes
        self._scanned = 0
        self._by_case: dict[str, list[int]] = {}

    def _scan(self) -> None:
        data = self._cassette.data
        for position in range(self._scanned, len(data)):
            request = data[position][0]
            case_id = _header(request.headers, TESTCASE_HEADER)
            if case_id:
                self._by_case.setdefault(case_id, []).append(position)
        self._scanned = len(data)

    def case(self, case_id: str, case: Any, operation_id: str, interaction: Any, checks: list[Any]) -> None:
        """One schemathesis case: its main exchange, and the check requests it sent with the same id."""
        self._scan()
        ids = dict.fromkeys((case_id, case.id))
        positions = [p for i in ids for p in self._by_case.get(i, []) if p not in self.notes]
        if not positions or interaction is None:
            return
        main = _main_position(self._cassette.data, positions, interaction.request)
        status = interaction.response.status_code if interaction.response is not None else None
        failed = {check.name: check.failure_info.failure for check in checks if check.failure_info is not None}
        note: dict[str, Any] = {"role": "case", "case": case_id, "operation": operation_id}
        meta = case._meta  # reading `case.meta` would revalidate the case
        if meta is not None:
            note["phase"] = str(meta.phase.name.value)
            note["mode"] = str(meta.generation.mode.value)
        scenario = coverage_scenario(case)
        if scenario in REQUEST_SHAPE_PROBES:
            note["meant"] = "shape_probe"
            if scenario in CONTENT_TYPE_PROBES:
                note["content_type_probe"] = True
        elif meta is not None and status is not None:
            note["meant"] = self._meant(note["mode"], status, failed)
        carried = {
            name: {"title": str(getattr(f, "title", name)), "message": str(getattr(f, "message", "") or "")}
            for name, f in failed.items()
            # A server error answering a content-type probe is judged against the probe's own expectations.
            if name not in RE_DERIVED_CHECKS or (name == "not_a_server_error" and note.get("content_type_probe"))
        }
        if carried:
            note["recorded_verdicts"] = carried
        self.notes[main] = note
        for position in positions:
            if position != main:
                self.notes[position] = {"role": "check_request", "case": case_id, "operation": operation_id}

    def finish(self) -> None:
        """A generated request no scenario claimed is still judged, on its response alone."""
        self._scan()
        for positions in self._by_case.values():
            for position in positions:
                self.notes.setdefault(position, {"role": "case"})

    def _meant(self, mode: str, status: int, failed: dict[str, Any]) -> str:
        """`invalid` (must be rejected), `valid` (must be accepted) or `unjudged` (acceptance not decidable).

        schemathesis exempts some generated requests (a negation lost in serialization, a token endpoint
        refusing unknown credentials); when the recorded status would have failed the check and the check
        passed, the request was exempt and stays unjudged.
        """
        if mode == "negative":
            rejected = status_in(status, NEGATIVE_EXPECTED)
            return "invalid" if rejected or "negative_data_rejection" in failed else "unjudged"
        accepted = status_in(status, positive_expected(self._semantic_rejections))
        return "valid" if accepted or "positive_data_acceptance" in failed else "unjudged"

    def auth_probe(self, operation_id: str, before: int) -> None:
        """Requests sent without credentials since the cassette held `before` interactions."""
        for position in range(before, len(self._cassette.data)):
            self.notes[position] = {"role": "auth_probe", "operation": operation_id}

    def __len__(self) -> int:
        return len(self._cassette.data)


def _header(headers: Any, name: str) -> str | None:
    for key, value in dict(headers).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else str(value)
    return None


def _main_position(data: list[Any], positions: list[int], request: Any) -> int:
    """The position whose request is the case's own (checks resend it with other credentials)."""
    for position in positions:
        recorded = data[position][0]
        if recorded.method == request.method and recorded.uri == request.uri and _same_body(recorded.body, request):
            return position
    return positions[0]


def _same_body(recorded: Any, request: Any) -> bool:
    sent = getattr(request, "body", None)
    if isinstance(sent, str):
        sent = sent.encode()
    if isinstance(recorded, str):
        recorded = recorded.encode()
    return (recorded or b"") == (sent or b"")
