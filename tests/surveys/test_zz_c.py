from __future__ import annotations
import io, textwrap, zipfile, pytest
from pathlib import Path
from django.contrib.messages import get_messages
from indagine.collect.models import Response
from indagine.surveys.models import Survey, FormVersion
from indagine.surveys.services import import_form, open_survey
from organisers import make_organiser
from surveys.test_editor import _question_post as QP

CORPUS = Path(__file__).parent.parent / "forms" / "corpus"

@pytest.fixture
def organiser(db, client, django_user_model):
    user = make_organiser(django_user_model, "segreteria")
    client.force_login(user)
    return user

def msgs(reply):
    return [str(m) for m in get_messages(reply.wsgi_request)]

def ed(client, slug):
    return client.get(f"/manage/{slug}/edit/")

def rows(slug):
    from indagine.surveys import editor
    return editor.current(Survey.objects.get(slug=slug)).book.sheet("survey").rows

def show(slug, label):
    print("\n##", label)
    for i, r in enumerate(rows(slug)):
        print(i, r.get("type"), r.get("name"), "|", r.get("relevant", ""), "|", r.get("appearance", ""))

def qp(client, slug, index, **changes):
    # _question_post is hard-wired to 'small'; reimplement minimal for any slug
    page = client.get(f"/manage/{slug}/edit/{index}/")
    assert page.status_code == 200, page.status_code
    f = page.context["fields"]; item = page.context["item"]
    d = {"revision": str(page.context["draft"].revision), "name": item.name, "type": f["kind"],
         "relevant": item.row.get("relevant", ""), "relevant_was": f["logic"]["was"],
         "constraint": item.row.get("constraint", ""), "constraint_was": f["check_was"],
         "appearance": item.row.get("appearance", ""), "join": f["logic"]["join"]}
    chk = f["check"]
    for k in ("least", "most", "longest", "pattern"):
        d[f"check_{k}"] = getattr(chk, k) if chk else ""
    for n, c in enumerate(f["logic"]["conditions"]):
        d[f"cond-{n}-name"] = c.name; d[f"cond-{n}-comparison"] = c.comparison; d[f"cond-{n}-value"] = c.value
    if item.row.get("required") in ("yes", "true"): d["required"] = "on"
    for lang in f["languages"]:
        for base, text in lang["texts"].items():
            d[f"{base}__{lang['index']}"] = text
    if f["list_name"]:
        d["list_name"] = f["list_name"]; d["list_was"] = f["list_name"]; d["choices"] = str(len(f["choices"]))
        for n, c in enumerate(f["choices"]):
            d[f"choice-{n}-name"] = c["name"]; d[f"choice-{n}-score"] = c["score"]
            for i, t in enumerate(c["labels"]): d[f"choice-{n}-label-{i}"] = t
    d.update(changes)
    return d

def load(name, slug):
    src = (CORPUS / name).read_bytes()
    return open_survey(import_form(src, name, slug=slug).survey)

def roundtrip_every_item(client, slug):
    """Open each item's page and save it unchanged: nothing should change."""
    before = [dict(r) for r in rows(slug)]
    for i, r in enumerate(before):
        if r.get("type", "").startswith("end"):
            continue
        page = client.get(f"/manage/{slug}/edit/{i}/")
        if page.status_code != 200:
            print("GET", i, page.status_code); continue
        rep = client.post(f"/manage/{slug}/edit/{i}/", qp(client, slug, i))
        if rep.status_code != 302:
            print("save unchanged", i, r.get("name"), rep.status_code, msgs(rep))
        after = rows(slug)
        if [dict(x) for x in after] != before:
            for a, b in zip(after, before):
                if a != b: print("CHANGED by unchanged save of", i, r.get("type"), ":", b, "->", a)
            before = [dict(x) for x in after]

@pytest.mark.parametrize("name", ["household_roster_repeat_it.md", "service_ratings_table_list_it.md",
    "priorities_rank_en.md", "wellbeing_ranges_en.md", "family_budget_calculations_it.md",
    "volunteer_signup_en_it_fr.md", "campaign_hidden_fields_en.md", "newsletter_preferences_defaults_it.md",
    "commuting_or_other_it.md", "research_consent_acknowledge_it.md", "brand_awareness_randomize_en.md",
    "cascading_region_province_it.md", "contact_details_regex_it.md", "shift_times_en.md"])
def test_unchanged_save_of_every_item(client, organiser, name):
    from indagine.forms.loader import load_form
    if not load_form((CORPUS / name).read_bytes(), name).ok:
        print("skip (does not load)", name); return
    load(name, "s")
    print("\n=====", name)
    roundtrip_every_item(client, "s")
