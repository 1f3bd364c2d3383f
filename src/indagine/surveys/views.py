"""The organiser's pages: thin views over `surveys.services`."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indagine.forms.issues import FormIssue
from indagine.library import catalogue
from indagine.surveys import access, questionnaires, services, site, starting
from indagine.surveys.access import CHANGE, VIEW, organiser
from indagine.surveys.codes import SurveyCode
from indagine.surveys.forms import RetentionForm, ScheduleForm, SiteSettingsForm, UploadForm
from indagine.surveys.models import Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _counts(queryset):
    return queryset.annotate(
        partial=Count("responses", filter=Q(responses__status="partial", responses__test=False)),
        complete=Count("responses", filter=Q(responses__status="complete", responses__test=False)),
        tests=Count("responses", filter=Q(responses__test=True)),
    )


@organiser(VIEW, somewhere=True)
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = _counts(access.surveys_for(request.user).order_by("pk"))
    return render(
        request,
        "surveys/list.html",
        {"surveys": surveys, "upload": UploadForm(), "creates": access.may(request.user, CHANGE)},
    )


@organiser(CHANGE, somewhere=True)
def survey_create(request: HttpRequest) -> HttpResponse:
    """A new survey (the right to change every survey), or a new version of one (the right
    to change that one)."""
    version_of = request.POST.get("version_of")  # sent by a survey's own page
    if version_of is not None:
        allowed = access.may(request.user, CHANGE, Survey.objects.filter(slug=version_of).first())
    else:
        allowed = access.may(request.user, CHANGE)
    if not allowed:
        raise PermissionDenied
    start = request.POST.get("start", "upload")
    if request.method == "POST" and version_of is None and start != "upload":
        return _start(request, start)
    upload = UploadForm(request.POST or None, request.FILES or None)
    issues: tuple[FormIssue, ...] = ()
    if request.method == "POST" and upload.is_valid():
        file = upload.cleaned_data["file"]
        slug = version_of or upload.cleaned_data["slug"] or None
        try:
            imported = services.import_form(
                file.read(), file.name, slug=slug, user=request.user, new_survey=not version_of
            )
        except services.FormRejected as rejected:
            issues = rejected.issues
        except services.SurveyError as refused:
            messages.error(request, f"{refused.message} ({refused.code})")
        else:
            messages.success(
                request,
                _("Questionnaire imported as version %(n)s.") % {"n": imported.version.number},
            )
            if not imported.warnings:
                return redirect("surveys:detail", slug=imported.survey.slug)
            messages.warning(
                request,
                _("%(n)s cells of the sheet are shown otherwise than they ask: see below.")
                % {"n": len(imported.warnings)},
            )
            return redirect(reverse("surveys:detail", args=[imported.survey.slug]) + "#warnings")
    status = 400 if request.method == "POST" else 200
    return _create_page(request, upload, issues, status)


def _create_page(
    request: HttpRequest, upload: UploadForm, issues: tuple[FormIssue, ...], status: int
) -> HttpResponse:
    """The four ways to start: from scratch, a template, a copy, a spreadsheet."""
    language = (get_language() or "it")[:2]
    templates = [
        (t.key, t.title.get(language, t.title["en"]), t.description.get(language, ""))
        for t in catalogue.TEMPLATES
    ]
    context = {
        "upload": upload,
        "issues": issues,
        "templates": templates,
        "copyable": access.surveys_for(request.user).filter(current_version__isnull=False),
        "languages": starting.LANGUAGES,
        "posted": request.POST,
    }
    return render(request, "surveys/create.html", context, status=status)


def _start(request: HttpRequest, start: str) -> HttpResponse:
    """A new survey from scratch, from a template or as a copy, then its editor."""
    post = request.POST
    title, slug = post.get("title", "").strip(), post.get("slug", "").strip()
    issues: tuple[FormIssue, ...] = ()
    try:
        if start == "scratch":
            if not title:
                raise services.SurveyError(SurveyCode.NO_TITLE, _("Give the survey a title."))
            languages = post.getlist("languages")
            survey = starting.from_scratch(title, _address(slug, title), languages, request.user)
        elif start == "template":
            chosen = catalogue.template(post.get("template", ""))
            named = chosen.title.get("it", "") if chosen else ""
            key = post.get("template", "")
            survey = starting.from_template(key, _address(slug, named), request.user)
        elif start == "copy":
            source = access.surveys_for(request.user).filter(slug=post.get("source", "")).first()
            if source is None:
                raise services.SurveyError(
                    SurveyCode.NO_TEMPLATE, _("Choose a survey to copy among those you can see.")
                )
            named = title or source.title
            survey = starting.copy_survey(source, _address(slug, named), title, request.user)
        else:
            return HttpResponse(status=404)
    except services.FormRejected as rejected:
        issues = rejected.issues
    except services.SurveyError as refused:
        messages.error(request, f"{_(refused.message)} ({refused.code})")
    else:
        messages.success(request, _("Survey created: its questionnaire is ready to edit."))
        return redirect("surveys:edit", slug=survey.slug)
    return _create_page(request, UploadForm(), issues, 400)


def _address(slug: str, title: str) -> str:
    """The address given, else one made of the title ('Soci 2027' -> 'soci-2027')."""
    made = slug or slugify(title)[:80]
    if not made:
        raise services.SurveyError(SurveyCode.BAD_SLUG, _("Give the survey an address."))
    return made


@organiser(VIEW)
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(_counts(Survey.objects.all()), slug=slug)
    initial = {"closes_at": survey.closes_at}
    administers = access.may(request.user, CHANGE)  # every survey's right
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "schedule": ScheduleForm(initial=initial),
            "retention": RetentionForm(instance=survey),
            "upload": UploadForm(initial={"slug": survey.slug}),
            "versions": survey.versions.all(),
            "warnings": services.form_warnings(survey.current_version)
            if survey.current_version
            else (),
            "changes": administers or access.may(request.user, CHANGE, survey),
            "groups": _groups(survey),
            "administers": administers,
            "rights": services.rights(survey) if administers else [],
        },
    )


@organiser(VIEW)
def questionnaire(request: HttpRequest, slug: str) -> HttpResponse:
    """The current questionnaire as an XLSForm (`forms export`): it imports back the same."""
    survey = get_object_or_404(Survey.objects.select_related("current_version"), slug=slug)
    if survey.current_version is None:
        return HttpResponse(status=404)
    data, name = questionnaires.exported(survey.current_version)
    kind = "application/zip" if name.endswith(".zip") else XLSX
    reply = HttpResponse(data, content_type=kind)
    reply["Content-Disposition"] = f'attachment; filename="{survey.slug}{Path(name).suffix}"'
    return reply


def _benchmark(request: HttpRequest, survey: Survey, action: str = "benchmark") -> str:
    """Each member's benchmark switched on or off, its group and its minimum."""
    try:
        least = int(request.POST.get("benchmark_min_group", "10"))
    except ValueError:
        least = 0
    services.set_benchmark(
        survey,
        on=request.POST.get("benchmark") == "on",
        group=request.POST.get("benchmark_group", ""),
        least=least,
        user=request.user,
    )
    return _("Benchmark settings saved.")


