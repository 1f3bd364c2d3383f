"""The stable codes of what the panel refuses (docs/codes.md), and its error."""

from __future__ import annotations

from indagine.surveys.codes import SurveyError
from indagine.web.refusals import Code


class PanelCode(Code):
    MEMBERS_UNREADABLE = "MEMBERS_UNREADABLE"
    MEMBERS_ENCODING = "MEMBERS_ENCODING"
    MEMBERS_MALFORMED = "MEMBERS_MALFORMED"
    MEMBERS_EMPTY = "MEMBERS_EMPTY"
    MEMBERS_NO_EMAIL = "MEMBERS_NO_EMAIL"
    MEMBERS_INVALID_ROWS = "MEMBERS_INVALID_ROWS"
    MEMBERS_UPLOAD = "MEMBERS_UPLOAD"
    EMAIL_WORDING = "EMAIL_WORDING"  # an email's wording that cannot be sent as written
    NOT_ACCEPTING = "SURVEY_NOT_ACCEPTING", 409
    TOKEN_UNKNOWN = "TOKEN_UNKNOWN", 404
    UNSUBSCRIBE_UNKNOWN = "UNSUBSCRIBE_UNKNOWN", 404


class PanelError(SurveyError):
    """A panel action refused (a member file, invitations of a closed survey)."""
