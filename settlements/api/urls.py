"""The settlements API's paths that are not router resources (config/api_router.py registers those)."""

from django.urls import path, re_path

from settlements.api.advice import RemittanceAdvicePDFView
from settlements.api.exports import RunRemittancesCSVView
from settlements.api.payees import PayoutDestinationConfirmView, PayoutDestinationView
from settlements.api.runs import GenerateRemittancesView, SettlementRunResumeView
from settlements.api.sepa import BankReportView, RunSepaFileView, SepaFileXMLView
from settlements.api.statement import WorkerStatementView
from settlements.api.views import WorkerBalanceView
from settlements.api.webhooks import PayoutEventView

urlpatterns = [
    path("api/workers/<int:pk>/balance/", WorkerBalanceView.as_view(), name="worker-balance"),
    path("api/workers/<int:pk>/statement/", WorkerStatementView.as_view(), name="worker-statement"),
    path("api/workers/<int:pk>/payout-destination/", PayoutDestinationView.as_view(), name="worker-payout-destination"),
    path(
        "api/workers/<int:pk>/payout-destination/confirm/",
        PayoutDestinationConfirmView.as_view(),
        name="worker-payout-destination-confirm",
    ),
    path("api/settlement-runs/<int:pk>/resume/", SettlementRunResumeView.as_view(), name="settlement-run-resume"),
    path(
        "api/settlement-runs/<int:pk>/remittances.csv",
        RunRemittancesCSVView.as_view(),
        name="settlement-run-remittances-csv",
    ),
    path("api/remittances/<int:pk>/advice.pdf", RemittanceAdvicePDFView.as_view(), name="remittance-advice-pdf"),
    path("api/settlement-runs/<int:pk>/sepa-files/", RunSepaFileView.as_view(), name="settlement-run-sepa-files"),
    path("api/sepa-files/<int:pk>.xml", SepaFileXMLView.as_view(), name="sepa-file-xml"),
    path("api/bank-reports/", BankReportView.as_view(), name="bank-reports"),
    path("api/payout-events/", PayoutEventView.as_view(), name="payout-events"),
    # The seed's generate endpoint; the trailing slash is optional.
    re_path(r"^generate-remittances-for-all-users/?$", GenerateRemittancesView.as_view(), name="generate-remittances"),
]
