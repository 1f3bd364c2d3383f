"""What indagine does not serve, refused at its cell before pyxform converts the form:
locations, media, times, choices from files, and types pyxform still reads by old names.
"""

from __future__ import annotations

import re

from pyxform import aliases
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.xls2json import RE_SELECT

from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.sheets import SurveySheet
from indagine.forms.tree import METADATA, TYPES

_UNSUPPORTED = re.compile(
    r"^(geopoint|geotrace|geoshape|start-geopoint|audio|video|barcode"
    r"|background-audio|select[ _]one[ _]from[ _]file"
    r"|select[ _]multiple[ _]from[ _]file"
    r"|select_one_external|select one external|trigger|xml-external"
    r"|csv-external|osm|begin[ _]loop)\b",
    re.IGNORECASE,
)

_REFUSED_MESSAGE = (
    "The question type '{}' is not supported by indagine (locations, audio, video and "
    "choices from files are not). Remove the row or change its type."
)
_OLD_NAME_MESSAGE = (
    "The question type '{}' is not supported by indagine: use text, integer, decimal, range, "
    "date, note, calculate, select_one or select_multiple."
)


def refuse_unsupported(sheet: SurveySheet) -> list[FormIssue]:
    """Each row of a type indagine does not serve, and an external_choices sheet."""
    issues = []
    for row, cells in sheet.numbered():
        kind, name = str(cells.get("type", "")).strip(), str(cells.get("name", ""))
        if _UNSUPPORTED.match(kind) or _is_other_pyxform_type(kind, name):
            text = _REFUSED_MESSAGE if _UNSUPPORTED.match(kind) else _OLD_NAME_MESSAGE
            issues.append(sheet.at(FormCode.UNSUPPORTED_TYPE, text.format(kind), row, "type"))
    if getattr(sheet.workbook, "external_choices", None):
        issues.append(
            FormIssue(
                FormCode.EXTERNAL_CHOICES,
                "External choices are not supported: move the lists to the 'choices' sheet.",
                Severity.ERROR,
                "external_choices",
            )
        )
    return issues


def _is_other_pyxform_type(kind: str, name: str) -> bool:
    """A type pyxform reads that is none of indagine's, nor metadata: its old names ('gps',
    'q string', 'start time'). Found on the sheet, so listed even when pyxform refuses."""
    select = RE_SELECT.search(kind)
    if select is not None:
        kind = aliases.select[select.group("select_command")]
    kind = aliases._type_alias_map.get(kind, kind)
    if kind in TYPES or kind in METADATA or name in METADATA:
        return False
    return kind in QUESTION_TYPE_DICT
