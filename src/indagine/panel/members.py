"""Reading a member list (CSV or XLSX) into validated rows, each with its line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from indagine.panel.codes import PanelCode, PanelError

CORE = ("email", "name", "organisation")
ALIASES = {
    "e-mail": "email",
    "mail": "email",
    "nome": "name",
    "organization": "organisation",
    "organizzazione": "organisation",
    "azienda": "organisation",
}


@dataclass
class MemberRow:
    line: int
    email: str
    name: str = ""
    organisation: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def _table(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PanelError(
            PanelCode.MEMBERS_UNREADABLE, f"The file cannot be read ({exc.strerror}): {path}"
        ) from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for bad files
            raise PanelError(
                PanelCode.MEMBERS_UNREADABLE, f"Not a readable .xlsx file: {exc}"
            ) from None
        return [
            ["" if c is None else str(c).strip() for c in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PanelError(
            PanelCode.MEMBERS_ENCODING,
            "The file is not UTF-8 text: in Excel, save it as 'CSV UTF-8' or import the .xlsx "
            "itself.",
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise PanelError(PanelCode.MEMBERS_MALFORMED, f"The CSV cannot be read: {exc}") from None


def read_members(path: Path) -> tuple[list[MemberRow], list[str]]:
    """Rows of a member file, merged by email (later rows fill and update earlier ones),
    and the problems found, each naming its line."""
    table = [row for row in _table(path)]
    if not table or not any(table[0]):
        raise PanelError(PanelCode.MEMBERS_EMPTY, "The file has no header row.")
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in table[0]]
    if "email" not in header:
        raise PanelError(PanelCode.MEMBERS_NO_EMAIL, "The header has no 'email' column.")
    by_email: dict[str, MemberRow] = {}
    problems: list[str] = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = dict(zip(header, cells, strict=False))
        email = values.get("email", "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"line {line}: MEMBER_BAD_EMAIL: '{email}' is not an email address")
            continue
        row = by_email.setdefault(email, MemberRow(line, email))
        row.name = values.get("name") or row.name
        row.organisation = values.get("organisation") or row.organisation
        row.attributes.update({k: v for k, v in values.items() if k not in CORE and k and v})
    return list(by_email.values()), problems
