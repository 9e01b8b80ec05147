"""The remittance advice as a PDF, drawn with fpdf2 (pure Python: the server needs no system library).

The text uses the PDF's standard Helvetica, which every reader has, so nothing is embedded and the
file stays a few kilobytes; it covers Latin-1. A character outside it (a name in another script) is
written without its accent when it has one, else as "?" — the amounts, dates and ids are ASCII.
"""

import unicodedata
from decimal import Decimal

from fpdf import FPDF
from fpdf.fonts import FontFace

from core.instants import local_date
from core.money import format_money
from settlements.selectors.advice import RemittanceAdvice

GREY = (230, 230, 230)


def latin1(text: str) -> str:
    """`text` as Helvetica can write it: Latin-1, accents dropped from other letters, else "?"."""
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


def _money(amount: Decimal, currency: str) -> str:
    return f"{format_money(amount)} {currency}"


def advice_filename(advice: RemittanceAdvice) -> str:
    return f"remittance-{advice.remittance_id}-{advice.period_end.isoformat()}-advice.pdf"


def advice_pdf(advice: RemittanceAdvice) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Remittance advice #{advice.remittance_id}"))
    pdf.set_author("WorkLog Settlement")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, latin1(f"Remittance advice #{advice.remittance_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    facts = [
        ("Paid to", f"{advice.worker_name} (worker #{advice.worker_id})"),
        ("Period", _period(advice)),
        ("Amount", _money(advice.amount, advice.currency)),
        ("Status", advice.status),
        (
            "Destination account",
            f"ending in {advice.account_last_four}" if advice.account_last_four else "not recorded",
        ),
        ("Issued", local_date(advice.created_at).isoformat()),
    ]
    if advice.provider_reference:
        facts.append(("Payment reference", advice.provider_reference))
    with pdf.table(col_widths=(45, 135), first_row_as_headings=False, borders_layout="NONE") as table:
        for label, value in facts:
            row = table.row()
            row.cell(latin1(label), style=FontFace(emphasis="BOLD"))
            row.cell(latin1(value))
    pdf.ln(4)
    _section(pdf, "Work")
    headings = FontFace(emphasis="BOLD", fill_color=GREY)
    with pdf.table(
        col_widths=(20, 100, 25, 35), headings_style=headings, text_align=("LEFT", "LEFT", "RIGHT", "RIGHT")
    ) as table:
        table.row(["Worklog", "Task", "Hours", f"Amount ({advice.currency})"])
        for line in advice.worklogs:
            table.row([f"#{line.worklog_id}", latin1(line.task), str(line.hours), format_money(line.amount)])
        table.row(["", "Total hours", str(advice.total_hours), ""])
    if advice.corrections:
        pdf.ln(4)
        _section(pdf, "Adjustments and clawbacks")
        with pdf.table(
            col_widths=(25, 20, 25, 75, 35),
            headings_style=headings,
            text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
        ) as table:
            table.row(["Kind", "Worklog", "Work date", "Reason", f"Amount ({advice.currency})"])
            for c in advice.corrections:
                day = c.work_date.isoformat() if c.work_date else ""
                table.row([c.label, f"#{c.worklog_id}", day, latin1(c.reason), format_money(c.amount)])
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, latin1(f"Total paid: {_money(advice.amount, advice.currency)}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _period(advice: RemittanceAdvice) -> str:
    if advice.first_work_date is None or advice.last_work_date is None:
        return f"up to {advice.period_end.isoformat()}"
    return (
        f"up to {advice.period_end.isoformat()} "
        f"(work from {advice.first_work_date.isoformat()} to {advice.last_work_date.isoformat()})"
    )


def _section(pdf: FPDF, title: str) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
