"""The cost ledger: one ``CostRecord`` per FOCUS 1.2 row (columns.md), and the imports that fill it.

Column names are the snake_case of the FOCUS column ids. Strings that FOCUS allows to be null are
stored as empty strings (one representation of "missing" for grouping and filters); money is
``Decimal`` in ``billing_currency``; periods are half-open UTC intervals.
"""

from __future__ import annotations

import hashlib
import json

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 20, "decimal_places": 10}
# A text column FOCUS lets be empty: '' in Python and as the database's own default, so a bulk load may leave out a
# column that is empty in every row (``apps.costs.services.import_run``).
BLANK = {"blank": True, "default": "", "db_default": ""}
QUANTITY = {"max_digits": 30, "decimal_places": 10}
# Characters of a tag key / value that the tag rollup's indexes hold (apps.costs.selectors.explorer reads them).
TAG_INDEX_PREFIX = 200


def id_hash(column: str) -> Func:
    """The ledger's id and source-key indexes hold a 64-bit hash of the text (``hashtextextended``, stable
    across PostgreSQL versions: hash partitioning relies on it): ids have no length limit, and an index build
    sorts integers several times faster than text. A lookup compares the hash, then the text itself
    (``apps.costs.selectors.explorer._ledger_names``, the deletes of replaced rows)."""
    return Func(F(column), Value(0), function="hashtextextended", output_field=models.BigIntegerField())


