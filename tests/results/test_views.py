"""The results an organiser sees: dashboard, report (HTML and PDF, checked as images),
newsletter, public page; incremental snapshot."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.utils import timezone

from indagine.cli import main
from indagine.collect.models import Response
from indagine.collect.transfer import add_synthetic
from indagine.results import services
from indagine.results.models import Publication

SLUG = "remote-working-2020"


@pytest.fixture
def answered(builtin_survey):
    add_synthetic(SLUG, 120, seed=11, test=False)
    return builtin_survey


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_superuser("org", password="pw-for-tests-123")
    client.force_login(user)
    return user


def test_the_snapshot_grows_with_new_answers_only(answered):
    first = services.snapshot(answered)
    assert first.n == 120
    add_synthetic(SLUG, 5, seed=12, test=False)
    second = services.snapshot(answered)
    assert second.n == 125
    assert second.frame.head(120).equals(first.frame)


def test_a_response_completed_late_still_enters_the_snapshot(answered):
    services.snapshot(answered)
    late = Response.objects.filter(survey=answered).order_by("pk").first()
    Response.objects.filter(pk=late.pk).delete()
    assert services.snapshot(answered).n == 119  # a deletion rebuilds
    late.pk = None
    late.save()
    assert services.snapshot(answered).n == 120


def test_the_dashboard_needs_login_and_shows_findings(client, answered):
    assert client.get(f"/manage/{SLUG}/results/").status_code == 302


def test_the_dashboard_shows_findings_and_filters(client, answered, organiser):
    html = client.get(f"/manage/{SLUG}/results/?lang=it").content.decode()
    assert '<dd id="n-complete">120</dd>' in html
    assert 'id="finding-agree_change"' in html and "<svg" in html
    assert 'id="answers-org_type"' in html  # every question's distribution, with intervals
    segment = client.get(f"/manage/{SLUG}/results/?segment=org_type:bpo").content.decode()
    assert '<dd id="n-complete">120</dd>' not in segment
    fragment = client.get(f"/manage/{SLUG}/results/?fragment=1").content.decode()
    assert fragment.lstrip().startswith("<dl") and "<html" not in fragment


def test_the_dashboard_refresh_is_conditional_on_what_it_shows(client, answered, organiser):
    page = client.get(f"/manage/{SLUG}/results/?lang=it").content.decode()
    url = f"/manage/{SLUG}/results/?fragment=1&lang=it"
    first = client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and "private" in first["Cache-Control"]
    assert f'data-etag="{etag}"' in page.replace("&quot;", '"')  # the script starts from it
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    add_synthetic(SLUG, 3, seed=13, test=False)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert '<dd id="n-complete">123</dd>' in changed.content.decode()


def test_the_dashboard_charts_share_no_element_id(client, answered, organiser):
    """Each chart is its own SVG, and matplotlib names its parts figure_1, patch_1... in each:
    several on one page would share ids (invalid HTML; references resolved to the first)."""
    html = client.get(f"/manage/{SLUG}/results/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert html.count("<svg") >= 5
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:10]


def test_the_report_renders_as_html_and_as_a_pdf_whose_pages_show_ink(
    client, answered, organiser, tmp_path
):
    html = client.get(f"/manage/{SLUG}/report.html?lang=en").content.decode()
    assert "Method" in html and 'id="finding-agree_change"' in html
    reply = client.get(f"/manage/{SLUG}/report.pdf")
    assert reply["Content-Type"] == "application/pdf" and reply.content.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(reply.content)
    assert shutil.which("pdftoppm"), "poppler-utils is installed by ./run test"
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    from PIL import Image

    for page in pages[:3]:
        image = Image.open(page).convert("L")
        dark = sum(image.histogram()[:128])
        assert dark > 0.005 * image.width * image.height  # text and charts, not a blank page


def test_report_and_newsletter_from_the_command_line(answered, tmp_path, capsys):
    html = tmp_path / "report.html"
    assert main(["report", SLUG, "--format", "html", "--lang", "it", "-o", str(html)]) == 0
    assert "Metodo" in html.read_text() or "Method" in html.read_text()
    letter = tmp_path / "letter.md"
    assert main(["newsletter", SLUG, "--lang", "it", "--stage", "interim", "-o", str(letter)]) == 0
    text = letter.read_text()
    assert text.startswith("Cari soci")  # the placeholder "Club" is no name (letters.py)
    assert "del campione" in text
    # the club's interim story, told by the demo respondents (120 of them here)
    assert "Non è ancora evidente se i clienti si stiano accorgendo" in text
    english = tmp_path / "letter.html"
    assert main(["newsletter", SLUG, "--lang", "en", "--stage", "final", "-o", str(english)]) == 0
    assert 'href="#finding-' in english.read_text()


def test_the_newsletter_button_gives_the_draft(client, answered, organiser):
    page = client.get(f"/manage/{SLUG}/newsletter.html?lang=en").content.decode()
    assert "Dear members" in page and 'data-finding="' in page
    markdown = client.get(f"/manage/{SLUG}/newsletter.md?lang=it")
    assert markdown["Content-Type"].startswith("text/markdown")


def test_the_public_page_is_off_unless_published_and_hides_small_groups(client, answered):
    assert client.get(f"/r/{SLUG}/").status_code == 404
    Publication.objects.create(survey=answered, enabled=True, min_segment=500)
    html = client.get(f"/r/{SLUG}/").content.decode()
    assert "finding-agree_change" not in html  # 120 answers < 500
    Publication.objects.filter(survey=answered).update(min_segment=10, findings=["agree_change"])
    html = client.get(f"/r/{SLUG}/").content.decode()
    assert 'id="finding-agree_change"' in html and 'id="finding-digital_use"' not in html
    assert "Il passaggio" not in html  # no raw answers


def test_the_dashboard_crosses_an_item_by_a_profile_question(client, answered, organiser):
    html = client.get(f"/manage/{SLUG}/results/?item=agree_change&by=org_type").content.decode()
    assert 'id="crosstab"' in html and "Rao-Scott" in html
    view = services.crosstab(answered, "agree_change", "org_type")
    assert sum(n for _, n, _ in view.rows) == 120 and 0 <= view.p_value <= 1
    bad = client.get(f"/manage/{SLUG}/results/?item=testimony&by=org_type").content.decode()
    assert "RESULTS_BAD_CROSSTAB" in bad
    same = client.get(f"/manage/{SLUG}/results/?item=org_type&by=org_type").content.decode()
    assert "RESULTS_BAD_CROSSTAB" in same
    # rows and columns in the questionnaire's order, labels in the page's language
    form = answered.current_version.form
    sizes = services.crosstab(answered, "agree_change", "cc_size", lang="en")
    expected = [c.label.get("en") for c in form.question("cc_size").choices]
    assert [label for label, _, _ in sizes.rows] == [
        e for e in expected if e in {label for label, _, _ in sizes.rows}
    ]
    assert list(sizes.columns) == [
        c.label.get("en")
        for c in form.question("agree_change").choices
        if c.label.get("en") in sizes.columns
    ]


def test_shares_and_means_are_rounded_not_cut():
    from django.utils import translation

    from indagine.results.templatetags.results import num, pct

    with translation.override("it"):
        assert pct(25 / 150, 1) == "16,7%"  # Django's number_format alone gives 16,6%
        assert pct(87 / 150, 1) == "58,0%"
        assert pct(0.8666, 0) == "87%"
        assert pct(6 / 9) == "67%"
        assert num(84.375, 1) == "84,4"
        assert num(3.4666) == "3,47"
    with translation.override("en"):
        assert pct(1 / 3, 1) == "33.3%" and num(1234.56, 1) == "1234.6"


def test_a_single_response_shows_its_count_and_no_finding_yet(client, builtin_survey, organiser):
    """One answer has no variance: the pages say what they have, no server error or 404."""
    add_synthetic(SLUG, 1, seed=3, test=False)
    for url in ("results/", "report.html", "newsletter.md"):
        reply = client.get(f"/manage/{SLUG}/{url}")
        assert reply.status_code == 200, url
    assert '<dd id="n-complete">1</dd>' in client.get(f"/manage/{SLUG}/results/").content.decode()
    assert services.findings(builtin_survey, services.View()).items == ()


def test_the_method_says_what_the_intervals_are_in_the_reports_language(
    client, answered, organiser
):
    """No panel: no finite population correction, and the report does not claim one."""
    html = client.get(f"/manage/{SLUG}/report.html?lang=it").content.decode()
    assert "non si applica la correzione per popolazione finita" in html
    assert "ampiezza nota (correzione" not in html
    assert "<td>nessuna</td>" in html and "unweighted" not in html  # the weighting row
    assert "Un risultato è detto consolidato" in html
    moment = re.search(r'class="subtitle">[^<]* · (\d{1,2} \w+ \d{4}, \d\d:\d\d)<', html)
    assert moment and moment[1] == moment[1].lower()  # "22 novembre 2026", not "Novembre"
    english = client.get(f"/manage/{SLUG}/report.html?lang=en").content.decode()
    assert "no finite population correction is applied" in english
    # at a glance, each share says which answers it counts
    summary = html[
        html.index('id="summary"') : html.index("</section>", html.index('id="summary"'))
    ]
    items = re.findall(r"<li>(.*?)</li>", summary)
    assert items and all("(" in i or "media" in i for i in items), items


def test_a_long_item_label_is_cut_at_a_word_with_an_ellipsis_in_the_chart():
    from indagine.results.report import _short

    label = "I clienti stanno dedicando tempo a familiarizzare con gli strumenti digitali"
    assert _short(label) == "I clienti stanno dedicando tempo a familiarizzare con gli …"
    assert len(_short(label)) <= 60 and _short("Breve") == "Breve"


def test_weighting_asked_for_without_a_panel_says_the_figures_are_unweighted(
    client, answered, organiser
):
    html = client.get(f"/manage/{SLUG}/results/?weighted=1&lang=en").content.decode()
    assert 'id="unweighted"' in html
    assert 'id="unweighted"' not in client.get(f"/manage/{SLUG}/results/").content.decode()


def test_a_count_of_days_is_not_said_to_be_consolidated_or_not(client, answered, organiser):
    """A share is about half, a scale's mean about its midpoint; days have no such threshold."""
    html = client.get(f"/manage/{SLUG}/results/?lang=en").content.decode()
    row = re.search(r'<tr id="finding-remote_days".*?</tr>', html, re.S)[0]
    assert "<td>–</td>" in row and "not yet clear" not in row
    report = client.get(f"/manage/{SLUG}/report.html?lang=en").content.decode()
    days = re.search(
        r'<article class="finding" id="finding-remote_days">.*?</article>', report, re.S
    )[0]
    assert "not yet clear" not in days and "consolidated" not in days


