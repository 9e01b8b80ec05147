"""The back office's pages that are not plain model pages.

- remittance transitions (cancel, mark failed, mark paid, mark returned): a confirmation page asking for a reason
  and showing what will be released, then one service call per remittance;
- starting a settlement run: a preview of what it would pay (`settlements.selectors.settlement_preview`,
  from the same selectors the run uses), then the run (`settlements.tasks.settlement_run_start`);
- a worker's statement (`settlements.selectors.worker_statement`), with the balance endpoint's
  figures beside it so finance can see that they reconcile.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from api.fields import DayFormField
from backoffice.common import apply_to_each, form_error_from, service_form_page
from core.errors import DomainError
from core.money import format_money
from settlements import selectors, services
from settlements.models import REMITTANCE_TRANSITIONS, Remittance, RemittanceStatus
from settlements.tasks import settlement_run_start


def money_cell(amount, currency: str = "") -> dict:
    return {"money": True, "value": f"{format_money(amount)} {currency}".strip()}


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ProviderReferenceForm(forms.Form):
    provider_reference = forms.CharField(
        required=False, max_length=200, help_text="Optional: the payment provider's or bank's reference."
    )


@dataclass(frozen=True)
class Transition:
    slug: str
    to_status: str
    title: str
    submit: str
    form_class: type[forms.Form]
    outcome: str
    done: str

    def call(self, remittance: Remittance, data: dict, actor) -> Remittance:
        if self.to_status == RemittanceStatus.PAID:
            return services.remittance_mark_paid(remittance=remittance, actor=actor, **data)
        if self.to_status == RemittanceStatus.RETURNED:
            return services.remittance_mark_returned(remittance=remittance, actor=actor, source="admin", **data)
        service = services.remittance_cancel if self.slug == "cancel" else services.remittance_mark_failed
        return service(remittance=remittance, actor=actor, **data)

    def history(self, data: dict) -> str:
        """What the admin History says of it: the new status and the reason or reference given."""
        detail = data.get("reason") or data.get("provider_reference")
        return f"{self.to_status}: {detail}" if detail else self.to_status


TRANSITIONS = {
    t.slug: t
    for t in [
        Transition(
            "cancel",
            RemittanceStatus.CANCELLED,
            "Cancel remittances",
            "Cancel remittances",
            ReasonForm,
            "released: back to unremitted, paid by the next run",
            "remittance(s) cancelled",
        ),
        Transition(
            "mark-failed",
            RemittanceStatus.FAILED,
            "Mark remittances failed",
            "Mark failed",
            ReasonForm,
            "released: back to unremitted, paid by the next run",
            "remittance(s) marked failed",
        ),
        Transition(
            "mark-paid",
            RemittanceStatus.PAID,
            "Mark remittances paid",
            "Mark paid",
            ProviderReferenceForm,
            "paid: counted as remitted on its worklogs",
            "remittance(s) marked paid",
        ),
        Transition(
            "mark-returned",
            RemittanceStatus.RETURNED,
            "Mark paid remittances returned (the transfer came back)",
            "Mark returned",
            ReasonForm,
            "returned: no longer remitted, released to the next run",
            "remittance(s) marked returned",
        ),
    ]
}


def transition_page(modeladmin, request, queryset, *, transition: Transition, hidden, on_done):
    """Confirm, then apply, one transition to the remittances of `queryset`."""
    form = transition.form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        apply_to_each(
            modeladmin,
            request,
            queryset,
            lambda r: transition.call(r, form.cleaned_data, request.user),
            done=transition.done,
            history=transition.history(form.cleaned_data),
        )
        return on_done()
    remittances = list(queryset.select_related("worker").order_by("pk"))
    by_remittance = selectors.remittance_worklog_amounts(remittance_ids=[r.pk for r in remittances])
    totals: dict[str, Decimal]
    rows, totals = [], {}
    for r in remittances:
        allowed = transition.to_status in REMITTANCE_TRANSITIONS[r.status]
        if allowed:
            totals[r.currency] = totals.get(r.currency, 0) + r.amount
        worklogs = ", ".join(f"worklog #{w['worklog_id']}: {format_money(w['amount'])}" for w in by_remittance[r.pk])
        outcome = transition.outcome if allowed else f"refused: a {r.status} remittance cannot become that"
        rows.append([f"#{r.pk}", r.worker, r.period_end, r.status, money_cell(r.amount, r.currency), worklogs, outcome])
    table = {
        "caption": "What this will do",
        "headers": ["remittance", "worker", "period end", "status", "amount", "worklogs", "outcome"],
        "rows": rows,
        "footer": [["total", "", "", "", money_cell(t, c), "", ""] for c, t in sorted(totals.items())],
    }
    return service_form_page(
        modeladmin,
        request,
        title=transition.title,
        form=form,
        submit_label=transition.submit,
        hidden=hidden,
        table=table,
    )


def transition_links(remittance: Remittance) -> list[tuple[str, str]]:
    return [
        (
            t.submit.replace(" remittances", ""),
            reverse("admin:settlements_remittance_transition", args=[remittance.pk, slug]),
        )
        for slug, t in TRANSITIONS.items()
        if t.to_status in REMITTANCE_TRANSITIONS[remittance.status]
    ]


# --- Starting a run ---------------------------------------------------------------------------


class RunStartForm(forms.Form):
    period_end = forms.DateField(help_text="YYYY-MM-DD. Pays every item due by this date (API.md money rule 4).")


def preview_table(preview) -> dict:
    rows = [[w.pk, w.name, money_cell(t, w.currency), "would be paid"] for w, t in preview.paid]
    rows += [
        [w.pk, w.name, money_cell(t, w.currency), "skipped: total ≤ 0, carried forward"] for w, t in preview.skipped
    ]
    rows += [[w.pk, w.name, "", "already has a remittance for this period"] for w in preview.already_settled]
    return {
        "caption": f"Preview for period end {preview.period_end}",
        "headers": ["worker", "name", "amount", "outcome"],
        "rows": rows,
        "empty": "No worker has anything eligible for this period end.",
        "footer": [
            ["total", c, money_cell(t, c), f"{len(preview.paid)} remittance(s)"] for c, t in preview.totals.items()
        ],
    }


def run_start_view(modeladmin, request):
    """Step 1 (no `apply`): preview. Step 2 (`apply`): the run, then its page."""
    data = request.POST if request.method == "POST" else None
    form = RunStartForm(data, initial={"period_end": selectors.default_period_end()})
    table, submit, submit_name = None, "Preview", "preview"
    if form.is_bound and form.is_valid():
        period_end = form.cleaned_data["period_end"]
        if "apply" in request.POST:
            try:
                run = settlement_run_start(period_end=period_end, created_by=request.user)
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                count = run.remittances.count()
                totals = ", ".join(f"{format_money(t)} {c}" for c, t in selectors.run_totals(run).items()) or "nothing"
                done = f"Run #{run.pk} created {count} remittance(s): {totals}."
                modeladmin.log_addition(request, run, f"Started for period end {period_end}. {done}")
                modeladmin.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:settlements_settlementrun_change", args=[run.pk]))
        table = preview_table(selectors.settlement_preview(period_end=period_end))
        submit, submit_name = "Start the run", "apply"
    return service_form_page(
        modeladmin,
        request,
        title="Start a settlement run",
        form=form,
        submit_label=submit,
        submit_name=submit_name,
        table=table,
        notes=["The preview writes nothing. A large run is better started with `manage.py run_settlement`."],
    )


# --- Rejecting runs (four eyes) ---------------------------------------------------------------


def run_reject_page(modeladmin, request, queryset, *, hidden):
    """Confirm with a reason, then reject each run (`settlement_run_reject`: its PENDING remittances
    are cancelled); runs not awaiting approval are refused with a message."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        apply_to_each(
            modeladmin,
            request,
            queryset,
            lambda run: services.settlement_run_reject(run=run, reason=reason, actor=request.user),
            done="run(s) rejected, their PENDING remittances cancelled",
            history=f"Rejected: {reason}",
        )
        return None
    runs = list(queryset.order_by("pk"))
    summaries = selectors.runs_summaries(run_ids=[run.pk for run in runs])
    rows = [[f"#{run.pk}", run.period_end, run.approval_state, summaries[run.pk][0], _run_outcome(run)] for run in runs]
    table = {
        "caption": "What this will do",
        "headers": ["run", "period end", "approval", "remittances", "outcome"],
        "rows": rows,
    }
    return service_form_page(
        modeladmin,
        request,
        title="Reject settlement runs",
        form=form,
        submit_label="Reject",
        hidden=hidden,
        table=table,
    )


def _run_outcome(run) -> str:
    try:
        services.settlement_run_check_decision(run=run)
    except DomainError as exc:
        return f"refused: {exc.message}"
    return "rejected: its PENDING remittances are cancelled, their items paid by the next run"


# --- Statement ----------------------------------------------------------------------------------


class StatementForm(forms.Form):
    # The API's date rules (api/fields.py): a bound out of range would overflow a day's instants.
    date_from = DayFormField(required=False, label="From")
    date_to = DayFormField(required=False, label="To")


def statement_view(modeladmin, request, worker):
    form = StatementForm(request.GET or None)
    bounds = form.cleaned_data if form.is_bound and form.is_valid() else {}
    statement = selectors.worker_statement(
        worker=worker, date_from=bounds.get("date_from"), date_to=bounds.get("date_to")
    )
    balance = selectors.worker_balance(worker=worker)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Statement of {worker}",
        "opts": modeladmin.model._meta,
        "worker": worker,
        "form": form,
        "statement": statement,
        "balance": balance,
        "owed": balance["unremitted"] + balance["pending"],
        "all_time": not bounds.get("date_from") and not bounds.get("date_to"),
    }
    return TemplateResponse(request, "admin/settlements/statement.html", context)
