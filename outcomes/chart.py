"""The attendance chart drawn on the server as SVG (no script): one bar per term, with the
persistent and severe absence lines. Pure: it takes the rows the table beneath it shows, so the
chart and the table always say the same."""

from dataclasses import dataclass
from decimal import Decimal

from .selectors import AttendanceRow

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 56


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: Decimal
    flag: str  # "", "persistent", "severe"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    persistent_y: float
    severe_y: float
    persistent_line: Decimal
    severe_line: Decimal
    axis: list[tuple[int, float]]  # (percentage, y)
    baseline: float
    left: int
    right: float

    @property
    def description(self) -> str:
        terms = "; ".join(f"{b.label}: {b.value}%" for b in self.bars)
        return f"Attendance by term. {terms}."


def _y(percent: Decimal | int) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot * (1 - float(percent) / 100), 1)


def attendance_chart(
    rows: list[AttendanceRow], persistent: Decimal, severe: Decimal
) -> Chart | None:
    if not rows:
        return None
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / len(rows)
    bar_width = round(min(48.0, slot * 0.6), 1)
    bars = []
    for i, row in enumerate(rows):
        top = _y(row.attendance)
        bars.append(
            Bar(
                x=round(LEFT + slot * i + (slot - bar_width) / 2, 1),
                y=top,
                width=bar_width,
                height=round(_y(0) - top, 1),
                label=row.term_label,
                value=row.attendance,
                flag="severe" if row.severe else "persistent" if row.persistent else "",
            )
        )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        persistent_y=_y(persistent),
        severe_y=_y(severe),
        persistent_line=persistent,
        severe_line=severe,
        axis=[(p, _y(p)) for p in (0, 25, 50, 75, 100)],
        baseline=_y(0),
        left=LEFT,
        right=WIDTH - RIGHT,
    )
