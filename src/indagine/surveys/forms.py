from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from indagine.forms.loader import SUFFIXES
from indagine.surveys.models import SiteSettings, Survey


class UploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm file (.xlsx, .xls, .csv, .md)"))
    slug = forms.SlugField(
        label=_("Address (slug)"),
        required=False,
        help_text=_("Leave empty to use the form_id of the settings sheet."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(  # the code shown, as in every refusal of a form
                "%(text)s (FORM_TOO_LARGE)",
                code="FORM_TOO_LARGE",
                params={"text": _("The file is too large.")},
            )
        # a .zip: the XLSForm with its images (forms/media.py)
        if not any(upload.name.lower().endswith(s) for s in (*SUFFIXES, ".zip")):
            raise forms.ValidationError(
                "%(text)s (FORM_UNREADABLE)",
                code="FORM_UNREADABLE",
                params={"text": _("Use an .xlsx, .xls, .csv or .md file.")},
            )
        return upload


class ScheduleForm(forms.Form):
    closes_at = forms.DateTimeField(
        label=_("Closing date and time"),
        required=False,
        # the value as a datetime-local box reads it, whatever the language's date format
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class RetentionForm(forms.ModelForm):
    """How long the members' personal data is kept: the model field's label, limits and help."""

    class Meta:
        model = Survey
        fields = ["retention_months"]


class SiteSettingsForm(forms.ModelForm):
    """The site's public address and the organisation's name. The address is only a scheme
    and a host (and a port): the pages' own paths are added to it, so a path, a query or a
    fragment would end up in the middle of every link."""

    public_address = forms.URLField(
        label=SiteSettings._meta.get_field("public_address").verbose_name,
        help_text=SiteSettings._meta.get_field("public_address").help_text,
        required=False,
        assume_scheme="https",
        max_length=200,
    )

    class Meta:
        model = SiteSettings
        fields = ["public_address", "organisation_name"]

    def clean_public_address(self) -> str:
        address = self.cleaned_data["public_address"].strip()
        if not address:
            return ""
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https"):
            raise forms.ValidationError(
                _("The address starts with https:// (or http://)."), code="scheme"
            )
        if parts.username or parts.password:
            raise forms.ValidationError(
                _("The address cannot hold a user name or a password."), code="userinfo"
            )
        if parts.path not in ("", "/") or "?" in address or "#" in address:
            raise forms.ValidationError(
                _(
                    "Only the site's address, as https://survey.example.org: no path, query "
                    "or fragment after it."
                ),
                code="path",
            )
        return f"{parts.scheme}://{parts.netloc}"
