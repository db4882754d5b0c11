"""invoice-conformance: contract and conformance tests for payment providers' invoice APIs."""

__version__ = "0.1.0"
