from __future__ import annotations
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from indagine.collect.models import Response
from indagine.surveys.models import Survey
from indagine.surveys.services import import_form, open_survey
from organisers import make_organiser
from surveys.test_zz_c import qp, rows, show, msgs, load

@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user

def rev(c, slug="small"):
    return c.get(f"/manage/{slug}/edit/").context["draft"].revision

def S(slug="small"):
    return Survey.objects.select_related("current_version").get(slug=slug)

def test_aba(client, organiser, open_survey, django_user_model):
    Response.objects.create(survey=S(), form_version=S().current_version, status="complete", answers={"org": "bpo"}, language="it")
    a_rev = rev(client)
    b = Client(); b.force_login(make_organiser(django_user_model, "b"))
    b.post("/manage/small/edit/", {"op": "moveto", "index": "8", "before": "0", "revision": rev(b)})
    b.post("/manage/small/edit/publish/", {"revision": rev(b)})
    r = client.post("/manage/small/edit/", {"op": "delete", "index": "5", "revision": a_rev})
    print("\nA's revision", a_rev, "->", msgs(r), [q.name for q in S().current_version.form.questions()], "v", S().current_version.number)

def test_voto(client, organiser):
    load("service_ratings_table_list_it.md", "v")
    print("\nbefore", [c.name for c in S("v").current_version.form.question("voto_bar").choices])
    r = client.post("/manage/v/edit/", {"op": "add", "index": "7", "type": "select_one", "label": "Voto", "revision": rev(client, "v")}); print(msgs(r))
    print("after", [c.name for c in S("v").current_version.form.question("voto_bar").choices])
