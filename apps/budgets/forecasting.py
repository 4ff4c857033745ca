"""Spend forecasts (pure: no database): a daily series in, the period's total and the next months' out, each with
an 80 % band.

- At least ``MIN_ETS_DAYS`` (28) days of history: an ETS model from statsmodels (``ETSModel``: additive errors,
  additive damped trend, additive weekly seasonality, ``seasonal_periods=7``) fitted on the last
  ``MAX_HISTORY_DAYS`` days. The band comes from ``SIMULATIONS`` simulated future paths (fixed seed): a day's band
  is the 10th-90th percentile of that day over the paths, a total's band the percentiles of the paths' sums (the
  band of a sum is not the sum of the days' bands). Spend is never negative: paths are clipped at zero.
- Shorter history: the run-rate, the mean of the last ``RUN_RATE_DAYS`` (7) days for each remaining day, with a
  wide band (±``RUN_RATE_BAND`` of what is still to come), since a week says little.
- No history at all: method ``none``, no numbers.

``Forecast.method`` says which was used and ``Forecast.reason`` why, in the active language.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.utils.translation import gettext as _

MIN_ETS_DAYS = 28
RUN_RATE_DAYS = 7
MAX_HISTORY_DAYS = 365
SEASONAL_PERIODS = 7
BAND_LEVEL = 80  # percent: the band holds the middle 80 % of outcomes
RUN_RATE_BAND = Decimal("0.5")  # ± half of the spend still to come
SIMULATIONS = 1000
SEED = 20261206
CENT = Decimal("0.01")
ZERO = Decimal(0)

METHOD_ETS = "ets"
METHOD_RUN_RATE = "run_rate"
METHOD_NONE = "none"
FORECAST_METHODS = (METHOD_ETS, METHOD_RUN_RATE, METHOD_NONE)


@dataclass(frozen=True)
class DayForecast:
    date: date
    actual: Decimal | None = None
    forecast: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None


@dataclass(frozen=True)
class MonthForecast:
    month: date  # the first day of the month
    forecast: Decimal | None
    lower: Decimal | None
    upper: Decimal | None


@dataclass(frozen=True)
class Forecast:
    method: str  # ets | run_rate | none
    reason: str
    history_days: int
    actual_to_date: Decimal | None
    forecast: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    series: list[DayForecast] = field(default_factory=list)
    months: list[MonthForecast] = field(default_factory=list)
    daily_mean: Decimal | None = None  # the mean forecast spend a day over the next 30 days


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


class _Paths:
    """The future, day by day from ``first``: a point forecast and simulated paths (or a fixed relative band)."""

    def __init__(self, first: date, point: np.ndarray, paths: np.ndarray | None = None,
                 band: float | None = None):
        self.first, self.point, self.paths, self.band = first, point, paths, band

    def _slice(self, start: date, end: date) -> slice:
        return slice((start - self.first).days, (end - self.first).days + 1)

    def day(self, day: date) -> tuple[float, float, float]:
        i = (day - self.first).days
        if self.paths is None:
            return self.point[i], self.point[i] * (1 - self.band), self.point[i] * (1 + self.band)
        low, high = np.percentile(self.paths[i], [50 - BAND_LEVEL / 2, 50 + BAND_LEVEL / 2])
        return self.point[i], low, high

    def total(self, start: date, end: date) -> tuple[float, float, float]:
        if end < start:
            return 0.0, 0.0, 0.0
        window = self._slice(start, end)
        point = float(self.point[window].sum())
        if self.paths is None:
            return point, point * (1 - self.band), point * (1 + self.band)
        sums = self.paths[window].sum(axis=0)
        low, high = np.percentile(sums, [50 - BAND_LEVEL / 2, 50 + BAND_LEVEL / 2])
        return point, float(low), float(high)


def _ordered(point: float, low: float, high: float) -> tuple[Decimal, Decimal, Decimal]:
    point, low, high = max(point, 0.0), max(low, 0.0), max(high, 0.0)
    return _money(point), _money(min(low, point)), _money(max(high, point))


def _ets_paths(values: np.ndarray, horizon: int, first: date) -> _Paths:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # heavy: loaded when a forecast is made

    scale = float(np.abs(values).mean()) or 1.0  # fit on a unit scale: the optimizer behaves the same at any size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(values / scale, error="add", trend="add", damped_trend=True, seasonal="add",
                         seasonal_periods=SEASONAL_PERIODS, initialization_method="heuristic")
        fitted = model.fit(disp=False, maxiter=200)
        point = np.asarray(fitted.forecast(horizon), dtype=float) * scale
        simulated = fitted.simulate(horizon, anchor="end", repetitions=SIMULATIONS, rng=np.random.default_rng(SEED))
        paths = np.asarray(simulated, dtype=float).reshape(horizon, SIMULATIONS) * scale
    if not (np.isfinite(point).all() and np.isfinite(paths).all()):
        raise ValueError("the model did not converge")
    return _Paths(first, np.clip(point, 0, None), np.clip(paths, 0, None))


def forecast_spend(*, history: Mapping[date, Decimal], as_of: date, period_start: date, period_end: date,
                   months: int = 3) -> Forecast:
    """The spend of ``period_start..period_end`` (actual up to ``as_of``, the last complete day, forecast after)
    and of each of the ``months`` calendar months after ``as_of + 1 day``'s month.

    ``history``: spend per day; days between its first day and ``as_of`` that it lacks count as zero; days after
    ``as_of`` are ignored.
    """
    known = {day: amount for day, amount in history.items() if day <= as_of and amount is not None}
    if not known:
        return Forecast(method=METHOD_NONE, history_days=0,
                        reason=_("No costs in this scope yet: nothing to forecast from."),
                        actual_to_date=None, forecast=None, lower=None, upper=None,
                        months=[MonthForecast(add_months(as_of + timedelta(days=1), i), None, None, None)
                                for i in range(1, months + 1)])
    first_day = max(min(known), as_of - timedelta(days=MAX_HISTORY_DAYS - 1))
    days = _days(first_day, as_of)
    values = np.array([float(known.get(day, ZERO)) for day in days])
    tomorrow = as_of + timedelta(days=1)
    month_list = [add_months(tomorrow, i) for i in range(1, months + 1)]
    last = max([period_end, *[add_months(m, 1) - timedelta(days=1) for m in month_list]])
    horizon = max((last - as_of).days, 1)

    method, reason, paths = METHOD_RUN_RATE, "", None
    if len(days) >= MIN_ETS_DAYS:
        try:
            paths = _ets_paths(values, horizon, tomorrow)
            method = METHOD_ETS
            reason = _("ETS model (trend and weekly seasonality) fitted on %(days)s days of history; the band holds "
                       "80 %% of simulated outcomes.") % {"days": len(days)}
        except (ValueError, np.linalg.LinAlgError):
            reason = _("The ETS model could not be fitted on this history: run-rate of the last %(n)s days, with a "
                       "wide band (±%(band)s %%).") % {"n": RUN_RATE_DAYS, "band": int(RUN_RATE_BAND * 100)}
    else:
        reason = _("Only %(days)s days of history (an ETS model needs %(min)s): run-rate of the last %(n)s days, "
                   "with a wide band (±%(band)s %%).") % {"days": len(days), "min": MIN_ETS_DAYS,
                                                          "n": min(RUN_RATE_DAYS, len(days)),
                                                          "band": int(RUN_RATE_BAND * 100)}
    if paths is None:
        rate = float(values[-RUN_RATE_DAYS:].mean())
        paths = _Paths(tomorrow, np.full(horizon, rate), band=float(RUN_RATE_BAND))

    actual = {day: _money(known.get(day, ZERO)) for day in _days(period_start, min(as_of, period_end))}
    actual_to_date = sum(actual.values(), ZERO)
    series = []
    for day in _days(period_start, period_end):
        if day <= as_of:
            series.append(DayForecast(date=day, actual=actual[day]))
        else:
            point, low, high = _ordered(*paths.day(day))
            series.append(DayForecast(date=day, forecast=point, lower=low, upper=high))
    rest = _ordered(*paths.total(max(tomorrow, period_start), period_end))
    month_forecasts = []
    for month in month_list:
        point, low, high = _ordered(*paths.total(month, add_months(month, 1) - timedelta(days=1)))
        month_forecasts.append(MonthForecast(month, point, low, high))
    next_30 = paths.total(tomorrow, tomorrow + timedelta(days=min(30, horizon) - 1))[0] / min(30, horizon)
    return Forecast(method=method, reason=reason, history_days=len(days), actual_to_date=actual_to_date,
                    forecast=actual_to_date + rest[0], lower=actual_to_date + rest[1],
                    upper=actual_to_date + rest[2], series=series, months=month_forecasts,
                    daily_mean=_money(max(next_30, 0.0)))
