"""The ledger in the admin: accounts, journal entries and postings, read-only for everyone."""

from typing import cast

from django.contrib import admin

from backoffice.common import ImmutableAdmin, ImmutableInline
from ledger.models import Account, JournalEntry, Posting


class PostingInline(ImmutableInline):
    model = Posting
    fields = ["account", "amount", "currency"]
    readonly_fields = cast("list[str]", fields)  # names only, no fieldset groups
    show_change_link = False


@admin.register(Account)
class AccountAdmin(ImmutableAdmin):
    list_display = ["code", "kind", "currency", "party", "name"]
    list_filter = ["kind", "currency"]
    search_fields = ["code", "name", "=party"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ImmutableAdmin):
    list_display = ["id", "created_at", "cause", "reference", "party", "memo"]
    list_filter = ["cause"]
    search_fields = ["=party", "reference", "memo"]
    date_hierarchy = "created_at"
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ImmutableAdmin):
    list_display = ["id", "entry", "account", "amount", "currency"]
    list_filter = ["currency", "account__kind"]
    search_fields = ["=account__party", "account__code"]
    list_select_related = ["entry", "account"]