def _groups(survey: Survey) -> list[tuple[str, str]]:
    """The single choices asked once a member's benchmark can group by."""
    form = survey.current_version.form if survey.current_version else None
    if form is None:
        return []
    return [
        (q.name, q.label.get(form.default_language, q.name))
        for q in form.questions()
        if q.type.value == "select_one" and not q.repeat
    ]


def _rights(request: HttpRequest, survey: Survey, action: str) -> str:
    """Give or take back an account's right on this survey: for administrators only (the
    right to change every survey), not for those who hold a right on this one."""
    if not access.may(request.user, CHANGE):
        raise PermissionDenied
    username = request.POST.get("username", "")
    if action == "grant":
        services.grant(survey, username, request.POST.get("right", ""), request.user)
        return _("%(user)s's rights on this survey saved.") % {"user": username}
    services.revoke(survey, username, request.user)
    return _("%(user)s no longer holds a right on this survey.") % {"user": username}


@organiser(CHANGE)
@require_POST
def survey_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug)
    act = _ACTIONS.get(action)
    if act is None:
        return HttpResponse(status=404)
    try:
        done = act(request, survey, action)
    except services.SurveyError as error:
        messages.error(request, f"{_(error.message)} ({error.code})")  # a fixed one translates
    else:
        messages.success(request, done)
    if request.POST.get("back") == "edit":  # the same settings, set from the editor
        return redirect(reverse("surveys:edit", args=[slug]) + "#settings")
    return redirect("surveys:detail", slug=slug)


