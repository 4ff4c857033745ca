"""The validator's shortcuts (a look at a column's raw bytes before the per-value kernels) decide as the full
checks do: white space of every kind Arrow knows still reads as empty, numbers in every form NUMBER_RE allows
still import and near-misses are still refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.costs.models import CostRecord
from apps.costs.services.imports import focus_file_import

from .conftest import DATA, rewrite

pytestmark = pytest.mark.django_db
AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"


def test_white_space_only_values_of_every_kind_become_empty_in_a_column_without_plain_spaces(in_alpha, tmp_path):
    # Information separators, NEL, NBSP, ideographic space, line separator: none is an ASCII space.
    blanks = ["\x1c", "\x1f\x1e", "\u0085", "\u00a0", "\u3000", "\u2028\u2029", "\u1680"]

    def mess(i, row):
        row["RegionId"] = blanks[i % len(blanks)] if i % 2 else "eu-north-1"
        return row

    bi = focus_file_import(path=str(rewrite(AWS, tmp_path / "blanks.csv", mess)))
    assert bi.status == "success", bi.report[:3]
    assert set(CostRecord.objects.values_list("region_id", flat=True)) == {"", "eu-north-1"}
    assert CostRecord.objects.filter(region_id="").count() == 50


def test_numbers_in_every_allowed_form_import_with_their_values(in_alpha, tmp_path):
    forms = {"+.5": Decimal("0.5"), "2E-1": Decimal("0.2"), "1e1": Decimal("10"), "-0": Decimal("0"),
             "007.25": Decimal("7.25")}
    texts = list(forms)

    def write(i, row):
        row["BilledCost"] = texts[i % len(texts)]
        return row

    bi = focus_file_import(path=str(rewrite(AWS, tmp_path / "forms.csv", write)))
    assert bi.status == "success", bi.report[:3]
    assert set(CostRecord.objects.values_list("billed_cost", flat=True)) == set(forms.values())


@pytest.mark.parametrize("text", ["1e", "1.2.3", "+-1", ".", "e5", "1e+"])
def test_a_near_number_made_of_number_characters_is_refused(in_alpha, tmp_path, text):
    def spoil(i, row):
        if i == 4:
            row["BilledCost"] = text
        return row

    bi = focus_file_import(path=str(rewrite(AWS, tmp_path / "near.csv", spoil)))
    assert bi.status == "error" and bi.error_code == "invalid"
    assert (6, "BilledCost", text, "number") in {(e["row"], e["column"], e["value"], e["code"]) for e in bi.report}
    assert not CostRecord.objects.exists()