def test_the_dashboard_shows_how_long_respondents_take(client, answered, organiser):
    """The median time from the first page to the last, of complete responses (not shown
    for an anonymous survey, whose times are of the day only)."""
    import datetime as dt

    complete = Response.objects.filter(survey=answered, status="complete").order_by("pk")
    for minutes, response in zip([3, 5, 7, 9, 400], complete[:5], strict=True):
        started = response.completed_at - dt.timedelta(minutes=minutes, seconds=10)
        Response.objects.filter(pk=response.pk).update(started_at=started)
    complete.exclude(pk__in=[r.pk for r in complete[:5]]).delete()
    assert services.median_duration(answered) == dt.timedelta(minutes=7, seconds=10)
    html = client.get(f"/manage/{SLUG}/results/?lang=it").content.decode()
    assert "Tempo mediano di risposta" in html and '<dd id="duration">7 min</dd>' in html
    answered.anonymous = True
    answered.save()
    assert 'id="duration"' not in client.get(f"/manage/{SLUG}/results/").content.decode()


def test_the_responses_over_time_chart_is_titled_in_the_pages_words_with_a_table(
    client, answered, organiser
):
    """On an Italian page the chart's title and its name for screen readers are Italian, and
    a table gives its numbers; on the first day (one day of answers) a dot is drawn."""
    html = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    trend = re.search(r'<figure id="trend">(.*?)</figure>', html, re.S)
    assert trend is not None and 'aria-label="Risposte complete nel tempo"' in trend[1]
    assert "Responses over time" not in html
    rows = re.findall(
        r'<tr><th scope="row">[^<]+</th><td class="n">(\d+)</td><td class="n">(\d+)</td></tr>',
        html.split('id="trend-table"')[1].split("</table>")[0],
    )
    assert rows and int(rows[-1][1]) == 120 == sum(int(n) for n, _ in rows)
    english = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'aria-label="Complete responses over time"' in english
    assert "Totale progressivo" in html and "Added up" in english