def _open(request: HttpRequest, survey: Survey, action: str) -> str:
    services.open_survey(survey, request.user)
    return _("The survey is open: respondents can answer.")


def _close(request: HttpRequest, survey: Survey, action: str) -> str:
    services.close_survey(survey, request.user)
    return _("The survey is closed: it no longer accepts answers.")


def _configure(request: HttpRequest, survey: Survey, action: str) -> str:
    services.configure(
        survey,
        anonymous=request.POST.get("anonymous") == "on",
        panel_only=request.POST.get("panel_only") == "on",
        user=request.user,
    )
    return _("Settings saved.")


def _schedule(request: HttpRequest, survey: Survey, action: str) -> str:
    schedule = ScheduleForm(request.POST)
    if not schedule.is_valid():
        raise services.SurveyError(SurveyCode.BAD_DATE, _("The date is not valid."))
    services.schedule_closing(survey, schedule.cleaned_data["closes_at"], request.user)
    return _("Closing date saved.") if survey.closes_at else _("No closing date.")


def _retention(request: HttpRequest, survey: Survey, action: str) -> str:
    retention = RetentionForm(request.POST)
    if not retention.is_valid():
        raise services.SurveyError(
            SurveyCode.BAD_RETENTION,
            _("Retention is a whole number of months from 1 to 120, or empty."),
        )
    services.set_retention(survey, retention.cleaned_data["retention_months"], request.user)
    return _("Retention saved.")


_ACTIONS = {
    "open": _open,
    "close": _close,
    "settings": _configure,
    "schedule": _schedule,
    "benchmark": _benchmark,
    "grant": _rights,
    "revoke": _rights,
    "retention": _retention,
}


@organiser(CHANGE)
def site_settings(request: HttpRequest) -> HttpResponse:
    """The site's public address and the organisation's name (`surveys.site`)."""
    if request.method == "POST" and request.POST.get("branding"):
        upload = request.FILES.get("logo")
        try:
            site.save_branding(
                accent_colour=request.POST.get("accent_colour", ""),
                logo=upload.read(site.LOGO_MAX_BYTES + 1) if upload else None,
                remove_logo=request.POST.get("remove_logo") == "on",
                user=request.user,
            )
        except site.BrandingRefused as refused:
            messages.error(request, f"{refused.message} ({refused.code})")
        else:
            messages.success(request, _("Branding saved."))
        return redirect("surveys:settings")
    form = SiteSettingsForm(request.POST or None, instance=site.saved())
    if request.method == "POST" and form.is_valid():
        saved = site.save(
            public_address=form.cleaned_data["public_address"],
            organisation_name=form.cleaned_data["organisation_name"],
            user=request.user,
        )
        messages.success(request, _("Site settings saved."))
        if saved.public_address and site.is_local(saved.public_address):
            # accepted: a club may well serve only its own office's network
            messages.warning(
                request,
                _(
                    "%(address)s is reached only from this machine or its local network: "
                    "members elsewhere cannot open the links in emails and in the letter."
                )
                % {"address": saved.public_address},
            )
        return redirect("surveys:settings")
    base = site.base_url()
    context = {
        "form": form,
        "base": base,
        "base_is_loopback": site.is_loopback(base),
        "from_environment": not site.saved().public_address,
        "site_settings_page": True,
        "accent": site.saved().accent_colour,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/settings.html", context, status=status)


def logo(request: HttpRequest) -> HttpResponse:
    """The organisation's logo, for every page and email (public, as the pages are)."""
    row = site.saved()
    if not row.logo_type or not row.logo:
        return HttpResponse(status=404)
    reply = HttpResponse(bytes(row.logo), content_type=row.logo_type)
    reply["X-Content-Type-Options"] = "nosniff"
    reply["Cache-Control"] = "public, max-age=86400"  # its address changes with a new logo
    return reply
