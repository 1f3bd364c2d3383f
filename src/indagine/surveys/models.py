"""Surveys, their immutable form versions, and the audit trail of what organisers did."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indagine.forms.model import Form

RETENTION_MAX_MONTHS = 120
RETENTION_HELP = _(
    "Months after the survey closes (by calendar months, in the site's time zone) when the "
    "members' address, name, organisation and attributes, when they opened their link and the "
    "messages sent to them are erased, and in a named survey the link between each response "
    "and its member. The answers, the counts of who completed and the opt-outs stay; weighting "
    "by the member list's composition is no longer possible after. Empty: kept until erased "
    "by hand."
)


class Survey(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    # Anonymous: a complete response keeps nothing that links it to a member.
    anonymous = models.BooleanField(default=False)
    # Panel only: answers come only through members' personal links.
    panel_only = models.BooleanField(default=False)
    # Retention: the members' personal data erased this many calendar months after closing
    # (panel.retention, a daily task). At least one month, so that a survey closed by mistake
    # can be opened again before anything is erased; None keeps it until erased by hand.
    retention_months = models.PositiveSmallIntegerField(
        _("erase members' personal data after (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(RETENTION_MAX_MONTHS)],
        help_text=RETENTION_HELP,
    )
    current_version = models.ForeignKey(
        "FormVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Editions: the survey this one is the next edition of (surveys.editions), what it is
    # called beside the others ("2021"; empty: the year it opened or was made), and the
    # organiser's matching of its questions to the earlier edition's (question name to the
    # earlier name, "" for none), over the questionnaire's own `previous_name` column.
    edition_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="later_editions"
    )
    edition_label = models.CharField(max_length=40, blank=True)
    edition_matches = models.JSONField(default=dict, blank=True)
    # Each member's benchmark on the thank-you page (results.benchmark): on or off, the
    # single-choice question that makes their group, and the least respondents a group
    # shown has (a smaller one is never shown). Set from the form's settings sheet at import,
    # and on the survey's page.
    benchmark = models.BooleanField(default=False)
    benchmark_group = models.CharField(max_length=100, blank=True)
    benchmark_min_group = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(2), MaxValueValidator(1000)]
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.slug

    @property
    def edition_name(self) -> str:
        """What the survey is called beside its other editions: its label, else its year."""
        when = self.closes_at or self.opens_at or self.created_at
        return self.edition_label or (str(timezone.localtime(when).year) if when else self.slug)

    def is_accepting(self, now=None) -> bool:
        """Open, and within its scheduled dates if it has any."""
        now = now or timezone.now()
        if self.state != self.State.OPEN:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)

    def erasure_date(self) -> dt.date | None:
        """The day the members' personal data is erased: `retention_months` calendar months
        after the day (in the site's time zone) the survey closes or closed, clamped to the
        month's end (31 January + 1 month is the last of February). None when it is kept until
        erased by hand, when no closing date is known, or for a draft, which never opened."""
        if self.retention_months is None or self.closes_at is None:
            return None
        if self.state == self.State.DRAFT:
            return None
        return timezone.localdate(self.closes_at) + relativedelta(months=self.retention_months)

    def phase(self, now=None) -> str:
        """'open', 'not_yet_open' or 'closed', as the respondent sees it."""
        now = now or timezone.now()
        if self.is_accepting(now):
            return "open"
        if self.state == self.State.DRAFT or (self.opens_at and now < self.opens_at):
            return "not_yet_open"
        return "closed"


class FormVersion(models.Model):
    """One imported XLSForm, parsed; never changed once stored."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    form_json = models.JSONField()
    source = models.BinaryField()
    source_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="one_number_per_version")
        ]
        ordering = ["survey", "number"]

    def __str__(self) -> str:
        return f"{self.survey.slug} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("A form version is immutable: import a new version instead.")
        super().save(*args, **kwargs)

    @property
    def form(self) -> Form:
        """The parsed form. Versions are immutable, so each process parses one once; callers
        may defer `form_json`, which is then read only on this process's first use."""
        key = (self.pk, self.sha256)
        form = _FORMS.get(key)
        if form is None:
            form = _FORMS[key] = Form.from_json(self.form_json)
        return form


_FORMS: dict[tuple[int, str], Form] = {}


class PastEdition(models.Model):
    """An edition before the survey's first one in indagine, known only from its published
    tables: each question's share of each choice and how many answered (surveys.editions
    reads it as a simple random sample of that many). Kept on the survey it was given to;
    every later edition finds it through `edition_of`."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="past_editions")
    label = models.CharField(max_length=40)  # "2019": editions are ordered by label
    figures = models.JSONField()  # {question: {"n": n, "shares": {choice: share}}}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "label"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "label"], name="one_past_edition_label")
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug} {self.label}"


class QuestionnaireDraft(models.Model):
    """The questionnaire as the editor holds it (`surveys.editor`). While the survey's version
    has no answers, each change is written into that version too; once it has some, changes
    wait here until the organiser makes them a new version. One step back is kept to undo."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="draft")
    based_on = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="+")
    source = models.BinaryField()
    source_name = models.CharField(max_length=200)
    revision = models.PositiveIntegerField(default=0)  # what an editor's page was drawn from
    change = models.CharField(max_length=300, blank=True)  # the last change, in words
    edited_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    undo_source = models.BinaryField(null=True, blank=True)
    undo_change = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.survey.slug} draft r{self.revision}"


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.CASCADE)
    action = models.CharField(max_length=60)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class SiteSettings(models.Model):
    """What the organisers set for the whole site, one row (`surveys.site`): saved in the
    database so that the organiser's page can change it without editing the environment."""

    # Over INDAGINE_BASE_URL: the worker writes the emails' links without a request to read
    # the address from, and the letter goes to members who are not on this machine.
    public_address = models.URLField(
        _("public address of the site"),
        blank=True,
        help_text=_(
            "The address members reach this site at, as https://survey.example.org: the "
            "links in emails and in the letter start with it. Empty: the server's setting."
        ),
    )
    organisation_name = models.CharField(
        _("organisation's name"),
        max_length=200,
        blank=True,
        help_text=_("How the letter greets the members, as the name of their organisation."),
    )
    # Branding (surveys/site.py): on the respondents' pages, the emails and the report.
    accent_colour = models.CharField(max_length=7, blank=True)  # "#0b5394"; empty: indagine's
    logo = models.BinaryField(null=True, blank=True)  # in the database: in backups, on every server
    logo_type = models.CharField(max_length=20, blank=True)  # image/png, image/jpeg, image/webp
    logo_version = models.PositiveIntegerField(default=0)  # in the logo's address: a new one shows

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self) -> str:
        return "site settings"
