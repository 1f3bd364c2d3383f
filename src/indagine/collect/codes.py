"""The stable codes of what collect refuses (docs/codes.md), with their HTTP status."""

from __future__ import annotations

from indagine.web.refusals import Code


class SubmissionCode(Code):
    """A respondent's page refused whole."""

    BAD_ACTION = "SUBMISSION_BAD_ACTION"
    BAD_KEY = "SUBMISSION_BAD_KEY"
    BAD_PAGE = "SUBMISSION_BAD_PAGE"
    UNKNOWN_FIELD = "SUBMISSION_UNKNOWN_FIELD"
    ALREADY_COMPLETE = "SUBMISSION_ALREADY_COMPLETE", 409
    NOT_ACCEPTING = "SURVEY_NOT_ACCEPTING", 403
    PANEL_ONLY = "SURVEY_PANEL_ONLY", 403
    RESUME_UNKNOWN = "RESUME_UNKNOWN", 404


class TransferCode(Code):
    """Responses in (CSV, synthetic) and out (exports) refused whole."""

    SURVEY_NOT_FOUND = "SURVEY_NOT_FOUND", 404
    CSV_UNREADABLE = "CSV_UNREADABLE"
    CSV_ENCODING = "CSV_ENCODING"
    CSV_DUPLICATE_COLUMN = "CSV_DUPLICATE_COLUMN"
    CSV_MALFORMED = "CSV_MALFORMED"
    CSV_EMPTY = "CSV_EMPTY"
    CSV_INVALID_ROWS = "CSV_INVALID_ROWS"
    CSV_UNKNOWN_COLUMN = "CSV_UNKNOWN_COLUMN"
    CSV_BAD_ORDER = "CSV_BAD_ORDER"
    CSV_REPEATS = "CSV_REPEATS"  # one row per response cannot carry a repeat's instances
    DEMO_BAD_COUNT = "DEMO_BAD_COUNT"
    DEMO_INVALID = "DEMO_INVALID"
    EXPORT_BAD_FORMAT = "EXPORT_BAD_FORMAT"
    EXPORT_LABELS_FORMAT = "EXPORT_LABELS_FORMAT"


class HookCode(Code):
    """What the webhooks' page refuses (collect/hooks.py)."""

    NOT_HTTPS = "WEBHOOK_NOT_HTTPS"
    NOT_FOUND = "WEBHOOK_NOT_FOUND", 404