def test_a_single_day_of_answers_draws_a_dot():
    from indagine.charts.shares import responses_over_time

    one_day = responses_over_time([dt.date(2020, 3, 18)], [7], title="Risposte")
    two_days = responses_over_time([dt.date(2020, 3, 18), dt.date(2020, 3, 19)], [7, 2])
    # a dot per day: a <use> of the marker, in the line's colour and fully opaque
    dot = re.compile(r'<use [^>]*style="fill: #0b5394; stroke: #0b5394"/>')
    assert len(dot.findall(one_day)) == 1 and len(dot.findall(two_days)) == 2


def _complete_at(moments):
    """Complete responses of the built-in survey's shape completed at `moments`."""
    add_synthetic(SLUG, len(moments), seed=41, test=False)
    fresh = Response.objects.order_by("-pk")[: len(moments)]
    for response, moment in zip(fresh, moments, strict=True):
        Response.objects.filter(pk=response.pk).update(completed_at=moment)


def _trend_rows(html):
    table = html.split('id="trend-table"')[1].split("</table>")[0]
    return re.findall(r'<tr><th scope="row">([^<]+)</th><td class="n">(\d+)</td>', table)


def test_the_first_days_are_drawn_by_the_hour_and_later_by_the_day(
    client, builtin_survey, organiser
):
    start = timezone.make_aware(dt.datetime(2020, 3, 18, 9, 10))
    _complete_at([start, start + dt.timedelta(minutes=20), start + dt.timedelta(hours=2)])
    html = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = _trend_rows(html)
    assert [(label[-5:], int(n)) for label, n in rows] == [("09:00", 2), ("11:00", 1)]
    _complete_at([start + dt.timedelta(days=d) for d in (1, 2, 3, 4)])
    html = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = _trend_rows(html)
    assert len(rows) == 5 and [int(n) for _, n in rows] == [3, 1, 1, 1, 1]  # by the day
    builtin_survey.anonymous = True  # its times are days: never by the hour
    builtin_survey.save()
    Response.objects.exclude(completed_at__date=start.date()).delete()
    html = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [int(n) for _, n in _trend_rows(html)] == [3]


