"""Altair charts shared by the SP4N-LAPOR! pages (Peringkat OPD, Detail Unit): counts on integer ticks,
readable unit labels on sorted horizontal bars, Indonesian month names. Not a page (app.py lists the pages)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from scoring import ranking as rk

COUNT_AXIS = alt.Axis(format="d", tickMinStep=1)
ROW = 24  # pixels per unit row: bars stay bars however few units a filter leaves


def unit_bars(units: pd.Series, values: pd.Series, field: str, title: str, color: str | None = None,
              domain: list[float] | None = None, counts: bool = False, value_format: str = ",.2f") -> alt.Chart:
    """Horizontal bars, one per unit, the largest on top, with the whole unit name readable."""
    df = pd.DataFrame({"Unit": list(units), field: list(values)}).sort_values([field, "Unit"], ascending=[False, True])
    x = alt.X(f"{field}:Q", title=field, axis=COUNT_AXIS if counts else alt.Axis(),
              scale=alt.Scale(domain=domain) if domain else alt.Undefined)
    y = alt.Y("Unit:N", sort=list(df["Unit"]), title=None, axis=alt.Axis(labelLimit=320))
    mark = alt.Chart(df).mark_bar(color=color) if color else alt.Chart(df).mark_bar()
    return mark.encode(x=x, y=y, tooltip=["Unit", alt.Tooltip(f"{field}:Q", format="d" if counts else value_format)]) \
        .properties(title=title, height=alt.Step(ROW))


def monthly_lines(t: pd.DataFrame, measures: dict[str, str], title: str = "Tren bulanan") -> alt.Chart:
    """Counts per month of Tanggal Laporan Masuk, months named in Indonesian (Jan ... Mei ... Des)."""
    t = t.sort_values("month")
    labels = [rk.month_label(m) for m in t["month"]]
    long = pd.concat([pd.DataFrame({"Bulan": labels, "Nilai": t[col].astype(int).to_numpy(), "Ukuran": name})
                      for col, name in measures.items()], ignore_index=True)
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("Bulan:O", sort=list(dict.fromkeys(labels)), title="Bulan laporan masuk", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Nilai:Q", title="Jumlah", axis=COUNT_AXIS),
        color=alt.Color("Ukuran:N", title=None),
        tooltip=["Ukuran", "Bulan", alt.Tooltip("Nilai:Q", format="d")]).properties(title=title)


if __name__ == "__main__":  # opened as a page in Streamlit's legacy mode: route it through app.py
    from pages import ui

    ui.ensure_routed()
