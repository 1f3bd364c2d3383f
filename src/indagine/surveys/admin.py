from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from indagine.surveys.models import AuditEntry, FormVersion, Survey


@admin.register(Survey)
class SurveyAdmin(GuardedModelAdmin):  # "Object permissions": rights on one survey
    list_display = ("slug", "title", "state", "opens_at", "closes_at", "retention_months")
    search_fields = ("slug", "title")


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    list_display = ("survey", "number", "source_name", "created_at")
    readonly_fields = [f.name for f in FormVersion._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "survey", "user")
    list_filter = ("action",)
