"""The respondent's pages: thin views over `collect.services`."""

from __future__ import annotations

import functools
import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from indagine.collect import benchmark, keys, lookups, orders, pages, repeats, uploads
from indagine.collect.codes import SubmissionCode
from indagine.collect.services import (
    PageOutcome,
    SubmissionRefused,
    find_response,
    find_survey,
    record_page,
    relevant_pages,
)
from indagine.forms import languages
from indagine.forms.loader import SUFFIXES
from indagine.forms.media import read_image
from indagine.surveys.models import Survey
from indagine.web.codes import RequestCode
from indagine.web.errors import refusal
from indagine.web.limits import rate
from indagine.web.links import guessing_refused, wrong_link
from indagine.web.params import small_number

CONTROL_FIELDS = {
    "csrfmiddlewaretoken",
    "_page",
    "_action",
    "_key",
    "_shown",
    "_lang",
    "_switch",
    "_order",
}
logger = logging.getLogger(__name__)


def _submit_rate(group: str, request: HttpRequest) -> str | None:
    return rate(settings.INDAGINE_SUBMIT_RATE)


def _client(group: str, request: HttpRequest) -> str:
    """What django_ratelimit's key="ip" counts a request under (REMOTE_ADDR, which behind
    trusted proxies site/wsgi.py has set to the client's, masked to its network as the
    RATELIMIT_IPV4_MASK and RATELIMIT_IPV6_MASK settings say), with the masking remembered per
    address: parsing it with `ipaddress` on every page sent cost a third of the limit's check."""
    address = request.META["REMOTE_ADDR"]
    if not address:
        raise ImproperlyConfigured("The client's address (REMOTE_ADDR) is empty.")
    if ":" in address:
        return _network(address, getattr(settings, "RATELIMIT_IPV6_MASK", 64))
    return _network(address, getattr(settings, "RATELIMIT_IPV4_MASK", 32))


@functools.lru_cache(maxsize=4096)
def _network(address: str, mask: int) -> str:
    return str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return refusal(
        request,
        RequestCode.RATE_LIMITED,
        translation.gettext("Too many submissions from this address: wait a minute and try again."),
    )


@functools.lru_cache(maxsize=1024)
def _addresses(prefix: str, slug: str) -> dict[str, str]:
    """A survey's page, relevance and thank-you addresses under this script prefix, reversed
    once per process: each `reverse` (or `{% url %}`) costs ~60 µs, a fifth of a first page's
    template, and these never change while the process runs."""
    return {
        name: reverse(f"collect:{name}", args=[slug]) for name in ("survey", "relevance", "thanks")
    }


def _address(name: str, slug: str) -> str:
    return _addresses(get_script_prefix(), slug)[name]


def _survey(slug: str) -> Survey:
    survey = lookups.survey_by_slug(slug)
    if survey is None:
        raise Http404("No such survey.")
    return survey


def _codes(form) -> list[str]:
    """The languages this form's pages are shown in: those its labels use (the default first),
    or, for labels written without a language, the site's."""
    return languages.page_languages(form.languages, form.default_language) or [
        settings.LANGUAGE_CODE
    ]


def _language(request: HttpRequest, form, fallback: str | None = None) -> str:
    """The page's language: the one asked for (the switch), else the response's, else the
    form's default, among the form's languages."""
    wanted = request.GET.get("lang") or request.POST.get("_lang") or fallback
    codes = _codes(form)
    return wanted if wanted in codes else codes[0]


def _activate(lang: str) -> None:
    """Django's words in the page's language, or in English where indagine has none in it."""
    translation.activate(languages.page_words(lang))


