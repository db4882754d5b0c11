"""The classification rules: every kind of change, and whether it breaks a client.

Rule ids and levels follow oasdiff's checker (`oasdiff checks`): its ERR and WARN levels are
`breaking` here and its INFO level is `non_breaking`, which is also how interfaces.md grades
findings (a removed or retyped field, a null where none was, an unknown enum value, a vanished
success status break a client; an added field or a new optional input does not). Where oasdiff has
no rule (values observed in cassettes, a security scheme redefined) the rule says why it is graded
as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.findings import Severity

BREAKING = Severity.BREAKING
NON_BREAKING = Severity.NON_BREAKING


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


_TABLE: tuple[Rule, ...] = (
    # -- operations
    Rule("api-removed-without-deprecation", BREAKING, "an operation was removed"),
    Rule("api-removed-with-deprecation", NON_BREAKING, "a deprecated operation was removed"),
    Rule("endpoint-added", NON_BREAKING, "an operation was added"),
    Rule("api-operation-id-changed", NON_BREAKING, "an operationId changed (generated clients rename a method)"),
    # -- security (oasdiff: removing a requirement or adding a scope narrows who may call)
    Rule("api-security-removed", BREAKING, "a security requirement clients satisfied was removed"),
    Rule("api-security-added", NON_BREAKING, "an alternative security requirement was added"),
    Rule("api-security-required", BREAKING, "an operation callable without credentials now requires them"),
    Rule("api-security-scope-added", BREAKING, "a security requirement needs a new scope"),
    Rule("api-security-scope-removed", NON_BREAKING, "a security requirement needs one scope less"),
    # Not an oasdiff rule (it reports scheme edits as INFO): clients configured for the old scheme fail.
    Rule("security-scheme-changed", BREAKING, "a security scheme in use was redefined"),
    # -- parameters
    Rule("new-required-request-parameter", BREAKING, "a required parameter was added"),
    Rule("new-optional-request-parameter", NON_BREAKING, "an optional parameter was added"),
    Rule("request-parameter-removed", BREAKING, "a parameter was removed (oasdiff WARN)"),
    Rule("request-parameter-became-required", BREAKING, "an optional parameter became required"),
    Rule("request-parameter-became-optional", NON_BREAKING, "a required parameter became optional"),
    Rule("request-parameter-type-changed", BREAKING, "a parameter's type changed"),
    Rule("request-parameter-type-generalized", NON_BREAKING, "a parameter accepts more types"),
    Rule("request-parameter-enum-value-removed", BREAKING, "a parameter no longer accepts a value"),
    Rule("request-parameter-enum-value-added", NON_BREAKING, "a parameter accepts a new value"),
    Rule("request-parameter-became-enum", BREAKING, "a free parameter now accepts only listed values"),
    # -- request bodies
    Rule("added-required-request-body", BREAKING, "a required request body was added"),
    Rule("added-optional-request-body", NON_BREAKING, "an optional request body was added"),
    Rule("request-body-removed", BREAKING, "the request body was removed"),
    Rule("request-body-became-required", BREAKING, "the request body became required"),
    Rule("request-body-became-optional", NON_BREAKING, "the request body became optional"),
    Rule("request-body-media-type-removed", BREAKING, "a request media type is no longer accepted"),
    Rule("request-body-media-type-added", NON_BREAKING, "a request media type is accepted"),
    Rule("new-required-request-property", BREAKING, "a required request field was added"),
    Rule("new-optional-request-property", NON_BREAKING, "an optional request field was added"),
    Rule("request-property-removed", BREAKING, "a request field was removed (oasdiff WARN)"),
    Rule("request-property-became-required", BREAKING, "an optional request field became required"),
    Rule("request-property-became-optional", NON_BREAKING, "a required request field became optional"),
    Rule("request-property-type-changed", BREAKING, "a request field's type changed"),
    Rule("request-property-type-generalized", NON_BREAKING, "a request field accepts more types"),
    Rule("request-property-enum-value-removed", BREAKING, "a request field no longer accepts a value"),
    Rule("request-property-enum-value-added", NON_BREAKING, "a request field accepts a new value"),
    Rule("request-property-became-enum", BREAKING, "a free request field now accepts only listed values"),
    Rule("request-property-became-not-nullable", BREAKING, "a request field no longer accepts null"),
    Rule("request-property-became-nullable", NON_BREAKING, "a request field accepts null"),
    # -- responses: statuses, media types, headers
    Rule("response-success-status-removed", BREAKING, "a success status is no longer returned"),
    Rule("response-success-status-added", NON_BREAKING, "a new success status is returned"),
    Rule("response-non-success-status-removed", NON_BREAKING, "an error status is no longer returned"),
    Rule("response-non-success-status-added", NON_BREAKING, "a new error status is returned"),
    Rule("response-media-type-removed", BREAKING, "a response media type is no longer returned"),
    Rule("response-media-type-added", NON_BREAKING, "a new response media type is returned"),
    # Observed headers: one sent with every response and documented counts as required.
    Rule("required-response-header-removed", BREAKING, "a required (or documented, always-sent) header vanished"),
    Rule("optional-response-header-removed", NON_BREAKING, "an optional (or undocumented) header vanished"),
    Rule("response-header-added", NON_BREAKING, "a response header appeared"),
    # -- response bodies
    Rule("response-required-property-removed", BREAKING, "a required or always-present response field vanished"),
    Rule("response-optional-property-removed", NON_BREAKING, "an optional response field vanished"),
    Rule("response-property-became-optional", BREAKING, "an always-present response field is now sometimes absent"),
    Rule("response-property-became-required", NON_BREAKING, "an optional response field became required"),
    Rule("response-property-added", NON_BREAKING, "a response field appeared"),
    Rule("response-property-type-changed", BREAKING, "a response field's type changed"),
    Rule("response-property-type-specialized", NON_BREAKING, "a response field has fewer possible types"),
    Rule("response-property-became-nullable", BREAKING, "a response field is null where it never was"),
    Rule("response-property-became-not-nullable", NON_BREAKING, "a response field is no longer nullable"),
    Rule("response-property-enum-value-added", BREAKING, "a response field has an enum value clients do not know"),
    Rule("response-property-enum-value-removed", NON_BREAKING, "a response field no longer takes a value"),
    # Observed only: a new value of a field the spec types as a free string, e.g. a new currency.
    # Clients written against the spec cannot switch on it exhaustively, so nothing breaks.
    Rule("response-property-value-added", NON_BREAKING, "a low-cardinality response field has a new value"),
    Rule("response-property-value-removed", NON_BREAKING, "a low-cardinality response field lost a value"),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}


def severity_of(rule_id: str) -> Severity:
    return RULES[rule_id].severity