def test_the_status_says_its_threshold_and_each_figure_is_explained(client, answered, organiser):
    html = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    statuses = re.findall(r'<tr id="finding-[^"]+" [^>]*>(?:(?!</tr>).)*</tr>', html, re.S)
    said = [re.findall(r"<td>([^<]*)</td><td>\d+</td></tr>", row) for row in statuses]
    flat = [s[0] for s in said if s and s[0] != "–"]
    assert flat and all(
        re.fullmatch(r"(consolidated, (above|below) |not yet clear \(threshold: )[\d.]+%?\)?", s)
        for s in flat
    ), flat
    explained = html.split('id="figures-explained"')[1].split("</details>")[0]
    for term in ("Estimate", "95% interval", "Confidence sequence", "Status", "Margin of error"):
        assert f"<dt>{term}</dt>" in explained
    italian = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "soglia" in italian.split('id="findings"')[1].split("</table>")[0]


def test_every_likert_chart_is_titled_with_a_caption(client, answered, organiser):
    html = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    figures = re.findall(r'<figure id="likert-\d+">(.*?)</figure>', html, re.S)
    assert figures
    for figure in figures:
        label = re.search(r'aria-label="([^"]+)"', figure)
        assert label and label[1] != "Likert items" and "<figcaption>" in figure


def test_beside_each_likert_chart_a_table_of_the_same_numbers(client, answered, organiser):
    html = client.get(f"/manage/{SLUG}/results/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    charts = re.findall(r'<figure id="likert-(\d+)">', html)
    assert charts
    for index in charts:
        after = html.split(f'<figure id="likert-{index}">')[1].split("</figure>", 1)[1]
        assert after.lstrip().startswith(
            f'<details class="distribution" id="likert-{index}-table">'
        )
        table = after.split("</table>")[0]
        assert "in tabella" in table and "Affermazione" in table  # the page's language
        rows = re.findall(
            r'<tr><th scope="row">([^<]+)</th>((?:<td class="n">[^<]+</td>)+)</tr>', table
        )
        assert rows
        for statement, cells in rows:
            values = re.findall(r'<td class="n">([^<]+)</td>', cells)
            shares = [float(v.rstrip("%").replace(",", ".")) for v in values[:-1]]
            assert abs(sum(shares) - 100) < 0.5 * len(shares), (statement, shares)
            assert int(values[-1]) > 0 and " …" not in statement  # the statement whole
