"""One domain error (web.refusals): codes with their HTTP status, each written in docs/codes.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from indagine.collect.codes import HookCode, SubmissionCode, TransferCode
from indagine.commands.backup import BackupCode
from indagine.commands.preflight import ServeCode
from indagine.forms.expressions.errors import CODES as EXPRESSION_CODES
from indagine.forms.issues import FormCode
from indagine.forms.messages import AnswerCode
from indagine.panel.codes import PanelCode, PanelError
from indagine.results.codes import ResultsCode
from indagine.surveys.codes import SurveyCode, SurveyError
from indagine.web.codes import RequestCode
from indagine.web.refusals import Code, Refused

ROOT = Path(__file__).parents[2]
DOCUMENTED = set(re.findall(r"`([A-Z][A-Z_]+)`", (ROOT / "docs" / "codes.md").read_text()))
APP_CODES = (
    SubmissionCode,
    TransferCode,
    HookCode,
    SurveyCode,
    PanelCode,
    ResultsCode,
    RequestCode,
    ServeCode,
    BackupCode,
)


def _every_code_enum(base: type = Code) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _every_code_enum(sub)
    return found


def test_a_code_carries_its_status_and_a_refusal_says_both():
    assert SubmissionCode.ALREADY_COMPLETE.status == 409
    assert (
        SubmissionCode.BAD_PAGE.status == 400 and SubmissionCode.BAD_PAGE == "SUBMISSION_BAD_PAGE"
    )
    refused = PanelError(PanelCode.MEMBERS_INVALID_ROWS, "Rows at fault.", ["line 3: email"])
    assert isinstance(refused, SurveyError) and isinstance(refused, Refused)
    assert (refused.status, refused.problems) == (400, ["line 3: email"])
    assert str(refused) == "MEMBERS_INVALID_ROWS: Rows at fault."
    assert Refused(SubmissionCode.BAD_KEY, "Another survey's.", status=409).status == 409
    assert Refused(AnswerCode.UNKNOWN_CHOICE, "forged").status == 400  # a core enum's code


def test_every_app_code_enum_is_known_here():
    assert _every_code_enum() == set(APP_CODES)


@pytest.mark.parametrize(
    "code",
    sorted(
        {str(c) for enum in APP_CODES for c in enum}
        | {str(c) for c in FormCode}
        | {str(c) for c in AnswerCode}
        | set(EXPRESSION_CODES)
    ),
)
def test_every_code_is_in_the_list_of_codes(code):
    assert code in DOCUMENTED, f"{code} is not in docs/codes.md"


REFUSERS = {"refusal", "wrong_link", "Refused", "SubmissionRefused", "SurveyError", "PanelError"}
REFUSERS |= {"ResultsError", "ImportRefused"}


def test_no_code_is_written_as_a_plain_string_where_a_refusal_is_made():
    """A code is a member of its app's enum, never a string typed at the place of refusal."""
    plain = []
    for path in (ROOT / "src" / "indagine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            texts = [
                a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if name in REFUSERS and any(re.fullmatch(r"[A-Z]+(_[A-Z]+)+", t.value) for t in texts):
                plain.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not plain, plain
