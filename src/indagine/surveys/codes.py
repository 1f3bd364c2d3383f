"""The stable codes of what the surveys app refuses (docs/codes.md), and its error."""

from __future__ import annotations

from indagine.web.refusals import Code, Refused


class SurveyCode(Code):
    BAD_SLUG = "SURVEY_BAD_SLUG"
    EXISTS = "SURVEY_EXISTS", 409
    NO_FORM = "SURVEY_NO_FORM", 409
    CLOSING_IN_PAST = "SURVEY_CLOSING_IN_PAST"
    HAS_RESPONSES = "SURVEY_HAS_RESPONSES", 409
    BAD_DATE = "SURVEY_BAD_DATE"
    BAD_RETENTION = "SURVEY_BAD_RETENTION"
    FORM_REJECTED = "FORM_REJECTED"
    LOGIN_RATE_LIMITED = "LOGIN_RATE_LIMITED", 429
    NO_SUCH_USER = "SURVEY_NO_SUCH_USER", 404
    BAD_RIGHT = "SURVEY_BAD_RIGHT"
    BAD_COLOUR = "SITE_BAD_COLOUR"
    LOW_CONTRAST = "SITE_LOW_CONTRAST"
    BAD_LOGO = "SITE_BAD_LOGO"
    EXPORT_SUFFIX = "SURVEY_EXPORT_SUFFIX"  # forms export -o FILE.xlsx of a form with images
    EDIT_CONFLICT = "SURVEY_EDIT_CONFLICT", 409  # the editor's page was drawn before a change
    EDIT_GONE = "SURVEY_EDIT_GONE", 409  # the question changed is no longer there
    EDIT_NAME = "SURVEY_EDIT_NAME"  # a question's name that is not valid or is taken
    EDIT_CONDITION = "SURVEY_EDIT_CONDITION"  # a condition that reads a later question
    EDIT_CHECK = "SURVEY_EDIT_CHECK"  # a check's least or most that is not a number
    NOT_AN_EDITION = "EDITION_NONE", 409  # matching asked of a survey that follows none
    BAD_MATCH = "EDITION_BAD_MATCH"  # a question matched with one the earlier edition lacks
    EDITION_CSV = "EDITION_CSV"  # an earlier edition's tables that cannot be read
    EDITION_LABEL = "EDITION_LABEL"  # an edition's label too long, or another's already
    EDIT_TEXT = "SURVEY_EDIT_TEXT"  # a label left empty or too long, a type not offered
    EDIT_DROP = "SURVEY_EDIT_DROP"  # a page dropped in a page, a question outside any page
    NO_LANGUAGE = "SURVEY_NO_LANGUAGE"  # a survey started from scratch in no language
    BAD_BENCHMARK = "SURVEY_BAD_BENCHMARK"  # a benchmark group or minimum that cannot be
    NO_TITLE = "SURVEY_NO_TITLE"  # a survey started from scratch without a title
    NO_TEMPLATE = "SURVEY_NO_TEMPLATE", 404  # a template or a survey to copy that is not there
    NO_CHANGE = "SURVEY_NO_CHANGE", 409  # nothing to undo, or to make a new version of
    REPEAT_MOVED = "SURVEY_REPEAT_MOVED", 409  # a question moved into or out of a repeat
    TYPE_CHANGED = "SURVEY_TYPE_CHANGED", 409  # an answered question's answers read otherwise


class SurveyError(Refused):
    """An organiser's action refused, with a stable code; nothing of it is done."""
