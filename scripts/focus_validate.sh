#!/usr/bin/env bash
# Validate an organization's FOCUS export with the FinOps Foundation's focus-validator (FOCUS 1.2).
#
#   DATABASE_URL=... scripts/focus_validate.sh [ORG] [START] [END]
#
# ORG defaults to "demo"; START/END (YYYY-MM-DD, inclusive) to the last 365 days. The validator needs Python 3.12,
# so it lives in a virtual environment of its own outside the repository (FOCUS_VALIDATOR_VENV, default
# ~/.cache/infrazen/focus-validator-<version>), created on the first run. It exports the organization's ledger
# as Parquet (manage.py export_focus), runs the validator against the bundled FOCUS 1.2 model (offline), prints
# its summary and every failed rule, then counts the failed mandatory rules (ids ending in -M).
#
# Environment:
#   FOCUS_VALIDATOR_VERSION   pinned PyPI version (default 2.2.1)
#   FOCUS_VALIDATOR_PYTHON    a Python 3.12 interpreter (default: python3.12 on PATH, else pyenv's 3.12.1)
#   FOCUS_VALIDATOR_VENV      where the validator's virtual environment lives
#   FOCUS_APPLICABILITY       --applicability-criteria (default: what the Russian clouds of the ledger support;
#                             ALL assumes commitment discounts, capacity reservations, several account types...)
#   FOCUS_EXPORT_FILE         where the Parquet file is written (default: a temporary file)
#
# The export is the default one (``--names latin``): Russian names transliterated in the FOCUS columns, the originals in
# x_OriginalNames (validator 2.2.1 tests FOCUS string columns for ASCII; see docs/providers/focus.md).
# Exit status: 0 when no mandatory (-M) rule failed, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ORG="${1:-demo}"
END="${3:-$(date -u +%F)}"
START="${2:-$(date -u -d "$END - 364 days" +%F)}"
VERSION="${FOCUS_VALIDATOR_VERSION:-2.2.1}"
VENV="${FOCUS_VALIDATOR_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/infrazen/focus-validator-$VERSION}"
PROJECT_PYTHON="${PROJECT_PYTHON:-$ROOT/.venv/bin/python}"
CRITERIA="${FOCUS_APPLICABILITY:-ACCOUNT_NAMING_SUPPORTED,AVAILABILITY_ZONE_SUPPORTED,REGION_SUPPORTED,SUB_ACCOUNT_SUPPORTED,TAGGING_SUPPORTED,USAGE_MEASUREMENT_SUPPORTED,UNIT_PRICING_SUPPORTED,PUBLIC_PRICE_LIST_SUPPORTED,RESOURCE_TYPE_ASSIGNMENT_SUPPORTED,BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED}"

if [ -z "${FOCUS_VALIDATOR_PYTHON:-}" ]; then
  # The interpreter itself, not a launcher on PATH: a pyenv shim exists even where no 3.12 is selected, and fails.
  if FOUND="$(python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null)" && [ -n "$FOUND" ]; then
    FOCUS_VALIDATOR_PYTHON="$FOUND"
  else
    FOCUS_VALIDATOR_PYTHON="$HOME/.pyenv/versions/3.12.1/bin/python3.12"
  fi
fi

if [ ! -x "$VENV/bin/focus-validator" ]; then
  echo "Installing focus-validator $VERSION into $VENV ..." >&2
  "$FOCUS_VALIDATOR_PYTHON" -m venv "$VENV"
  # 2.2.1 pins numpy 1.26 but would resolve a pyarrow that needs numpy 2: hold pyarrow below 21.
  "$VENV/bin/pip" install --quiet "focus-validator==$VERSION" "pyarrow<21"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FILE="${FOCUS_EXPORT_FILE:-$WORK/focus-$ORG-$START-$END.parquet}"
(cd "$ROOT" && "$PROJECT_PYTHON" manage.py export_focus --org "$ORG" --start "$START" --end "$END" \
  --output parquet "$FILE")

# The validator opens its currency list by a relative path: run it from its site-packages.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
REPORT="$WORK/report.txt"
(cd "$SITE" && "$VENV/bin/focus-validator" --data-file "$FILE" --validate-version 1.2.0.1 --block-download \
  --applicability-criteria "$CRITERIA" --output-type console --show-violations) >"$REPORT" 2>&1 || true

echo "focus-validator $VERSION, FOCUS 1.2 (model 1.2.0.1), $ORG $START..$END, criteria: $CRITERIA"
grep -m1 '^Total:' "$REPORT" || { cat "$REPORT"; exit 1; }
echo "Failed rules:"
grep -E '^- [A-Za-z]+-[A-Z]-[0-9]+-[MCO]:' "$REPORT" | cut -c1-240 || echo "  (none)"
failed_m="$(grep -cE '^- [A-Za-z]+-[A-Z]-[0-9]+-M:' "$REPORT" || true)"
echo "Failed mandatory (-M) rules: $failed_m"
[ "$failed_m" -eq 0 ]