def content_id(text: str) -> int:
    """A content-addressed set's id (``ExtrasSet``, ``TagSet``): the first 8 bytes of the BLAKE2b hash of its JSON
    text, as a signed 64-bit integer (0, which means "no tags", is never an id)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True) or 1


def tags_text(tags: dict) -> str:
    """The JSON text a tag set's id is the hash of: keys sorted, no spaces (the importer writes the same)."""
    return json.dumps(tags, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def tag_set_id(tags) -> int:
    """The ``TagSet`` id of a ledger row's tags: 0 for none."""
    return content_id(tags_text(tags)) if isinstance(tags, dict) and tags else 0


class TagSetManager(models.Manager):
    def ensure(self, tag_sets) -> None:
        """Store each of ``tag_sets`` (dicts; empty ones are no set) unless it is there already (an id is its
        content's hash, so a set is never written twice differently)."""
        unique = {tag_set_id(tags): tags for tags in tag_sets if tags}
        if unique:
            self.bulk_create([self.model(id=k, tags=v) for k, v in unique.items()], ignore_conflicts=True,
                             batch_size=1000)


class CostRecordManager(models.Manager):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        TagSet.objects.ensure(obj.__dict__["_tags"] for obj in objs if "_tags" in obj.__dict__)
        return super().bulk_create(objs, *args, **kwargs)


class ImportFormat(models.TextChoices):
    FOCUS_CSV = "focus_csv", _("FOCUS CSV")
    FOCUS_PARQUET = "focus_parquet", _("FOCUS Parquet")
    YANDEX_CSV = "yandex_csv", _("Yandex Cloud detail CSV")
    AWS_CUR = "aws_cur", _("AWS Cost and Usage Report (legacy)")
    AWS_CUR2 = "aws_cur2", _("AWS CUR 2.0")
    AZURE_EA = "azure_ea", _("Azure cost details (EA)")
    AZURE_MCA = "azure_mca", _("Azure cost details (MCA)")
    GCP_BILLING = "gcp_billing", _("Google Cloud billing export")
    OCI_COST = "oci_cost", _("Oracle Cloud cost report")
    VKCLOUD_DETAIL = "vkcloud_detail", _("VK Cloud billing detail")


class CostType(models.TextChoices):
    """Which cost a native export carries when its layout does not say (Azure's actual and amortized cost
    details share one header): ``amortized`` fills EffectiveCost with the amortized figure."""

    ACTUAL = "actual", _("Actual cost")
    AMORTIZED = "amortized", _("Amortized cost")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Validating")
    IMPORTING = "importing", _("Importing")
    SUCCESS = "success", _("Imported")
    ERROR = "error", _("Failed")


class BillingImport(models.Model):
    """One uploaded billing file and what became of it (progress, row-level report)."""

    file_name = models.CharField(_("file name"), max_length=255)
    # Where the uploaded file waits for the worker (deleted when the import finishes).
    stored_path = models.CharField(_("stored file"), max_length=500, blank=True, editable=False)
    file_size = models.BigIntegerField(_("file size"), default=0)
    format = models.CharField(_("format"), max_length=16, choices=ImportFormat.choices, blank=True)
    focus_version = models.CharField(_("FOCUS version"), max_length=8, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    cost_type = models.CharField(_("cost type"), max_length=16, choices=CostType.choices, default=CostType.ACTUAL)
    connection = models.ForeignKey("providers.ProviderConnection", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="billing_imports", verbose_name=_("connection"))
    # --- progress
    rows_total = models.BigIntegerField(_("rows in file"), null=True, blank=True)
    rows_done = models.BigIntegerField(_("rows processed"), default=0)
    bytes_total = models.BigIntegerField(_("file size, bytes"), default=0)
    bytes_done = models.BigIntegerField(_("bytes read"), default=0)
    # --- outcome
    rows_imported = models.BigIntegerField(_("rows imported"), default=0)
    rows_skipped = models.BigIntegerField(_("rows skipped"), default=0)
    rows_replaced = models.BigIntegerField(_("rows replaced"), default=0)
    # [{"row": int|None, "column": str, "value": str, "reason": str}] capped; totals beside it.
    report = models.JSONField(_("report"), default=list, blank=True)
    report_total = models.BigIntegerField(_("problems found"), default=0)
    report_truncated = models.BooleanField(_("report truncated"), default=False)
    # [{"column": str, "value": str, "normalized": str, "reason": str, "count": int}]
    normalizations = models.JSONField(_("normalizations"), default=list, blank=True)
    # Kept rows that broke the FOCUS spec outside what the ledger needs, and what was stored instead:
    # [{"column", "code", "action", "detail", "count", "first_row", "message"}] (apps.costs.importers.normalize).
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    source_keys = models.JSONField(_("source keys"), default=list, blank=True)
    period_start = models.DateField(_("first charge date"), null=True, blank=True)
    period_end = models.DateField(_("last charge date"), null=True, blank=True)
    created_by_id = models.BigIntegerField(_("uploaded by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("billing import")
        verbose_name_plural = _("billing imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.SUCCESS:
            return 100
        if self.rows_total:
            return min(100, int(self.rows_done * 100 / self.rows_total))
        if self.bytes_total:
            return min(99, int(self.bytes_done * 100 / self.bytes_total))
        return 0

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCESS, ImportStatus.ERROR)

    @property
    def column_mapping(self) -> dict[str, list[dict]]:
        """What became of each column of a native export (empty for a FOCUS file): ``mapped`` (native column ->
        FOCUS columns), ``extras`` (native column -> the extra key it is kept under), ``dropped``."""
        groups = {"native_mapped": "mapped", "native_extra": "extras", "native_dropped": "dropped"}
        out: dict[str, list[dict]] = {"mapped": [], "extras": [], "dropped": []}
        for entry in self.normalizations or []:
            group = groups.get(entry.get("code"))
            if group == "dropped":
                out[group].append({"column": entry["column"]})
            elif group:
                out[group].append({"column": entry["column"], "target": entry["normalized"]})
        return out

    @property
    def value_normalizations(self) -> list[dict]:
        """The normalizations of values, without the native export's column entries."""
        return [entry for entry in self.normalizations or []
                if entry.get("code") not in ("native_mapped", "native_extra", "native_dropped")]


class ExtrasSet(models.Model):
    """Extra columns that many ledger rows share, stored once.

    A native export repeats its product and pricing columns on every line of the same SKU (an AWS CUR: some
    twenty ``product/*`` and ``pricing/*`` values, about 800 bytes of JSON a row); the import keeps the columns
    whose values repeat in a set and points each row at it, so a row keeps only the values of its own (line
    item id, amounts). A row's extra columns are its set's with its own ``extras`` over them
    (``CostRecord.extra_columns``). Content-addressed: ``id`` is a 64-bit hash of the set's JSON text, so a
    re-import of the same file finds its sets again; a set is never changed once written."""

    id = models.BigIntegerField(primary_key=True)
    extras = models.JSONField(_("extra columns"), default=dict)

    class Meta:
        verbose_name = _("set of extra columns")
        verbose_name_plural = _("sets of extra columns")

    def __str__(self) -> str:
        return f"{self.pk}"


class TagSet(models.Model):
    """A combination of tags that ledger rows carry, stored once: where a row's tags are.

    A ledger of millions of rows holds a few hundred or thousand distinct tag sets (the rows of a resource share
    its tags). Each row carries only its set's id (``CostRecord.tag_set``, the last column of the ledger's
    charge-date index): no JSON to parse per row when a large import loads, and no index of every row's tags to
    build (the sets are indexed here, for the filters by several tags). Every writer of the ledger stores the sets
    of its rows (the importer after its COPY, ``CostRecord.save``, the manager's ``bulk_create``,
    ``bulk_copy``'s hook); a set is never changed once written (``id`` is the hash of its JSON text,
    ``tags_text``)."""

    id = models.BigIntegerField(primary_key=True)
    tags = models.JSONField(_("tags"), default=dict)

    objects = TagSetManager()

    class Meta:
        verbose_name = _("tag set")
        verbose_name_plural = _("tag sets")
        indexes = [GinIndex(fields=["tags"], name="costs_tagset_tags", opclasses=["jsonb_path_ops"])]

    def __str__(self) -> str:
        return f"{self.pk}"


class CostRecord(models.Model):
    """One charge row of the ledger (FOCUS 1.2 Cost and Usage)."""

    # --- money (in billing_currency)
    billed_cost = models.DecimalField(_("billed cost"), **MONEY)
    effective_cost = models.DecimalField(_("effective cost"), **MONEY)
    list_cost = models.DecimalField(_("list cost"), **MONEY)
    contracted_cost = models.DecimalField(_("contracted cost"), **MONEY)
    billing_currency = models.CharField(_("billing currency"), max_length=3)
    list_unit_price = models.DecimalField(_("list unit price"), **QUANTITY, null=True, blank=True)
    contracted_unit_price = models.DecimalField(_("contracted unit price"), **QUANTITY, null=True, blank=True)
    # --- time (aware, UTC, half-open)
    billing_period_start = models.DateTimeField(_("billing period start"))
    billing_period_end = models.DateTimeField(_("billing period end"))
    charge_period_start = models.DateTimeField(_("charge period start"))
    charge_period_end = models.DateTimeField(_("charge period end"))
    # The UTC date of charge_period_start: the explorer's day bucket.
    charge_date = models.DateField(_("charge date"))
    # --- charge
    charge_category = models.CharField(_("charge category"), max_length=16)
    charge_class = models.CharField(_("charge class"), max_length=16, **BLANK)
    charge_frequency = models.CharField(_("charge frequency"), max_length=16, **BLANK)
    charge_description = models.TextField(_("charge description"), **BLANK)
    # --- who
    provider_name = models.CharField(_("provider"), max_length=255)
    publisher_name = models.CharField(_("publisher"), max_length=255, **BLANK)
    invoice_issuer_name = models.CharField(_("invoice issuer"), max_length=255, **BLANK)
    invoice_id = models.CharField(_("invoice"), max_length=255, **BLANK)
    billing_account_id = models.CharField(_("billing account"), max_length=255)
    billing_account_name = models.CharField(_("billing account name"), max_length=255, **BLANK)
    sub_account_id = models.CharField(_("sub account"), max_length=255, **BLANK)
    sub_account_name = models.CharField(_("sub account name"), max_length=255, **BLANK)
    # --- where / what
    region_id = models.CharField(_("region"), max_length=100, **BLANK)
    region_name = models.CharField(_("region name"), max_length=255, **BLANK)
    availability_zone = models.CharField(_("availability zone"), max_length=100, **BLANK)
    service_name = models.CharField(_("service"), max_length=255, **BLANK)
    service_category = models.CharField(_("service category"), max_length=64, **BLANK)
    service_subcategory = models.CharField(_("service subcategory"), max_length=100, **BLANK)
    resource_id = models.TextField(_("resource ID"), **BLANK)
    resource_name = models.TextField(_("resource name"), **BLANK)
    resource_type = models.CharField(_("resource type"), max_length=255, **BLANK)
    sku_id = models.CharField(_("SKU"), max_length=255, **BLANK)
    sku_price_id = models.CharField(_("SKU price"), max_length=255, **BLANK)
    # --- pricing / usage
    pricing_category = models.CharField(_("pricing category"), max_length=16, **BLANK)
    pricing_quantity = models.DecimalField(_("pricing quantity"), **QUANTITY, null=True, blank=True)
    pricing_unit = models.CharField(_("pricing unit"), max_length=100, **BLANK)
    consumed_quantity = models.DecimalField(_("consumed quantity"), **QUANTITY, null=True, blank=True)
    consumed_unit = models.CharField(_("consumed unit"), max_length=100, **BLANK)
    # --- commitments
    commitment_discount_id = models.TextField(_("commitment discount"), **BLANK)
    commitment_discount_name = models.CharField(_("commitment discount name"), max_length=255, **BLANK)
    commitment_discount_category = models.CharField(_("commitment discount category"), max_length=16,
                                                    **BLANK)
    commitment_discount_type = models.CharField(_("commitment discount type"), max_length=100, **BLANK)
    commitment_discount_status = models.CharField(_("commitment discount status"), max_length=16, **BLANK)
    # --- FOCUS 1.1-1.2 columns kept as their own columns (free text as TextField: real exports vary in length)
    billing_account_type = models.TextField(_("billing account type"), **BLANK)
    sub_account_type = models.TextField(_("sub account type"), **BLANK)
    pricing_currency = models.TextField(_("pricing currency"), **BLANK)
    pricing_currency_contracted_unit_price = models.DecimalField(
        _("contracted unit price in pricing currency"), **QUANTITY, null=True, blank=True)
    pricing_currency_effective_cost = models.DecimalField(
        _("effective cost in pricing currency"), **QUANTITY, null=True, blank=True)
    pricing_currency_list_unit_price = models.DecimalField(
        _("list unit price in pricing currency"), **QUANTITY, null=True, blank=True)
    sku_meter = models.TextField(_("SKU meter"), **BLANK)
    # A JSON object by the spec, kept as the provider wrote it (exports differ in how they format it).
    sku_price_details = models.TextField(_("SKU price details"), **BLANK)
    capacity_reservation_id = models.TextField(_("capacity reservation"), **BLANK)
    capacity_reservation_status = models.CharField(_("capacity reservation status"), max_length=16, **BLANK)
    commitment_discount_quantity = models.DecimalField(_("commitment discount quantity"), **QUANTITY, null=True,
                                                       blank=True)
    commitment_discount_unit = models.TextField(_("commitment discount unit"), **BLANK)
    # --- FOCUS 1.3 (nullable in older files): provider names, contracts and split cost allocation
    service_provider_name = models.TextField(_("service provider"), **BLANK)
    host_provider_name = models.TextField(_("host provider"), **BLANK)
    contract_applied = models.TextField(_("contract applied"), **BLANK)  # JSON text, as exported
    allocated_method_id = models.TextField(_("allocation method"), **BLANK)
    allocated_method_details = models.TextField(_("allocation method details"), **BLANK)  # JSON text
    allocated_resource_id = models.TextField(_("allocated resource ID"), **BLANK)
    allocated_resource_name = models.TextField(_("allocated resource name"), **BLANK)
    allocated_tags = models.TextField(_("allocated tags"), **BLANK)  # JSON text
    # --- key/value
    # The row's tags, stored once per distinct set (``TagSet``): the row holds the set's id (0: no tags), which
    # ``tags`` (a property) reads and writes. A ledger row never carries the JSON itself: parsing it row by row
    # took a large import's server about a twelfth of its time. Nullable for the ORM's LEFT JOIN only (0 is never
    # a set): every writer stores the sets of its rows (``TagSet.objects.ensure``).
    tag_set = models.ForeignKey(TagSet, on_delete=models.DO_NOTHING, null=True, blank=True, default=0,
                                related_name="+", verbose_name=_("tag set"), db_constraint=False, db_index=False,
                                editable=False)
    # x_ custom columns and unknown columns (by original name).
    extras = models.JSONField(_("extra columns"), default=dict, db_default=models.Value({}, models.JSONField()),
                              blank=True)
    # The extra columns this row shares with others (see ``ExtrasSet``); its own ``extras`` win over them.
    extras_set = models.ForeignKey(ExtrasSet, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+",
                                   verbose_name=_("shared extra columns"), db_constraint=False, db_index=False)
    # --- links
    # Without database constraints (db_constraint=False): an import COPYs millions of rows, and a checked
    # foreign key fires a trigger per row (a third of a large import's time). The values come from the
    # import and the sync themselves, and Django still applies on_delete (SET_NULL) when a connection,
    # resource or import is deleted through the ORM, the only way they are deleted.
    # Nor an index of their own (db_index=False): no read filters the ledger by connection or resource alone
    # (the explorer narrows by charge date first, the inventory reads the rollups), and each index costs a
    # large import a scan and sort of the whole table. Deleting a connection or a resource, rare, scans the
    # ledger once to unlink its rows. The import link leads the second column of the date index (Meta).
    connection = models.ForeignKey("providers.ProviderConnection", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="cost_records", verbose_name=_("connection"),
                                   db_constraint=False, db_index=False)
    # Named inventory_resource: ``resource_id`` is the FOCUS ResourceId column.
    inventory_resource = models.ForeignKey("inventory.Resource", on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="cost_records",
                                           verbose_name=_("inventory resource"), db_constraint=False,
                                           db_index=False)
    billing_import = models.ForeignKey(BillingImport, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="records", verbose_name=_("import"), db_constraint=False,
                                       db_index=False)
    # What a re-import replaces: "focus:<billing_account_id>:<YYYY-MM>" or "provider:<connection id>".
    source_key = models.CharField(_("source"), max_length=300)

    objects = CostRecordManager()

    class Meta:
        verbose_name = _("cost record")
        verbose_name_plural = _("cost records")
        indexes = [
            # Every read of the ledger is a charge-date range (the explorer reads rollups, the ledger only for
            # combined tag filters); each further index slows every import.
            # The import link as second column: the rollups read the rows of a range that an import did not
            # write (``rollups.cost_rollups_refresh``) from the index entries alone, without a heap visit. The tag
            # set as third: a filter by several tags finds its sets in ``TagSet`` and checks the range's index
            # entries against their ids, visiting only the rows that match.
            models.Index(fields=["charge_date", "billing_import", "tag_set"], name="costs_rec_date_import_tags"),
            # Names for allocated resource ids (explorer labels), by the hash of the id (``id_hash``); a resource
            # id's name comes from the rollups (``explorer._rollup_resource_names``), not from an index here.
            models.Index(id_hash("allocated_resource_id"), name="costs_rec_allocated",
                         condition=~models.Q(allocated_resource_id="")),
            # What an import or a sync replaces, by the hash of its source key (a few keys, each on many rows: the
            # build sorts integers, not text); a delete compares the hash, then the key.
            models.Index(id_hash("source_key"), name="costs_rec_source"),
        ]

    def __str__(self) -> str:
        return f"{self.charge_date} {self.service_name} {self.billed_cost} {self.billing_currency}"

    def save(self, *args, **kwargs) -> None:
        if "_tags" in self.__dict__:
            TagSet.objects.ensure([self._tags])
        super().save(*args, **kwargs)

    @property
    def tags(self) -> dict:
        """The row's tags (``{}``: none), read from its ``TagSet`` (again only when the set id has changed)."""
        cached = self.__dict__.get("_tags")
        if cached is None or tag_set_id(cached) != (self.tag_set_id or 0):
            self._tags = (TagSet.objects.filter(pk=self.tag_set_id).values_list("tags", flat=True).first() or {}
                          if self.tag_set_id else {})
        return self._tags

    @tags.setter
    def tags(self, value: dict | None) -> None:
        self._tags = dict(value or {})
        self.tag_set_id = tag_set_id(self._tags)

    @classmethod
    def bulk_copy_rows(cls, records):
        """``apps.common.bulk.bulk_copy``'s hook: the records as they come, each one's tags (set through ``tags``)
        noted, and what stores their sets once the rows are written."""
        found: dict[int, dict] = {}

        def noting():
            for record in records:
                tags = record.__dict__.get("_tags")
                if tags:
                    found.setdefault(record.tag_set_id, tags)
                yield record

        return noting(), lambda: TagSet.objects.ensure(found.values())

    @property
    def extra_columns(self) -> dict:
        """Every extra column of the row: its set's (``extras_set``), then its own over them."""
        return self.extras_merged(self.extras_set.extras if self.extras_set_id is not None else None, self.extras)

    @staticmethod
    def extras_merged(shared, own) -> dict:
        """A row's extra columns from its set's ``shared`` and its ``own`` (which win); either may be absent."""
        return {**(shared if isinstance(shared, dict) else {}), **(own if isinstance(own, dict) else {})}


class CostRollup(models.Model):
    """The dimensions and amounts every rollup table shares (CostDaily, CostMonthly, CostDailyTag)."""

    connection_id = models.BigIntegerField(_("connection ID"), null=True, blank=True)
    provider_name = models.CharField(_("provider"), max_length=255, blank=True)
    billing_account_id = models.CharField(_("billing account"), max_length=255, blank=True)
    sub_account_id = models.CharField(_("sub account"), max_length=255, blank=True)
    service_name = models.CharField(_("service"), max_length=255, blank=True)
    service_category = models.CharField(_("service category"), max_length=64, blank=True)
    region_id = models.CharField(_("region"), max_length=100, blank=True)
    resource_type = models.CharField(_("resource type"), max_length=255, blank=True)
    resource_id = models.TextField(_("resource ID"), blank=True)
    charge_category = models.CharField(_("charge category"), max_length=16, blank=True)
    # FOCUS 1.3 split cost allocation: empty unless the billing data carries it.
    allocated_method_id = models.TextField(_("allocation method"), blank=True, default="")
    allocated_resource_id = models.TextField(_("allocated resource ID"), blank=True, default="")
    # The allocation signature of these costs (apps.allocation: rules, overrides, shared-cost splits); its
    # ``allocation`` (the dimension values) is joined at query time, so new rules re-evaluate the signatures and
    # leave these rows alone. NULL: not allocated. No constraint nor index: the rollups are rebuilt wholesale.
    signature = models.ForeignKey("allocation.AllocationSignature", verbose_name=_("allocation signature"),
                                  null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                  db_index=False, db_column="alloc_sig", related_name="+")
    billing_currency = models.CharField(_("billing currency"), max_length=3)
    billed_cost = models.DecimalField(_("billed cost"), **MONEY)
    effective_cost = models.DecimalField(_("effective cost"), **MONEY)
    list_cost = models.DecimalField(_("list cost"), **MONEY)
    billed_cost_org = models.DecimalField(_("billed cost, organization currency"), **MONEY, null=True)
    effective_cost_org = models.DecimalField(_("effective cost, organization currency"), **MONEY, null=True)
    org_currency = models.CharField(_("organization currency"), max_length=3, blank=True)
    row_count = models.BigIntegerField(_("rows"), default=0)

    class Meta:
        abstract = True


class CostDaily(CostRollup):
    """Daily rollup of the ledger (apps.costs.services.rollups): what the explorer and the dashboard read.

    One row per charge date and dimension combination. ``effective_cost`` is the amortized view with
    commitment purchases left out (see services/rollups.py); ``*_org`` are converted to the organization's
    currency at the charge date's rate, NULL when no rate was known at refresh time.
    """

    charge_date = models.DateField(_("charge date"))

    class Meta:
        verbose_name = _("daily cost")
        verbose_name_plural = _("daily costs")
        indexes = [
            models.Index(fields=["charge_date"], name="costs_daily_date"),
            models.Index(fields=["charge_date", "service_name"], name="costs_daily_date_service"),
            models.Index(fields=["charge_date", "region_id"], name="costs_daily_date_region"),
            models.Index(fields=["resource_id", "charge_date"], name="costs_daily_resource"),
        ]

    def __str__(self) -> str:
        return f"{self.charge_date} {self.service_name} {self.billed_cost} {self.billing_currency}"


class CostMonthly(CostRollup):
    """Monthly rollup of ``CostDaily`` (apps.costs.services.rollups): whole months of a long range read this.

    Same dimensions as ``CostDaily`` without the day; ``*_org`` is NULL when any day of the group had
    no rate, so a month is never reported as converted while one of its days is not.
    """

    month = models.DateField(_("month"))  # the first day of the month

    class Meta:
        verbose_name = _("monthly cost")
        verbose_name_plural = _("monthly costs")
        indexes = [
            models.Index(fields=["month"], name="costs_monthly_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.service_name} {self.billed_cost} {self.billing_currency}"


class CostDailyTag(CostRollup):
    """Daily rollup of the ledger per tag (apps.costs.services.rollups): one row per charge date, tag key and value
    and ``CostDaily`` dimension combination, so tag filters and tag grouping never scan the ledger.

    A ledger row with n tags counts in n rows here (once per key). ``tag_value`` is the value as text
    (``tags ->> key``; a JSON null is ''), ``value_is_string`` tells a JSON string from other JSON
    values, as the ledger's ``tags @> {"key": "value"}`` does.
    """

    charge_date = models.DateField(_("charge date"))
    tag_key = models.TextField(_("tag key"))
    tag_value = models.TextField(_("tag value"), blank=True)
    value_is_string = models.BooleanField(_("value is a string"), default=True)

    class Meta:
        verbose_name = _("daily cost by tag")
        verbose_name_plural = _("daily costs by tag")
        indexes = [
            # Prefixes keep a long key or value from exceeding a btree entry; queries repeat the prefix.
            models.Index(Left("tag_key", TAG_INDEX_PREFIX), Left("tag_value", TAG_INDEX_PREFIX), "charge_date",
                         name="costs_dtag_key_value_date"),
            models.Index(Left("tag_key", TAG_INDEX_PREFIX), "charge_date", name="costs_dtag_key_date"),
            models.Index(fields=["charge_date"], name="costs_dtag_date"),
        ]

    def __str__(self) -> str:
        return f"{self.charge_date} {self.tag_key}={self.tag_value} {self.billed_cost} {self.billing_currency}"


class CostSharedDaily(models.Model):
    """The shared costs' own rows (apps.allocation shared costs), summed as the rollup stage sums them, per day:
    the rollups hold their split rows instead, and a change of the definitions recalculates the splits from here
    without reading the ledger (``apps.costs.services.allocation_rollup``). Rebuilt with the rollups."""

    charge_date = models.DateField(_("charge date"))
    connection_id = models.BigIntegerField(_("connection ID"), null=True, blank=True)
    provider_name = models.TextField(_("provider"), blank=True, default="")
    billing_account_id = models.TextField(_("billing account"), blank=True, default="")
    sub_account_id = models.TextField(_("sub account"), blank=True, default="")
    service_name = models.TextField(_("service"), blank=True, default="")
    service_category = models.TextField(_("service category"), blank=True, default="")
    region_id = models.TextField(_("region"), blank=True, default="")
    resource_type = models.TextField(_("resource type"), blank=True, default="")
    resource_id = models.TextField(_("resource ID"), blank=True, default="")
    charge_category = models.TextField(_("charge category"), blank=True, default="")
    allocated_method_id = models.TextField(_("allocation method"), blank=True, default="")
    allocated_resource_id = models.TextField(_("allocated resource ID"), blank=True, default="")
    billing_currency = models.CharField(_("billing currency"), max_length=3)
    sku_id = models.TextField(_("SKU"), blank=True, default="")
    resource_name = models.TextField(_("resource name"), blank=True, default="")
    tags = models.TextField(_("tags"), blank=True, default="")
    billed = models.DecimalField(_("billed cost"), max_digits=38, decimal_places=10)
    effective = models.DecimalField(_("effective cost"), max_digits=38, decimal_places=10)
    list = models.DecimalField(_("list cost"), max_digits=38, decimal_places=10)
    n = models.BigIntegerField(_("rows"), default=0)
    sig = models.BigIntegerField(_("signature"))

    class Meta:
        verbose_name = _("shared cost before its split")
        verbose_name_plural = _("shared costs before their split")
        indexes = [models.Index(fields=["charge_date"], name="costs_shared_date")]

    def __str__(self) -> str:
        return f"{self.charge_date} {self.service_name} {self.billed} {self.billing_currency}"
