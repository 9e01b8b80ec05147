"""The strict filter sets build their form class once per FilterSet class, and it stays theirs."""

from django.http import QueryDict

from worklogs.api.filters import SegmentFilter, WorkLogFilter
from worklogs.models import Segment, WorkLog


def test_one_form_class_per_filterset_class_with_its_own_fields():
    first = WorkLogFilter(QueryDict("remittanceStatus=REMITTED"), queryset=WorkLog.objects.none())
    second = WorkLogFilter(QueryDict("workerId=7"), queryset=WorkLog.objects.none())
    other = SegmentFilter(QueryDict("status=ACTIVE"), queryset=Segment.objects.none())

    assert type(first.form) is type(second.form)
    assert type(other.form) is not type(first.form)
    assert set(first.form.fields) == {"remittanceStatus", "workerId", "taskId", "externalId"}
    assert set(other.form.fields) == {"status", "worklogId"}


def test_a_shared_form_class_keeps_each_request_s_errors_apart():
    bad = WorkLogFilter(QueryDict("workerId=1.5"), queryset=WorkLog.objects.none())
    good = WorkLogFilter(QueryDict("workerId=7"), queryset=WorkLog.objects.none())

    assert not bad.is_valid()
    assert "workerId" in bad.form.errors
    assert good.is_valid(), good.form.errors
    assert good.form.cleaned_data["workerId"] == 7
