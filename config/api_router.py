"""Every REST resource of the API under `/api/`, registered from each app's `api.views`."""

from rest_framework.routers import DefaultRouter

from audit.api.views import AuditEventViewSet
from settlements.api.runs import SettlementRunViewSet
from settlements.api.views import RemittanceViewSet
from worklogs.api.views import AdjustmentViewSet, SegmentViewSet, TaskViewSet, WorkerViewSet, WorkLogViewSet

router = DefaultRouter()
router.register("workers", WorkerViewSet, basename="worker")
router.register("tasks", TaskViewSet, basename="task")
router.register("worklogs", WorkLogViewSet, basename="worklog")
router.register("segments", SegmentViewSet, basename="segment")
router.register("adjustments", AdjustmentViewSet, basename="adjustment")
router.register("remittances", RemittanceViewSet, basename="remittance")
router.register("settlement-runs", SettlementRunViewSet, basename="settlement-run")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
