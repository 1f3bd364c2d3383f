"""Fixtures shared by the Django tests: surveys built from small markdown XLSForms."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PURE = {"forms", "stats", "library", "charts", "analysis", "narrative"}


def pytest_collection_modifyitems(items):
    """Tests of the pure core are marked `pure`: the PostgreSQL pass leaves them out."""
    root = Path(__file__).parent
    for item in items:
        parts = Path(item.path).relative_to(root).parts
        if parts and parts[0] in PURE:
            item.add_marker(pytest.mark.pure)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """The rate limits count in process memory: each Django test starts with none counted."""
    if request.node.get_closest_marker("pure") is None:
        from django.core.cache import caches

        caches["ratelimit"].clear()


SMALL_FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | required | relevant | constraint | constraint_message::Italiano (it) | constraint_message::English (en) | appearance |
| | begin_group | p1 | Profilo | Profile | | | | | | field-list |
| | select_one org | org | Tipo | Type | yes | | | | | |
| | text | org_other | Quale? | Which? | yes | selected(${org}, 'other') | | | | |
| | end_group | | | | | | | | | |
| | begin_group | p2 | Lavoro | Work | | | | | | field-list |
| | decimal | share | Quota | Share | yes | | . >= 0 and . <= 100 | Tra 0 e 100 | Between 0 and 100 | |
| | select_multiple tools | tools | Strumenti | Tools | | | | | | |
| | end_group | | | | | | | | | |
| | begin_group | p3 | Fine | End | | | | | | field-list |
| | text | comment | Commento | Comment | | | | | | multiline |
| | end_group | | | | | | | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | org | bpo | BPO | BPO |
| | org | inhouse | Interno | In-house |
| | org | other | Altro | Other |
| | tools | vpn | VPN | VPN |
| | tools | cloud | Cloud | Cloud |
| settings |
| | form_title | form_id | version | default_language |
| | Piccola | small | 1 | Italiano (it) |
"""


@pytest.fixture
def small_form_source() -> bytes:
    return textwrap.dedent(SMALL_FORM).encode()


@pytest.fixture
def open_survey(db, small_form_source):
    from indagine.surveys.services import import_form, open_survey

    imported = import_form(small_form_source, "small.md", slug="small")
    return open_survey(imported.survey)


@pytest.fixture
def builtin_survey(db):
    from indagine.surveys.services import install_builtin

    return install_builtin()
