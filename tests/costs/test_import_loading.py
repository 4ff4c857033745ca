"""How the importer loads: bulk mode rebuilds what it drops, rollbacks keep everything, inventory links resolve."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.utils import timezone

from apps.costs.models import CostRecord
from apps.costs.services import import_run as run
from apps.costs.services.imports import focus_file_import

from .conftest import DATA, cents, independent_sums, ledger_sums, rewrite

pytestmark = pytest.mark.django_db
AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"


def _ledger_schema() -> tuple[set, set]:
    table = f'"{connection.schema_name}"."{CostRecord._meta.db_table}"'
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                       "WHERE indrelid = %s::regclass", [table])
        indexes = set(cursor.fetchall())
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass",
                       [table])
        constraints = set(cursor.fetchall())
    return indexes, constraints


@pytest.fixture
def bulk(monkeypatch):
    """Every import counts as a large one, so the drop-and-rebuild path runs on the small real samples."""
    monkeypatch.setattr(run, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(run, "BULK_SHARE", 0)


def test_a_bulk_load_recreates_every_index_and_constraint_of_the_ledger_with_the_right_sums(in_alpha, bulk):
    indexes, constraints = _ledger_schema()
    assert any("(charge_date, billing_import_id, tag_set_id)" in definition for _name, definition in indexes)
    assert any("hashtextextended((source_key)" in definition for _name, definition in indexes)
    assert any("PRIMARY KEY" in definition for _name, definition in constraints)

    bi = focus_file_import(path=str(AWS))

    assert bi.status == "success", (bi.error, bi.report[:3])
    assert _ledger_schema() == (indexes, constraints)
    assert cents(ledger_sums()) == cents(independent_sums(AWS))


def test_a_bulk_load_drops_the_ledgers_indexes_but_the_source_key_one_and_recreates_them(in_alpha):
    from django.db import transaction

    from apps.common.bulk import secondary_indexes_drop

    indexes, _constraints = _ledger_schema()
    names = {name.rsplit(".", 1)[-1] for name, _definition in indexes}
    assert set(run.BULK_KEEP_INDEXES) <= names  # a renamed index would silently be rebuilt again
    table = f'"{connection.schema_name}"."{CostRecord._meta.db_table}"'
    with transaction.atomic():
        with connection.cursor() as cursor:
            statements = secondary_indexes_drop(cursor, table, keep=run.BULK_KEEP_INDEXES)
            left, _constraints = _ledger_schema()
            for statement in statements:
                cursor.execute(statement)
        rebuilt, _constraints = _ledger_schema()
        transaction.set_rollback(True)
    left_names = {name.rsplit(".", 1)[-1] for name, _definition in left}
    # Kept: the primary key, the partial allocation index and the source-key index; dropped: the date index.
    assert left_names == {"costs_costrecord_pkey", "costs_rec_allocated", "costs_rec_source"}
    assert [s for s in statements if "(charge_date, billing_import_id, tag_set_id)" in s]
    assert not [s for s in statements if "source_key" in s]
    assert rebuilt == indexes


def test_a_bulk_reimport_replaces_the_earlier_rows_of_the_same_source(in_alpha, bulk):
    first = focus_file_import(path=str(AWS))
    second = focus_file_import(path=str(AWS))
    assert (first.status, second.status) == ("success", "success")
    assert second.rows_replaced == 100
    assert set(CostRecord.objects.values_list("billing_import", flat=True)) == {second.pk}
    assert cents(ledger_sums()) == cents(independent_sums(AWS))


def test_an_invalid_file_in_bulk_mode_rolls_back_keeping_indexes_and_the_previous_rows(in_alpha, bulk, tmp_path):
    focus_file_import(path=str(AWS))
    before = cents(ledger_sums())
    schema = _ledger_schema()

    def spoil(i, row):
        if i == 99:  # the last row: the valid ones before it were already on their way to the server
            row["BilledCost"] = "n/a"
        return row

    bi = focus_file_import(path=str(rewrite(AWS, tmp_path / "bad.csv", spoil)))

    assert bi.status == "error" and bi.error_code == "invalid"
    assert [(e["row"], e["column"], e["code"]) for e in bi.report] == [(101, "BilledCost", "number")]
    assert cents(ledger_sums()) == before
    assert CostRecord.objects.count() == 100
    assert _ledger_schema() == schema


def test_a_foreign_billing_account_refuses_the_file_and_leaves_the_ledger_untouched(in_alpha, tmp_path):
    from apps.providers.models import ProviderConnection

    focus_file_import(path=str(AWS))
    before = cents(ledger_sums())
    conn = ProviderConnection.objects.create(provider="aws", name="Payer", credentials={"access_key_id": "x"},
                                             account_info={"account_id": "100000000001"})

    bi = focus_file_import(path=str(AWS), connection=conn)

    assert bi.status == "error" and bi.error_code == "account"
    assert cents(ledger_sums()) == before


def test_rows_are_linked_to_the_inventory_resource_of_their_resource_id(in_alpha):
    from apps.inventory.models import Resource
    from apps.providers.models import ProviderConnection

    target = "arn:aws:ec2:us-west-2::reservation/e2786d3748421599"
    conn = ProviderConnection.objects.create(provider="aws", name="AWS", credentials={"access_key_id": "x"})
    now = timezone.now()
    resource = Resource.objects.create(connection=conn, provider="aws", resource_id=target,
                                       resource_type="reservation", status="running", first_seen_at=now,
                                       last_seen_at=now)

    bi = focus_file_import(path=str(AWS))

    assert bi.status == "success"
    linked = CostRecord.objects.filter(inventory_resource=resource)
    assert linked.count() == 4
    assert set(linked.values_list("resource_id", flat=True)) == {target}
    assert not CostRecord.objects.exclude(resource_id=target).filter(inventory_resource__isnull=False).exists()


def test_values_with_backslashes_tabs_line_breaks_and_quotes_are_stored_exactly_as_in_the_file(in_alpha, tmp_path):
    """Characters that COPY formats escape or delimit (backslash, tab, line breaks, quotes, ``\\N``) survive."""
    tricky = 'C:\\logs\\N\ttab "quoted"\r\nnext line \\.'

    def change(index, row):
        if index == 0:
            row["ChargeDescription"] = tricky
            row["ResourceName"] = "\\N"
            row["Tags"] = '{"path": "C:\\\\tmp\\\\new", "quote": "say \\"hi\\""}'
            row["SkuMeter"] = tricky
            row["x_Note"] = tricky + "\x01"  # an x_ column: JSON in extras, control character as a space
        return row

    path = rewrite(AWS, tmp_path / "tricky.csv", change, add_columns=("x_Note",))
    bi = focus_file_import(path=str(path))

    assert bi.status == "success", (bi.error, bi.report[:3])
    first = CostRecord.objects.get(charge_description=tricky)
    assert first.resource_name == "\\N"
    assert first.sku_meter == tricky
    assert first.extra_columns["x_Note"] == tricky.replace("\t", " ").replace("\r", " ").replace("\n", " ") + " "
    assert first.tags == {"path": "C:\\tmp\\new", "quote": 'say "hi"'}
    assert CostRecord.objects.count() == 100
    assert cents(ledger_sums()) == cents(independent_sums(path))


def test_a_charge_before_the_year_1000_keeps_its_four_digit_year_and_its_charge_date(in_alpha, tmp_path):
    def change(index, row):
        if index == 0:
            row["ChargePeriodStart"], row["ChargePeriodEnd"] = "0999-12-31T22:00:00Z", "0999-12-31T23:00:00Z"
            row["ChargeDescription"] = "ancient"
        return row

    bi = focus_file_import(path=str(rewrite(AWS, tmp_path / "ancient.csv", change)))

    assert bi.status == "success", (bi.error, bi.report[:3])
    row = CostRecord.objects.get(charge_description="ancient")
    assert (row.charge_date, row.charge_period_start) == (
        date(999, 12, 31), datetime(999, 12, 31, 22, tzinfo=UTC))
    assert bi.period_start == date(999, 12, 31)


def test_deleting_an_import_or_a_connection_unlinks_its_ledger_rows_without_losing_them(in_alpha):
    """The ledger's links have no database constraint (per-row checks would slow every import): Django's
    on_delete must still leave no dangling id behind."""
    from apps.providers.models import ProviderConnection

    connection_ = ProviderConnection.objects.create(provider="beget", name="Linked", credentials={"login": "x"})
    bi = focus_file_import(path=str(AWS), connection=connection_)
    assert bi.status == "success", (bi.error, bi.report[:3])
    assert CostRecord.objects.filter(connection=connection_, billing_import=bi).count() == 100

    bi.delete()
    assert CostRecord.objects.filter(billing_import__isnull=False).count() == 0
    connection_.delete()
    assert CostRecord.objects.filter(connection__isnull=False).count() == 0
    assert cents(ledger_sums()) == cents(independent_sums(AWS))


def _sequence() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')",
                       [f'"{connection.schema_name}"."{CostRecord._meta.db_table}"'])
        return cursor.fetchone()[0]


def test_a_large_load_carries_ids_reserved_in_blocks_that_no_other_session_gets(in_alpha, monkeypatch):
    """Ids reserved from the ledger's sequence on a connection of their own: another session drawing ids between
    two blocks (a provider sync) never gets one of the import's, and ids given after the import come above them."""
    from apps.common.bulk import IdBlocks, side_connection

    monkeypatch.setattr(run, "IDS_MIN_ROWS", 1)
    monkeypatch.setattr(run, "IDS_MARGIN", -0.9)  # a first block of a tenth of the rows: the rest takes more blocks
    monkeypatch.setattr(run, "IDS_BLOCK", 7)
    sequence = _sequence()
    blocks, others = [], []
    reserve = IdBlocks._reserve

    def reserve_then_another_session_draws(self, count, **kwargs):
        reserve(self, count, **kwargs)
        blocks.append((self._next, self._stop))
        with side_connection(autocommit=True) as other:
            others.append(other.execute("SELECT nextval(%s::regclass)", [sequence]).fetchone()[0])

    monkeypatch.setattr(IdBlocks, "_reserve", reserve_then_another_session_draws)

    bi = focus_file_import(path=str(AWS))

    assert bi.status == "success", (bi.error, bi.report[:3])
    assert len(blocks) >= 2
    reserved = {i for start, stop in blocks for i in range(start, stop)}
    ids = list(CostRecord.objects.values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == 100
    assert set(ids) <= reserved
    assert not reserved & set(others)
    assert min(others) > blocks[0][0]  # the first block was reserved before the other session drew
    later = CostRecord.objects.create(**{f.name: getattr(CostRecord.objects.get(pk=ids[0]), f.name)
                                         for f in CostRecord._meta.concrete_fields if not f.primary_key})
    assert later.pk > max(ids) and later.pk not in others


def test_a_large_load_in_a_transaction_that_already_drew_ledger_ids_lets_the_sequence_give_them(in_alpha, monkeypatch):
    """A second connection could not take the sequence's lock while this transaction holds it: no reservation (it
    would wait for us), the column default gives the ids, and the import is whole."""
    from apps.common.bulk import IdBlocks

    from .explorer_data import ledger, row

    monkeypatch.setattr(run, "IDS_MIN_ROWS", 1)
    opened, open_blocks = [], IdBlocks.open.__func__

    def spy(cls, *args, **kwargs):
        opened.append(open_blocks(cls, *args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(IdBlocks, "open", classmethod(spy))
    ledger([row(timezone.now().date(), "1")])

    bi = focus_file_import(path=str(AWS))

    assert bi.status == "success", (bi.error, bi.report[:3])
    assert opened == [None]
    assert cents(ledger_sums(billing_import=bi)) == cents(independent_sums(AWS))


def test_a_value_its_ledger_column_cannot_hold_refuses_the_file_by_its_focus_column(in_alpha, monkeypatch):
    """The validation keeps such values out; should one pass it, the file is refused whole, in Russian."""
    from apps.common.pgbinary import EncodeError

    class Refusing:
        order = run._row_encoder(False).order

        def encode_block(self, arrays, decimals=None):
            raise EncodeError("billed_cost", "1e99")

    monkeypatch.setattr(run, "_row_encoder", lambda with_ids, left_out=frozenset(): Refusing())
    bi = focus_file_import(path=str(AWS))

    assert (bi.status, bi.error_code) == ("error", "value")
    assert bi.report[0]["column"] == "BilledCost"
    assert "В колонке BilledCost есть значение, которое нельзя сохранить: 1e99" in bi.error
    assert CostRecord.objects.count() == 0


def test_columns_empty_in_the_first_batch_are_left_to_their_default_until_a_batch_has_a_value(in_alpha, tmp_path,
                                                                                             monkeypatch):
    """The COPY leaves out the columns a batch holds only defaults in ('' for empty text, '{}' for the extras, NULL);
    a later batch with a value there ends it and starts one that carries the column: every value arrives."""
    from apps.costs.importers import reader

    monkeypatch.setattr(reader, "BLOCK_SIZE", 4096)  # a few rows per block of the CSV reader
    monkeypatch.setattr(reader, "BATCH_BYTES", 1)  # each block its own batch
    statements = []
    original = run._LedgerCopy._start

    def start(self, left_out):
        statements.append(left_out)
        original(self, left_out)

    monkeypatch.setattr(run._LedgerCopy, "_start", start)

    def change(index, row):
        row["ChargeClass"] = "Correction" if index == 99 else ""
        row["x_Note"] = "late" if index == 99 else ""
        return row

    path = rewrite(AWS, tmp_path / "late.csv", change, add_columns=("x_Note",))
    bi = focus_file_import(path=str(path))

    assert bi.status == "success", (bi.error, bi.report[:3])
    # The first COPY leaves both out (and columns that only later rows of the sample fill); each next one leaves out
    # fewer, and the other columns empty in every row stay left out to the end.
    assert len(statements) >= 2 and {"charge_class", "extras_set_id", "contract_applied"} <= statements[0]
    assert all(later < earlier for earlier, later in zip(statements, statements[1:], strict=False))
    # (the extra column, one value for one row, went to a set of extra columns: the row points at it)
    assert "charge_class" not in statements[-1] and "extras_set_id" not in statements[-1]
    assert "contract_applied" in statements[-1]
    assert CostRecord.objects.count() == 100
    assert list(CostRecord.objects.exclude(charge_class="").values_list("charge_class", flat=True)) == ["Correction"]
    assert [r.extra_columns for r in CostRecord.objects.filter(extras_set__isnull=False)] == [{"x_Note": "late"}]
    assert CostRecord.objects.filter(charge_class="", extras={}, extras_set__isnull=True, contract_applied="",
                                     allocated_tags="").count() == 99
    assert cents(ledger_sums()) == cents(independent_sums(path))
