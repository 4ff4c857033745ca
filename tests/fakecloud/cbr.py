"""A fake Central Bank of Russia ``/scripts/XML_daily.asp`` (the documented daily rates XML).

Shape as in shared/providers/cbr (its samples copied to samples/cbr/, see the README there):
``<ValCurs Date="DD.MM.YYYY" name="Foreign Currency Market">`` with
``<Valute ID=..>`` children (NumCode, CharCode, Nominal, Name, Value per Nominal with a decimal comma,
VunitRate per one unit), encoded in windows-1251 as the prolog declares. ``date_req=DD/MM/YYYY``;
a day without rates of its own (weekend, holiday) answers with the last rates set, under their own
Date; a day before any rate answers an empty ``ValCurs``, like the Bank does for dates before 1992.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from .server import Reply, Request

SAMPLES = Path(__file__).parent / "samples" / "cbr"  # provenance in its README.md
SAMPLE = SAMPLES / "XML_daily_2024-10-08_excerpt_with_VunitRate.xml"  # real excerpt, Nominal 1 only
# The real excerpt plus hand-added JPY and KZT rows quoted per 100 units, as the Bank writes them.
SAMPLE_NOMINAL_100 = SAMPLES / "XML_daily_2024-10-08_excerpt_plus_nominal_100_rows.xml"

NAMES = {"USD": ("R01235", "840", "Доллар США"), "EUR": ("R01239", "978", "Евро"),
         "CNY": ("R01375", "156", "Китайский юань"), "AMD": ("R01060", "051", "Армянских драмов"),
         "KZT": ("R01335", "398", "Казахстанских тенге"), "AUD": ("R01010", "036", "Австралийский доллар")}


@dataclass
class Quote:
    currency: str
    nominal: int
    value: Decimal  # roubles per ``nominal`` units


class FakeCbr:
    path = "/scripts/XML_daily.asp"

    def __init__(self, *, with_unit_rate: bool = True):
        self.days: dict[date, list[Quote]] = {}
        self.with_unit_rate = with_unit_rate
        self.raw: dict[date, bytes] = {}

    def set_rates(self, day: date, rates: dict[str, tuple[int, str]]) -> None:
        """``rates = {"USD": (1, "92,5058"), "AMD": (100, "24,0212")}`` as the Bank writes them."""
        self.days[day] = [Quote(code, nominal, Decimal(value.replace(",", "."))) for code, (nominal, value)
                          in rates.items()]

    def serve_sample(self, sample: Path = SAMPLE) -> None:
        """Serve an 08.10.2024 sample (by default the real excerpt) byte for byte for that date."""
        self.raw[date(2024, 10, 8)] = sample.read_bytes()

    def _render(self, day: date | None, quotes: list[Quote]) -> bytes:
        def comma(value: Decimal) -> str:
            return f"{value:f}".replace(".", ",")

        lines = ['<?xml version="1.0" encoding="windows-1251"?>']
        if day is None:
            lines.append('<ValCurs Date="" name="Foreign Currency Market"></ValCurs>')
            return "\n".join(lines).encode("cp1251")
        lines.append(f'<ValCurs Date="{day:%d.%m.%Y}" name="Foreign Currency Market">')
        for q in quotes:
            vid, num, name = NAMES.get(q.currency, ("R0", "000", q.currency))
            unit = f"<VunitRate>{comma((q.value / q.nominal).normalize())}</VunitRate>" \
                if self.with_unit_rate else ""
            lines.append(f'<Valute ID="{vid}"><NumCode>{num}</NumCode><CharCode>{q.currency}</CharCode>'
                         f"<Nominal>{q.nominal}</Nominal><Name>{name}</Name><Value>{comma(q.value)}</Value>"
                         f"{unit}</Valute>")
        lines.append("</ValCurs>")
        return "\n".join(lines).encode("cp1251")

    def handle(self, request: Request, fault) -> Reply | None:
        if request.path != self.path:
            return None
        raw_day = request.query.get("date_req")
        try:
            asked = datetime.strptime(raw_day, "%d/%m/%Y").date() if raw_day else max(self.days or self.raw)
        except ValueError:
            asked = date.today()
        headers = {"Content-Type": "application/xml; charset=windows-1251"}
        if asked in self.raw:
            return Reply(200, raw=self.raw[asked], headers=headers)
        set_days = [d for d in self.days if d <= asked]
        if not set_days:
            return Reply(200, raw=self._render(None, []), headers=headers)
        day = max(set_days)
        return Reply(200, raw=self._render(day, self.days[day]), headers=headers)
