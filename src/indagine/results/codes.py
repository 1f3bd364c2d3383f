"""The stable codes of what the results app refuses (docs/codes.md), and its error."""

from __future__ import annotations

from indagine.web.refusals import Code, Refused


class ResultsCode(Code):
    BAD_SEGMENT = "RESULTS_BAD_SEGMENT"
    BAD_CROSSTAB = "RESULTS_BAD_CROSSTAB"
    TOO_FEW = "RESULTS_TOO_FEW", 409
    BAD_CURSOR = "RESPONSES_BAD_CURSOR"
    BAD_LIMIT = "RESPONSES_BAD_LIMIT"
    BAD_STATUS = "RESPONSES_BAD_STATUS"
    MISSING_PERMISSION = "MISSING_PERMISSION", 403


class ResultsError(Refused):
    """A figure asked for that cannot be given (a segment or crosstab that does not exist)."""
