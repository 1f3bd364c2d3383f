"""The panel in the admin: who was invited and who has answered, the messages sent, and the
survey's own wording of its emails (MessageTemplate: subject, text, HTML per kind and
language, with the placeholders {{ name }}, {{ link }}, {{ closing_date }}, {{ open_until }},
{{ closes_on }}, {{ unsubscribe }})."""

from django.contrib import admin

from indagine.panel.models import Member, Message, MessageTemplate


def _invitation(member: Member) -> dict:
    """The member's invitation's fields; none for a member not invited yet."""
    invitation = getattr(member, "invitation", None)  # the reverse one-to-one raises without
    return vars(invitation) if invitation is not None else {}


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(ReadOnly):
    """Members and how far each got (an anonymous survey records only that one completed,
    never which answers are theirs). Erasure on request: `indagine panel erase`."""

    list_display = ("email", "name", "organisation", "survey", "opened", "started", "completed")
    list_filter = ("survey", "invitation__completed", "invitation__started")
    search_fields = ("email", "name", "organisation")
    exclude = ("attributes",)
    readonly_fields = ("survey", "email", "name", "organisation", "created_at", "erased_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invitation", "survey")

    @admin.display(boolean=True)
    def opened(self, member):
        return _invitation(member).get("opened_at") is not None

    @admin.display(boolean=True)
    def started(self, member):
        return bool(_invitation(member).get("started"))

    @admin.display(boolean=True)
    def completed(self, member):
        return bool(_invitation(member).get("completed"))

    def has_delete_permission(self, request, obj=None):
        return False  # erasure keeps an opt-out and the counts right: `indagine panel erase`


@admin.register(Message)
class MessageAdmin(ReadOnly):
    list_display = ("member", "kind", "round", "status", "queued_at", "sent_at", "attempts")
    list_filter = ("kind", "status", "member__survey")
    readonly_fields = [f.name for f in Message._meta.fields if f.name not in ("lease",)]
    exclude = ("lease",)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("survey", "kind", "language", "subject")
    list_filter = ("survey", "kind", "language")
