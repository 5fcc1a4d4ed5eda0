"""Building blocks of the scenario schema: the dimensions, value bounds and the frozen ``Section``
base every scenario model derives from (see :mod:`.schema`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict

from .inputs import Quantity, Scalar

#: workforce age bands (lower bound of each 5-year band); the last band retires at 65
AGE_BANDS: tuple[int, ...] = (20, 25, 30, 35, 40, 45, 50, 55, 60)
QUALIFICATIONS: tuple[str, ...] = ("bachelor", "master", "phd")
REGIONS: tuple[str, ...] = ("us", "china", "other_asia", "europe")
#: years simulated before the horizon so education pipelines hold students when it starts
SPINUP_YEARS = 20


@dataclass(frozen=True)
class Bounds:
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False

    def describe(self) -> str:
        if self.high == math.inf:
            return f"must be {'>' if self.low_open else '>='} {self.low:g}"
        return f"must be within {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"

    def holds(self, lo: float, hi: float) -> bool:
        low_ok = lo > self.low if self.low_open else lo >= self.low
        return low_ok and hi <= self.high


Rate = Annotated[Quantity, Bounds(0.0, 1.0)]
Count = Annotated[Quantity, Bounds(0.0)]
Positive = Annotated[Quantity, Bounds(0.0, low_open=True)]
Money = Annotated[Quantity, Bounds(0.0)]
ScalarRate = Annotated[Scalar, Bounds(0.0, 1.0)]
ScalarCount = Annotated[Scalar, Bounds(0.0)]
ScalarPositive = Annotated[Scalar, Bounds(0.0, low_open=True)]
Years = Annotated[Quantity, Bounds(1.0, 12.0)]
ServiceYears = Annotated[Quantity, Bounds(0.0, 12.0)]
Real = Quantity
RealGrowth = Annotated[Scalar, Bounds(-0.2, 0.2)]
#: an optional positive scalar; Bounds outside Optional so that check_bounds sees them
OptionalPositive = Annotated[Optional[Scalar], Bounds(0.0, low_open=True)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)

