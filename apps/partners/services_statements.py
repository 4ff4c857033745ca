"""Client statements: THE draft of a client and month (created or regenerated from the month's costs and the
billing rules), issuing (numbered per partner and year, figures, requisites and files frozen), corrections.

An issued statement never changes: every change asked of it is a 409 ``statement_issued``; it can only be
superseded by a correction statement, which takes its place when issued (in the same transaction)."""

from __future__ import annotations

import enum
import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError
from apps.tenants.models import Organization, Partner

from .billing import bill_for_month
from .documents import month_label, statement_pdf, statement_xlsx
from .models import Statement
from .vocabulary import StatementStatus

logger = logging.getLogger(__name__)


class StatementError(enum.Enum):
    NO_DATA = "statement_no_data"
    ISSUED = "statement_issued"
    NOT_ISSUED = "statement_not_issued"
    NOT_CLIENT = "invalid"


def _issued_refusal(statement: Statement) -> ApplicationError:
    return ApplicationError(
        _("Statement %(number)s is issued and cannot be changed; create a correction statement instead.")
        % {"number": statement.number or statement.pk},
        StatementError.ISSUED, {"statement": statement.pk}, http_status=409)


def statement_ensure_draft(statement: Statement) -> None:
    """Refuse (409) any change to a statement that is not a draft."""
    if statement.status != StatementStatus.DRAFT:
        raise _issued_refusal(statement)


def _fill(statement: Statement, *, partner: Partner, organization: Organization, month: date) -> None:
    bill = bill_for_month(organization=organization, month=month)
    if bill.empty:
        raise ApplicationError(
            _("There is no cost data of the client for %(month)s: no statement was created.")
            % {"month": month_label(month)}, StatementError.NO_DATA, {"field": "month"})
    statement.currency = bill.currency
    statement.lines = [line.as_dict() for line in bill.lines]
    statement.cost = bill.cost
    statement.subtotal = bill.subtotal
    statement.vat = bill.vat
    statement.total = bill.total
    statement.seller = partner.requisites()
    statement.buyer = organization.requisites()
    statement.generated_at = timezone.now()
    statement.pdf = None
    statement.xlsx = None


@transaction.atomic
def statement_draft(*, partner: Partner, organization: Organization, month: date, actor,
                    correction: bool = False) -> tuple[Statement, bool]:
    """Create or regenerate THE draft of ``organization`` for ``month``: (statement, created)."""
    if organization.partner_id != partner.pk:
        raise ApplicationError(_("Choose one of your clients."), StatementError.NOT_CLIENT,
                               {"field": "organization"})
    month = month.replace(day=1)
    Partner.objects.select_for_update().filter(pk=partner.pk).first()  # one writer per partner at a time
    issued = Statement.objects.filter(organization=organization, month=month, status=StatementStatus.ISSUED).first()
    draft = Statement.objects.filter(organization=organization, month=month, status=StatementStatus.DRAFT).first()
    if issued is not None and not correction and (draft is None or draft.corrects_id != issued.pk):
        raise _issued_refusal(issued)
    created = draft is None
    if created:
        draft = Statement(partner=partner, organization=organization, month=month)
    if issued is not None and correction:
        draft.corrects = issued
    _fill(draft, partner=partner, organization=organization, month=month)
    draft.save()
    logger.info("statement.%s id=%s partner=%s organization=%s month=%s by user=%s",
                "created" if created else "regenerated", draft.pk, partner.pk, organization.pk, month,
                getattr(actor, "pk", None))
    return draft, created


def statement_regenerate(*, statement: Statement, actor) -> Statement:
    statement_ensure_draft(statement)
    statement, _created = statement_draft(partner=statement.partner, organization=statement.organization,
                                          month=statement.month, actor=actor,
                                          correction=statement.corrects_id is not None)
    return statement


def statement_correct(*, statement: Statement, actor) -> Statement:
    """A draft correcting the issued ``statement`` (the month's draft, if one exists, becomes it)."""
    if statement.status != StatementStatus.ISSUED:
        raise ApplicationError(_("Only an issued statement can be corrected."), StatementError.NOT_ISSUED,
                               {"statement": statement.pk}, http_status=409)
    draft, _created = statement_draft(partner=statement.partner, organization=statement.organization,
                                      month=statement.month, actor=actor, correction=True)
    return draft


def _next_number(*, partner: Partner, year: int) -> str:
    prefix = f"{(partner.slug or 'MSP').upper()}-{year}-"
    numbers = Statement.objects.filter(partner=partner, number__startswith=prefix).values_list("number", flat=True)
    last = max((int(n[len(prefix):]) for n in numbers if n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


@transaction.atomic
def statement_issue(*, statement: Statement, actor) -> Statement:
    """Number the draft, freeze its lines, requisites and totals, store its PDF and XLSX; a correction supersedes
    the statement it corrects."""
    partner = Partner.objects.select_for_update().get(pk=statement.partner_id)  # numbers are taken one at a time
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    statement_ensure_draft(statement)
    now = timezone.now()
    statement.number = _next_number(partner=partner, year=timezone.localdate(now).year)
    statement.seller = partner.requisites()
    statement.buyer = statement.organization.requisites()
    statement.issued_at = now
    statement.issued_by_id = getattr(actor, "pk", None)
    if statement.corrects_id:
        Statement.objects.filter(pk=statement.corrects_id, status=StatementStatus.ISSUED).update(
            status=StatementStatus.SUPERSEDED)
    statement.status = StatementStatus.ISSUED
    statement.pdf = statement_pdf(statement)
    statement.xlsx = statement_xlsx(statement)
    statement.save()
    audit_event_record(schema_name=statement.organization.schema_name, action="statement.issued", actor=actor,
                       target=statement.number, data={"month": f"{statement.month:%Y-%m}",
                                                      "total": str(statement.total),
                                                      "corrects": statement.corrects_id})
    logger.info("statement.issued id=%s number=%s by user=%s", statement.pk, statement.number,
                getattr(actor, "pk", None))
    return statement


def statement_delete(*, statement: Statement, actor) -> None:
    statement_ensure_draft(statement)
    logger.info("statement.deleted id=%s by user=%s", statement.pk, getattr(actor, "pk", None))
    statement.delete()
