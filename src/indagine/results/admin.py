from django.contrib import admin

from indagine.results.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: who holds one, when it was last used; deleting one revokes it. The key
    itself was shown once when issued and is not stored (only its hash and first letters)."""

    list_display = ("name", "prefix", "user", "created_at", "last_used_at")
    list_filter = ("user",)
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        return False  # issued on /manage/, where the key is shown once

    def has_change_permission(self, request, obj=None):
        return False
