"""The classification rules: every kind of change, its oasdiff check id and its level.

Ids and levels follow oasdiff's checker (`oasdiff checks`, its rule table in checker/rules.go and
the ids of checker/localizations_src/en/messages.yaml): ERR is a definite break, WARN a probable
one, INFO a change that breaks no client written against the old version. How a level becomes a
finding's severity is `conformance.drift.grading.Grading`: by default, as interfaces.md grades
findings, ERR and WARN are `breaking` and INFO is `non_breaking`. Rules marked `oasdiff=False` have
no oasdiff counterpart (values observed in cassettes, object parameters outside headers); their
summary says why they are graded as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.core.kinds import Severity
from conformance.drift.levels import ERR, INFO, WARN, Level, severity_at


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    summary: str
    oasdiff: bool = True

    @property
    def severity(self) -> Severity:
        return severity_at(self.level) or Severity.NON_BREAKING


def _bounds(prefix: str, request: bool) -> list[Rule]:
    """Numeric, length and item-count bounds of something sent (`request`) or received."""
    rules = []
    uppers = (
        ("max", "maximum"),
        ("exclusive-max", "exclusive maximum"),
        ("max-length", "maxLength"),
        ("max-items", "maxItems"),
    )
    lowers = (
        ("min", "minimum"),
        ("exclusive-min", "exclusive minimum"),
        ("min-length", "minLength"),
        ("min-items", "minItems"),
    )
    # oasdiff has a `-set` check for these bounds only (a minLength set counts as raised from 0).
    settable = {"max", "exclusive-max", "max-length", "min", "exclusive-min", "min-items"}
    if prefix != "request-parameter":
        settable.add("max-items")
    for (bound, noun), upper in [*((b, True) for b in uppers), *((b, False) for b in lowers)]:
        tighter, looser = ("decreased", "increased") if upper else ("increased", "decreased")
        if request:
            rules += [
                Rule(f"{prefix}-{bound}-{tighter}", ERR, f"a {noun} was tightened: values once accepted are refused"),
                Rule(f"{prefix}-{bound}-{looser}", INFO, f"a {noun} was loosened or removed"),
            ]
            if bound in settable:
                rules.append(Rule(f"{prefix}-{bound}-set", ERR, f"a {noun} was set where there was none"))
        else:
            rules.append(Rule(f"{prefix}-{bound}-{looser}", ERR, f"a {noun} was loosened or removed: new values come"))
    if not request:
        rules += [
            Rule(f"{prefix}-max-length-unset", ERR, "a maxLength was removed: longer values may come"),
            Rule(f"{prefix}-min-items-unset", ERR, "a minItems was removed: shorter arrays may come"),
        ]
    return rules


def _patterns(prefix: str, request: bool) -> list[Rule]:
    return [
        Rule(f"{prefix}-pattern-added", ERR if request else INFO, "a pattern was added"),
        Rule(f"{prefix}-pattern-removed", INFO if request else ERR, "a pattern was removed"),
        Rule(f"{prefix}-pattern-changed", WARN, "a pattern changed (whether it widens cannot be told)"),
    ]


def _compositions(prefix: str, request: bool) -> list[Rule]:
    rules = []
    for keyword in ("one-of", "any-of"):
        # A new alternative widens: harmless to senders, news to receivers.
        rules += [
            Rule(f"{prefix}-{keyword}-added", INFO if request else ERR, f"a {keyword} alternative was added"),
            Rule(f"{prefix}-{keyword}-removed", ERR if request else INFO, f"a {keyword} alternative was removed"),
        ]
    rules += [
        Rule(f"{prefix}-all-of-added", ERR if request else INFO, "an allOf member was added (a new constraint)"),
        Rule(f"{prefix}-all-of-removed", INFO if request else ERR, "an allOf member was removed"),
    ]
    return rules


_TABLE: list[Rule] = [
    # -- webhooks (events the provider posts; a handler receives them as a client receives a response)
    Rule("webhook-removed", ERR, "an event is no longer sent: a handler waiting for it never hears", oasdiff=False),
    Rule("webhook-added", INFO, "a new event is sent (handlers ignore what they do not know)", oasdiff=False),
    Rule("webhook-media-type-removed", INFO, "an event is no longer sent with this content type", oasdiff=False),
    Rule(
        "webhook-media-type-added", ERR, "an event arrives with a content type its handler never parsed", oasdiff=False
    ),
    Rule(
        "webhook-header-removed",
        ERR,
        "an event no longer carries a header (a signature a handler verifies)",
        oasdiff=False,
    ),
    Rule("webhook-header-added", INFO, "an event carries a new optional header", oasdiff=False),
    Rule("webhook-required-header-added", INFO, "an event carries a new header (a handler ignores it)", oasdiff=False),
    # -- operations and paths
    Rule("endpoint-added", INFO, "an operation was added"),
    Rule("api-removed-without-deprecation", ERR, "an operation was removed without being deprecated first"),
    Rule("api-removed-with-deprecation", INFO, "a deprecated operation was removed (after its sunset, if any)"),
    Rule("api-removed-before-sunset", ERR, "a deprecated operation was removed before its x-sunset date"),
    Rule("api-path-removed-without-deprecation", ERR, "a path and its operations were removed without deprecation"),
    Rule("api-path-removed-with-deprecation", INFO, "a deprecated path was removed"),
    Rule("api-path-removed-before-sunset", ERR, "a deprecated path was removed before its x-sunset date"),
    Rule(
        "api-operation-id-removed", INFO, "an operationId was removed or replaced (generated clients rename a method)"
    ),
    Rule("api-operation-id-added", INFO, "an operationId was added"),
    # -- deprecation and sunset
    Rule("endpoint-deprecated", INFO, "an operation was deprecated"),
    Rule("endpoint-deprecated-with-sunset", INFO, "an operation was deprecated with an x-sunset date"),
    Rule("endpoint-reactivated", INFO, "a deprecated operation is no longer deprecated"),
    Rule("api-deprecated-sunset-parse", ERR, "an x-sunset date cannot be read"),
    Rule("api-path-sunset-parse", ERR, "a removed path's x-sunset date cannot be read"),
    Rule("sunset-deleted", ERR, "a deprecated operation lost its x-sunset date"),
    Rule("api-sunset-date-changed-too-small", ERR, "a deprecated operation's x-sunset moved earlier"),
    Rule("request-parameter-deprecated", INFO, "a parameter was deprecated"),
    Rule("request-parameter-reactivated", INFO, "a deprecated parameter is no longer deprecated"),
    Rule("request-parameter-sunset-parse", ERR, "a parameter's x-sunset date cannot be read"),
    Rule("request-parameter-sunset-deleted", ERR, "a deprecated parameter lost its x-sunset date"),
    Rule("request-parameter-sunset-date-changed-too-small", ERR, "a deprecated parameter's x-sunset moved earlier"),
    Rule("request-property-deprecated", INFO, "a request field was deprecated"),
    Rule("request-property-reactivated", INFO, "a deprecated request field is no longer deprecated"),
    Rule("response-property-deprecated", INFO, "a response field was deprecated"),
    Rule("response-property-reactivated", INFO, "a deprecated response field is no longer deprecated"),
    # -- security (oasdiff today: removing a requirement or adding a scope narrows who may call)
    Rule("api-security-removed", ERR, "a security requirement clients satisfied was removed"),
    Rule("api-security-added", INFO, "an alternative security requirement was added"),
    Rule("api-security-scope-added", ERR, "a security requirement needs a new scope"),
    Rule("api-security-scope-removed", INFO, "a security requirement needs one scope less"),
    Rule("api-global-security-removed", ERR, "a top-level security requirement was removed"),
    Rule("api-global-security-added", INFO, "a top-level alternative security requirement was added"),
    Rule("api-global-security-scope-added", ERR, "a top-level security requirement needs a new scope"),
    Rule("api-global-security-scope-removed", INFO, "a top-level security requirement needs one scope less"),
    # Newer oasdiff ids; a client without credentials is refused, so graded like api-security-removed.
    Rule("api-security-anonymous-access-removed", ERR, "an operation callable without credentials now requires them"),
    Rule("api-security-anonymous-access-added", INFO, "an operation now accepts calls without credentials"),
    # oasdiff grades every change of components.securitySchemes INFO.
    Rule("api-security-component-type-changed", INFO, "a security scheme's type changed"),
    Rule("api-security-component-oauth-url-changed", INFO, "an OAuth authorization URL changed"),
    Rule("api-security-component-oauth-token-url-changed", INFO, "an OAuth token URL changed"),
    Rule("api-security-component-oauth-scope-added", INFO, "an OAuth scope was defined"),
    Rule("api-security-component-oauth-scope-removed", INFO, "an OAuth scope definition was removed"),
    # -- parameters
    Rule("new-required-request-parameter", ERR, "a required parameter was added"),
    Rule("new-optional-request-parameter", INFO, "an optional parameter was added"),
    Rule("new-request-path-parameter", ERR, "a path parameter was added"),
    Rule("request-parameter-removed", WARN, "a parameter was removed without being deprecated first"),
    Rule("request-parameter-removed-with-deprecation", INFO, "a deprecated parameter was removed"),
    Rule("request-parameter-removed-before-sunset", ERR, "a deprecated parameter was removed before its x-sunset"),
    Rule("request-parameter-became-required", ERR, "an optional parameter became required"),
    Rule("request-parameter-became-optional", INFO, "a required parameter became optional"),
    Rule("request-parameter-type-changed", ERR, "a parameter's type changed"),
    Rule("request-parameter-type-generalized", INFO, "a parameter accepts more types"),
    Rule("request-parameter-enum-value-removed", ERR, "a parameter no longer accepts a value"),
    Rule("request-parameter-enum-value-added", INFO, "a parameter accepts a new value"),
    Rule("request-parameter-became-enum", ERR, "a free parameter now accepts only listed values"),
    Rule("request-parameter-became-nullable", INFO, "a parameter accepts null"),
    Rule("request-parameter-became-not-nullable", ERR, "a parameter no longer accepts null"),
    Rule("request-parameter-x-extensible-enum-value-removed", ERR, "a parameter's x-extensible-enum lost a value"),
    *_bounds("request-parameter", request=True),
    *_patterns("request-parameter", request=True),
    # Properties of object parameters (deepObject queries, JSON headers).
    Rule("request-parameter-property-type-changed", WARN, "a property of an object parameter changed type"),
    Rule("request-parameter-property-type-generalized", INFO, "a property of an object parameter accepts more types"),
    Rule("request-parameter-property-type-specialized", ERR, "a property of an object parameter accepts fewer types"),
    Rule("request-parameter-property-enum-value-removed", ERR, "a property of an object parameter lost a value"),
    Rule("request-parameter-property-enum-value-added", INFO, "a property of an object parameter accepts a new value"),
    Rule("request-parameter-property-became-nullable", INFO, "a property of an object parameter accepts null"),
    Rule("request-parameter-property-became-not-nullable", ERR, "a property of an object parameter refuses null"),
    Rule("new-required-request-header-property", ERR, "a header object parameter has a new required property"),
    Rule("request-header-property-became-required", ERR, "a header object parameter's property became required"),
    Rule("request-header-property-became-enum", ERR, "a header object parameter's property became an enum"),
    # oasdiff checks required properties of header objects only; a query object is as strict.
    Rule("new-required-request-parameter-property", ERR, "an object parameter has a new required property", False),
    Rule("request-parameter-property-became-required", ERR, "an object parameter's property became required", False),
    Rule("request-parameter-property-became-enum", ERR, "an object parameter's property became an enum", False),
    # -- request bodies
    Rule("request-body-added-required", ERR, "a required request body was added"),
    Rule("request-body-added-optional", INFO, "an optional request body was added"),
    Rule("request-body-removed", ERR, "the request body was removed"),
    Rule("request-body-became-required", ERR, "the request body became required"),
    Rule("request-body-became-optional", INFO, "the request body became optional"),
    Rule("request-body-media-type-removed", ERR, "a request media type is no longer accepted"),
    Rule("request-body-media-type-added", INFO, "a request media type is accepted"),
    Rule("request-body-type-changed", ERR, "the request body's type changed"),
    Rule("request-body-type-generalized", INFO, "the request body accepts more types"),
    Rule("request-body-became-enum", ERR, "the request body now accepts only listed values"),
    Rule("request-body-enum-value-removed", ERR, "the request body no longer accepts a value"),
    Rule("request-body-became-nullable", INFO, "the request body accepts null"),
    Rule("request-body-became-not-nullable", ERR, "the request body no longer accepts null"),
    Rule("request-body-wrapped-in-one-of", ERR, "the request body was restructured into a oneOf"),
    *_bounds("request-body", request=True),
    *_compositions("request-body", request=True),
    Rule("new-required-request-property", ERR, "a required request field was added"),
    Rule("new-optional-request-property", INFO, "an optional request field was added"),
    Rule("request-property-removed", WARN, "a request field was removed"),
    Rule("request-property-became-required", ERR, "an optional request field became required"),
    Rule("request-property-became-optional", INFO, "a required request field became optional"),
    Rule("request-property-type-changed", ERR, "a request field's type changed"),
    Rule("request-property-type-generalized", INFO, "a request field accepts more types"),
    Rule("request-property-enum-value-removed", ERR, "a request field no longer accepts a value"),
    Rule("request-property-enum-value-added", INFO, "a request field accepts a new value"),
    Rule("request-property-became-enum", ERR, "a free request field now accepts only listed values"),
    Rule("request-property-became-not-nullable", ERR, "a request field no longer accepts null"),
    Rule("request-property-became-nullable", INFO, "a request field accepts null"),
    Rule("request-property-x-extensible-enum-value-removed", ERR, "a request field's x-extensible-enum lost a value"),
    *_bounds("request-property", request=True),
    *_patterns("request-property", request=True),
    *_compositions("request-property", request=True),
    Rule("request-required-property-became-read-only", INFO, "a required request field became readOnly"),
    Rule("request-required-property-became-not-read-only", INFO, "a required request field is no longer readOnly"),
    Rule("request-optional-property-became-read-only", INFO, "an optional request field became readOnly"),
    Rule("request-optional-property-became-not-read-only", INFO, "an optional request field is no longer readOnly"),
    Rule("request-required-property-became-write-only", INFO, "a required request field became writeOnly"),
    Rule("request-required-property-became-not-write-only", INFO, "a required request field is no longer writeOnly"),
    Rule("request-optional-property-became-write-only", INFO, "an optional request field became writeOnly"),
    Rule("request-optional-property-became-not-write-only", INFO, "an optional request field is no longer writeOnly"),
    # -- responses: statuses, media types, headers
    Rule("response-success-status-removed", ERR, "a success status is no longer returned"),
    Rule("response-success-status-added", INFO, "a new success status is returned"),
    Rule("response-non-success-status-removed", INFO, "an error status is no longer returned"),
    Rule("response-non-success-status-added", INFO, "a new error status is returned"),
    Rule("response-media-type-removed", ERR, "a response media type is no longer returned"),
    Rule("response-media-type-added", INFO, "a new response media type is returned"),
    Rule("response-media-type-name-changed", INFO, "a response media type's parameters changed (`; charset=...`)"),
    # Observed headers: one sent with every response and documented counts as required.
    Rule("required-response-header-removed", ERR, "a required (or documented, always-sent) header vanished"),
    Rule("optional-response-header-removed", WARN, "an optional response header is no longer documented"),
    Rule("response-header-added", INFO, "a response header appeared"),
    Rule("response-header-became-optional", ERR, "a required response header became optional"),
    # -- response bodies
    Rule("response-required-property-removed", ERR, "a required or always-present response field vanished"),
    Rule("response-optional-property-removed", INFO, "an optional response field vanished"),
    Rule("response-property-became-optional", ERR, "an always-present response field is now sometimes absent"),
    Rule("response-property-became-required", INFO, "an optional response field became required"),
    Rule("response-optional-property-added", INFO, "an optional response field was documented"),
    Rule("response-required-property-added", INFO, "a required response field was documented"),
    Rule("response-property-type-changed", ERR, "a response field's type changed"),
    Rule("response-property-type-generalized", ERR, "a response field may come as more types"),
    Rule("response-property-type-specialized", INFO, "a response field has fewer possible types"),
    Rule("response-body-type-changed", ERR, "the response body's type changed"),
    Rule("response-body-type-generalized", ERR, "the response body may come as more types"),
    Rule("response-body-type-specialized", INFO, "the response body has fewer possible types"),
    Rule("response-property-became-nullable", ERR, "a response field is null where it never was"),
    Rule("response-property-became-not-nullable", INFO, "a response field is no longer nullable"),
    Rule("response-body-became-nullable", ERR, "the response body may be null"),
    Rule("response-body-became-not-nullable", INFO, "the response body is no longer nullable"),
    Rule("response-property-enum-value-added", WARN, "a response field has an enum value clients do not know"),
    Rule("response-property-enum-value-removed", INFO, "a response field no longer takes a value"),
    Rule("response-body-wrapped-in-one-of", ERR, "the response body was restructured into a oneOf"),
    *_bounds("response-body", request=False),
    *_bounds("response-property", request=False),
    *_patterns("response-property", request=False),
    *_compositions("response-body", request=False),
    *_compositions("response-property", request=False),
    Rule("response-required-property-became-not-write-only", WARN, "a required response field is no longer writeOnly"),
    Rule("response-required-property-became-write-only", INFO, "a required response field became writeOnly"),
    Rule("response-required-property-became-read-only", INFO, "a required response field became readOnly"),
    Rule("response-required-property-became-not-read-only", INFO, "a required response field is no longer readOnly"),
    Rule("response-optional-property-became-write-only", INFO, "an optional response field became writeOnly"),
    Rule("response-optional-property-became-not-write-only", INFO, "an optional response field is no longer writeOnly"),
    Rule("response-optional-property-became-read-only", INFO, "an optional response field became readOnly"),
    Rule("response-optional-property-became-not-read-only", INFO, "an optional response field is no longer readOnly"),
    # -- observed only (cassette drift)
    Rule("response-property-added", INFO, "a response field appeared in recorded responses", False),
    # A header not documented as required, or not sent with every response, was never promised.
    Rule(
        "observed-optional-response-header-removed", INFO, "a recorded optional or undocumented header vanished", False
    ),
    # A new value of a field the spec types as a free string, e.g. a new currency. Clients written
    # against the spec cannot switch on it exhaustively, so nothing breaks.
    Rule("response-property-value-added", INFO, "a low-cardinality response field has a new value", False),
    Rule("response-property-value-removed", INFO, "a low-cardinality response field lost a value", False),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}


def level_of(rule_id: str) -> Level:
    return RULES[rule_id].level


def severity_of(rule_id: str) -> Severity:
    return RULES[rule_id].severity