@require_http_methods(["GET", "HEAD", "POST"])  # HEAD: link checkers, uptime monitors
def survey_page(request: HttpRequest, slug: str) -> HttpResponse:
    cookie = keys.cookie_of(request.COOKIES, slug)
    if request.method == "POST":
        return _post_page(request, slug, request.POST.get("_key") or cookie)
    key = cookie
    survey, response = find_survey(slug, key)
    if survey is None:
        raise Http404("No such survey.")
    phase = survey.phase()
    form = response.form_version.form if response else survey.current_version.form
    lang = _language(request, form, response.language if response else None)
    _activate(lang)
    if response and response.status == response.Status.COMPLETE:
        return redirect("collect:thanks", slug=slug)
    state = keys.key_state(survey, key) if response is None else None
    if state == "spent":
        return HttpResponseRedirect(_address("thanks", slug) + f"?lang={lang}")
    if phase == "open" and survey.panel_only and response is None and state != "invited":
        phase = "panel_only"
    answers = response.answers if response else {}
    allowed = relevant_pages(form, answers) if phase == "open" else []
    if phase == "open" and not allowed:  # no page's relevance holds (a form checked before
        logger.error("survey %s: no page applies to the answers so far", slug)  # FORM_CYCLE)
        phase = "no_page"
    if phase != "open":
        return render(
            request,
            "collect/unavailable.html",
            {"survey": survey, "phase": phase, "lang": lang, "form": form},
        )
    furthest = response.page if response else 0
    requested = small_number(request.GET.get("page"))
    index = furthest if requested is None else requested
    if index not in allowed or index > max(furthest, 0):
        index = furthest if furthest in allowed else allowed[0]
    # the respondent's order of randomized choices: kept with their response, or, before
    # it exists, drawn from a seed the page sends back (the language switch's address keeps it)
    seed = ""
    if response is None and orders.has_random_order(form):
        seed = orders.well_formed(request.GET.get("order")) or orders.new_seed()
    version = response.form_version if response else survey.current_version
    context = pages.page_context(
        survey, form, index, answers, lang, errors=(), key=key or keys.new_key(), raw=None,
        orders=orders.orders_for(form, response.orders if response else None, seed), seed=seed,
        images=pages.images_address(slug, version.number),
    )  # fmt: skip
    # "saved" only for the respondent whose answers these are: an address copied with its
    # ?saved=1 to another browser would otherwise promise answers that are not there
    context["saved"] = response is not None and bool(request.GET.get("saved"))
    context["more"] = response is not None and bool(request.GET.get("more"))
    if context["more"]:  # the same page again with its follow-up questions: a step on, not
        # the same "Page 4 of 7" twice, which reads as if Next had done nothing
        context["percent"] = round(100 * (context["position"] - 0.5) / context["page_count"])
    return _render_page(request, slug, context)


def _render_page(request: HttpRequest, slug: str, context: dict) -> HttpResponse:
    """A respondent's page, with the addresses its form posts to. Never stored by a cache: it
    carries this respondent's key (a new one on a first page) and answers, and a shared cache
    (a CDN told to cache every page) serving one first page to many would file all their
    answers under one key."""
    context["action"] = _address("survey", slug)
    context["relevance_url"] = _address("relevance", slug)
    reply = render(request, "collect/page.html", context)
    add_never_cache_headers(reply)
    return reply


def _post_page(request: HttpRequest, slug: str, key: str | None) -> HttpResponse:
    survey, current = find_survey(slug, key)
    if survey is None:
        raise Http404("No such survey.")
    if is_ratelimited(request, group="submit", key=_client, rate=_submit_rate, increment=True):
        return rate_limited(request)
    form = survey.current_version.form
    lang = _language(request, form)
    action = request.POST.get("_action", "next")
    switch = request.POST.get("_switch")
    if switch and switch in _codes(form):  # the language button: keep what
        lang, action = switch, "save"  # was typed on the page, show it in the other language
    _activate(lang)
    page_index = small_number(request.POST.get("_page", ""))
    if page_index is None:
        return refusal(request, SubmissionCode.BAD_PAGE, "The page number is missing.")
    raw = {name: request.POST.getlist(name) for name in request.POST if name not in CONTROL_FIELDS}
    version_form = current.form_version.form if current else form
    stored: list[str] = []
    if page_index < len(version_form.pages):
        answers = current.answers if current else {}
        refused_files = getattr(request, "refused_uploads", {})
        files = {name: request.FILES.getlist(name) for name in request.FILES}
        page = version_form.pages[page_index]
        stored = uploads.take(version_form, page, slug, raw, files, refused_files, answers)
    earlier = uploads.files_of(version_form, current.answers) if current else []
    seed = orders.well_formed(request.POST.get("_order"))
    typed = (v for name, vs in raw.items() if not name.endswith("[]") for v in vs)  # counts: none
    if switch and current is None and not any(v.strip() for v in typed):
        # nothing typed yet by a new respondent: no response to keep, only the language (and
        # the order of the choices they saw)
        kept = f"&order={seed}" if seed else ""
        return HttpResponseRedirect(f"{request.path}?page={page_index}&lang={lang}{kept}")
    shown_text = request.POST.get("_shown")
    shown = frozenset(shown_text.split()) if shown_text is not None else None
    try:
        outcome = record_page(
            survey, key or "", page_index, raw, lang=lang, action=action, shown=shown,
            current=current, seed=seed,
        )  # fmt: skip
    except SubmissionRefused as refused:
        uploads.discard(slug, stored)  # nothing of a page refused whole is kept
        return refusal(request, refused.code, refused.message, refused.status)
    held = set(uploads.files_of(version_form, outcome.response.answers))
    uploads.discard(slug, [n for n in [*earlier, *stored] if n not in held])  # replaced
    sent = (page_index, raw, lang, key)
    repeat = repeats.parse_action(action)
    reply = _after_page(
        request, slug, outcome, sent=sent, next_pressed=action == "next", switched=bool(switch),
        anchor=repeats.anchor(repeat, outcome.response.answers) if repeat else "",
    )  # fmt: skip
    if keys.cookie_of(request.COOKIES, survey.slug) != key:  # kept after the first page
        keys.remember(reply, survey.slug, key or "")
    return reply


