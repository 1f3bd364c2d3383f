"""Personal links, unsubscribe, and the organiser's panel page."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from indagine.collect import keys
from indagine.forms import languages
from indagine.panel import services, wording
from indagine.panel.codes import PanelCode
from indagine.panel.models import Invitation, Member
from indagine.panel.tokens import member_from_unsubscribe, token_hash
from indagine.surveys import access, site
from indagine.surveys.access import CHANGE, VIEW, organiser
from indagine.surveys.models import Survey
from indagine.web.errors import refusal
from indagine.web.links import guessing_refused, wrong_link


def enter(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A member's personal link: remember it in this browser and go to the survey."""
    refused = guessing_refused(request)
    if refused is not None:
        return refused
    invitation = (
        Invitation.objects.select_related("member__survey")
        .filter(token_hash=token_hash(token), member__survey__slug=slug)
        .first()
    )
    if invitation is None or invitation.member.erased_at:
        return wrong_link(
            request,
            PanelCode.TOKEN_UNKNOWN,
            _("This personal link is not valid. Check that it was copied whole."),
        )
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk).update(opened_at=timezone.now())
    reply = redirect("collect:survey", slug=slug)
    lang = str(invitation.member.attributes.get("language", "")).lower()[:2]
    if languages.is_tag(lang) and not invitation.started:  # the member's, if the form has it
        reply["Location"] += f"?lang={lang}"
    return keys.remember(reply, slug, token)


@csrf_exempt  # RFC 8058 one-click unsubscribe posts without a form; the token is signed
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    member_id = member_from_unsubscribe(token)
    member = Member.objects.filter(pk=member_id).first() if member_id else None
    if member is None:
        return refusal(request, PanelCode.UNSUBSCRIBE_UNKNOWN, _("This link is not valid."))
    lang = request.GET.get("lang", "")
    lang = lang if languages.is_tag(lang) else languages.DEFAULT
    translation.activate(languages.page_words(lang))
    done = request.method == "POST"
    if done and member.email:
        services.opt_out(member.email)
    return render(
        request,
        "panel/unsubscribe.html",
        {"done": done, "lang": lang, "title": member.survey.title},
    )


# Queued messages leave with `indagine worker`, a process apart from the web server.
SENT_BY_WORKER = (
    "They are sent by the background worker (indagine worker): until it runs, they wait."
)


@organiser(VIEW)
def panel_page(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug)
    # Emails are written by the worker, which knows no request: their links come from the
    # site's public address (surveys.site), else INDAGINE_BASE_URL, left at its default
    # (127.0.0.1:8000) more often than not.
    here = request.build_absolute_uri("/").rstrip("/")
    base = site.base_url()
    context = {
        "survey": survey,
        "fieldwork": services.fieldwork(survey),
        "representativeness": services.representativeness(survey),
        "links_elsewhere": base if base != here else "",
        "here": here,
    }
    return render(request, "panel/fieldwork.html", context)


@organiser(CHANGE)
@require_POST
def panel_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug)
    try:
        if action == "import":
            upload = request.FILES.get("file")
            if upload is None or upload.size > settings.MAX_UPLOAD_BYTES:
                raise services.PanelError(
                    PanelCode.MEMBERS_UPLOAD, _("Choose a file (at most the upload limit).")
                )
            suffix = Path(upload.name).suffix.lower() or ".csv"
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                report = services.import_members(survey, Path(handle.name), user=request.user)
            messages.success(
                request,
                ngettext(
                    "%(c)s member added, %(u)s updated.",
                    "%(c)s members added, %(u)s updated.",
                    report.created,
                )
                % {"c": report.created, "u": report.updated},
            )
        elif action == "invite":
            count = services.invite(survey, request.user)
            messages.success(
                request,
                ngettext("%(n)s invitation queued.", "%(n)s invitations queued.", count)
                % {"n": count}
                + " "
                + _(SENT_BY_WORKER),
            )
        elif action == "remind":
            attribute, _sep, value = request.POST.get("segment", "").partition(":")
            segment = (attribute, value) if attribute and value else None
            count = services.remind(survey, request.user, segment=segment)
            messages.success(
                request,
                ngettext("%(n)s reminder queued.", "%(n)s reminders queued.", count) % {"n": count}
                + " "
                + _(SENT_BY_WORKER),
            )
        else:
            return HttpResponse(status=404)
    except services.PanelError as error:
        messages.error(request, f"{_(error.message)} ({error.code})")  # a fixed one translates
        for problem in error.problems[:20]:
            messages.error(request, problem)
    return redirect(reverse("panel:page", args=[slug]))


@organiser(VIEW)
def emails(request: HttpRequest, slug: str) -> HttpResponse:
    """The emails' wording, each kind in each language, with its placeholders and a preview
    of the message as a member receives it; changed by those who may change the survey."""
    survey = get_object_or_404(Survey.objects.select_related("current_version"), slug=slug)
    changes = access.may(request.user, CHANGE, survey)
    status = 200
    posted: dict[str, str] = {}
    if request.method == "POST":
        if not changes:
            raise PermissionDenied
        kind, lang = request.POST.get("kind", ""), request.POST.get("language", "")
        try:
            if request.POST.get("reset"):
                wording.reset(survey, kind, lang, request.user)
                messages.success(request, _("Back to the built-in wording."))
            else:
                subject, text = request.POST.get("subject", ""), request.POST.get("text", "")
                posted = {"kind": kind, "language": lang, "subject": subject, "text": text}
                wording.save(survey, kind, lang, subject, text, request.user)
                messages.success(request, _("Wording saved."))
        except services.PanelError as refused:
            messages.error(request, f"{refused.message} ({refused.code})")
            status = 400
        else:
            return redirect(reverse("panel:emails", args=[slug]) + f"#{kind}-{lang}")
    every = [
        {
            "m": m,
            "boxes": posted
            if (posted.get("kind"), posted.get("language")) == (m.kind, m.language)
            else {"subject": m.words.subject, "text": m.words.text},
        }
        for m in wording.shown(survey)
    ]
    return render(
        request,
        "panel/emails.html",
        {
            "survey": survey,
            "messages_shown": every,
            "kinds": dict(wording.KINDS),
            "placeholders": wording.PLACEHOLDERS,
            "changes": changes,
            "posted": posted,
        },
        status=status,
    )
