"""A statement as files: the PDF (A4, brand colours, Russian) and the XLSX (the same lines, numbers as numbers).

A draft renders on request; an issued statement returns the bytes stored when it was issued, byte for byte."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.dates import MONTHS, MONTHS_ALT
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.reports.rendering import BRAND, Sheet, pdf_render, xlsx_book

from .models import Statement
from .vocabulary import VAT_PERCENT, LineKind, StatementStatus

DOCUMENT_LANGUAGE = "ru"


def month_label(month: date) -> str:
    """«ноябрь 2026 г.» in Russian (the nominative, as after «за»), «November 2026» in English."""
    name = str(MONTHS[month.month])
    if translation.get_language() and translation.get_language().startswith("ru"):
        return f"{name.lower()} {month.year} г."
    return f"{name} {month.year}"


def _date_label(value) -> str:
    """«6 декабря 2026 г.» (the genitive month)."""
    if value is None:
        return ""
    day = timezone.localdate(value) if hasattr(value, "hour") else value
    return f"{day.day} {str(MONTHS_ALT[day.month]).lower()} {day.year} г."


def _line_label(line: dict) -> tuple[str, str]:
    kind = line.get("kind")
    if kind == LineKind.FEE:
        scope = " / ".join(x for x in (line.get("provider"), line.get("service")) if x)
        return str(LineKind.FEE.label), scope
    if kind == LineKind.MINIMUM:
        return str(LineKind.MINIMUM.label), ""
    return line.get("provider", ""), line.get("service", "")


def _rows(statement: Statement) -> list[dict]:
    rows = []
    for line in statement.lines:
        provider, service = _line_label(line)
        rows.append({"provider": provider, "service": service, "kind": line.get("kind"),
                     "cost": Decimal(line["cost"]), "markup": Decimal(line["markup"]),
                     "amount": Decimal(line["amount"])})
    return rows


def _title(statement: Statement) -> str:
    """«Выписка № MSP-2026-0001 за ноябрь 2026 г.»; a draft has no number yet: «Черновик выписки за …»."""
    if not statement.number:
        return _("Draft statement for %(month)s") % {"month": month_label(statement.month)}
    return _("Statement No. %(number)s for %(month)s") % {"number": statement.number,
                                                          "month": month_label(statement.month)}


def statement_pdf(statement: Statement) -> bytes:
    if statement.status != StatementStatus.DRAFT and statement.pdf:
        return bytes(statement.pdf)
    with translation.override(DOCUMENT_LANGUAGE):
        return pdf_render("partners/statement_pdf.html", {
            "statement": statement, "title": _title(statement), "rows": _rows(statement), "brand": BRAND,
            "vat_percent": VAT_PERCENT, "issued_on": _date_label(statement.issued_at),
            "draft": statement.status == StatementStatus.DRAFT,
        })


def statement_xlsx(statement: Statement) -> bytes:
    if statement.status != StatementStatus.DRAFT and statement.xlsx:
        return bytes(statement.xlsx)
    with translation.override(DOCUMENT_LANGUAGE):
        rows = [[r["provider"], r["service"], r["cost"], r["markup"], r["amount"]] for r in _rows(statement)]
        rows.append([_("Total without VAT"), "", statement.cost, statement.subtotal - statement.cost,
                     statement.subtotal])
        rows.append([_("VAT %(percent)s %%") % {"percent": VAT_PERCENT}, "", None, None, statement.vat])
        rows.append([_("Total due"), "", None, None, statement.total])
        seller, buyer = statement.seller or {}, statement.buyer or {}
        notes = [_title(statement),
                 _("Contractor: %(name)s, INN %(inn)s, KPP %(kpp)s, %(address)s") % _requisites(seller),
                 _("Customer: %(name)s, INN %(inn)s, KPP %(kpp)s, %(address)s") % _requisites(buyer)]
        if statement.issued_at:
            notes.append(_("Issued on %(date)s") % {"date": _date_label(statement.issued_at)})
        sheet = Sheet(title=_("Statement"), header=[pgettext("statement", "Provider"), pgettext("statement", "Service"),
                                                     pgettext("statement", "Cost"), _("Markup"),
                                                     pgettext("statement", "Amount")],
                      rows=rows, currency=statement.currency, money=(2, 3, 4), bold_last=True, notes=notes)
        return xlsx_book([sheet])


def _requisites(data: dict) -> dict:
    return {"name": data.get("legal_name") or "—", "inn": data.get("inn") or "—", "kpp": data.get("kpp") or "—",
            "address": data.get("legal_address") or "—"}


def statement_filename(statement: Statement, extension: str) -> str:
    label = statement.number or f"draft-{statement.organization.slug}"
    return f"statement-{label}-{statement.month:%Y-%m}.{extension}"