def _after_page(
    request: HttpRequest,
    slug: str,
    outcome: PageOutcome,
    *,
    sent: tuple[int, dict[str, list[str]], str, str | None],
    next_pressed: bool,
    switched: bool,
    anchor: str = "",
) -> HttpResponse:
    """The thank-you page, the page again with its errors, or the address of the page to show
    (`sent`: the page's number, its fields, its language and the key it was sent under)."""
    page_index, raw, lang, key = sent
    if outcome.completed:
        reply = HttpResponseRedirect(_address("thanks", slug) + f"?lang={lang}")
        survey = outcome.response.survey
        if survey.benchmark and survey.anonymous:  # kept by the browser alone (`benchmark`)
            benchmark.remember(reply, survey, outcome.response.answers)
        return reply
    response = outcome.response
    if outcome.errors:
        context = pages.page_context(
            response.survey, response.form_version.form, outcome.page, response.answers, lang,
            errors=outcome.errors, key=key or "", raw=raw, orders=response.orders,
            images=pages.images_address(slug, response.form_version.number),
        )  # fmt: skip
        return _render_page(request, slug, context)
    # the page's own address: the form posts to it (a URL, so no `redirect()`, which first
    # tries to reverse its argument as a view name)
    url = f"{request.path}?page={outcome.page}"
    if outcome.saved_only and not switched:
        url += "&saved=1"
    elif outcome.page == page_index and next_pressed:
        url += "&more=1"  # the same page again: answers made more of its questions apply
    return HttpResponseRedirect(url + anchor)  # after Add or Remove, back at the instances


@require_POST
def relevance(request: HttpRequest, slug: str) -> JsonResponse:
    """Which questions of the page apply to the answers typed so far (for the page's script)."""
    survey = _survey(slug)
    response = find_response(survey, request.POST.get("_key"))
    form = response.form_version.form if response else survey.current_version.form
    page_index = small_number(request.POST.get("_page"))
    if page_index is None or page_index >= len(form.pages):
        return JsonResponse({"error": SubmissionCode.BAD_PAGE}, status=400)
    raw = {name: request.POST.getlist(name) for name in request.POST if name not in CONTROL_FIELDS}
    visible, rows = pages.visible_questions(
        form, page_index, raw, response.answers if response else {}
    )
    # "choices" by name for readers; "rows" by position for the page's script (one name may
    # stand on two rows of a list)
    choices = {
        name: [question.choices[i].name for i in positions]
        for name, positions in rows.items()
        if (question := form.question(name)) is not None
    }
    return JsonResponse({"visible": sorted(visible), "choices": choices, "rows": rows})


@require_GET
def media(request: HttpRequest, slug: str, number: int, name: str) -> HttpResponse:
    """An image of a form version (`forms.media`): only one its pages show, from the zip the
    version was uploaded in, as the type its content is. A version never changes, so the
    image is cached for a year; never sniffed as another type."""
    survey = _survey(slug)
    version = survey.versions.filter(number=number).first()
    found = None
    if version is not None:
        source = bytes(version.source)
        found = read_image(version.sha256, source, SUFFIXES, name, version.form)
    if found is None:
        raise Http404("No such image.")
    data, kind = found
    reply = HttpResponse(data, content_type=kind)
    reply["Cache-Control"] = "public, max-age=31536000, immutable"
    reply["X-Content-Type-Options"] = "nosniff"
    return reply


def resume(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """A resume link: remember the key in this browser and continue where the respondent was."""
    survey = _survey(slug)
    _activate(_language(request, survey.current_version.form))  # the survey's
    # Wrong resume links are counted against the address as wrong personal links are (a
    # member's token is a resume key too), so neither can be guessed at speed.
    refused = guessing_refused(request)
    if refused is not None:
        return refused
    if find_response(survey, key) is None:
        return wrong_link(
            request,
            SubmissionCode.RESUME_UNKNOWN,
            translation.gettext("This link does not match any saved answers."),
        )
    return keys.remember(redirect("collect:survey", slug=slug), slug, key)


def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    response = find_response(survey, keys.cookie_of(request.COOKIES, slug))
    form = survey.current_version.form
    lang = _language(request, form, response.language if response else None)
    _activate(lang)
    # what the survey offers next: its public results page when that is on (the results
    # app's, read through the survey's relation, not imported), and the organisation's site
    publication = getattr(survey, "publication", None)
    results = reverse("results:public", args=[slug]) if publication and publication.enabled else ""
    home = settings.INDAGINE_HOME_URL
    home = home if home.startswith(("https://", "http://")) else ""
    context = {"survey": survey, "lang": lang, "form": form, "results": results, "home": home}
    if survey.benchmark:
        if response is not None and response.status == response.Status.COMPLETE:
            answers = response.answers
        else:
            answers = benchmark.recalled(request, survey)
        context["benchmark"] = benchmark.shown(survey, answers, lang)
    return render(request, "collect/thanks.html", context)
