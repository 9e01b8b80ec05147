"""The scheduler's slots (ops.models.JobRun): when each job ran and what it answered, read-only. The
dashboard links here for the last nightly audit's differences."""

from django.contrib import admin

from backoffice.common import ImmutableAdmin
from ops.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(ImmutableAdmin):
    list_display = ["id", "job", "slot", "status", "started_at", "finished_at", "attempts", "result"]
    list_filter = ["job", "status"]
    ordering = ["-slot"]
