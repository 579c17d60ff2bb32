"""The reports page as panels of figures: each figure a chart (its geometry from :mod:`.charts`) and the
table of the same numbers, which is what a screen reader reads and what a manager copies.

Pure functions of the figures already computed (the catalog is in memory): no query here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.cases.display import current_lang, license_name
from licensedesk.web.reports import charts
from licensedesk.web.reports.selectors import ROUND_BINS, Percentiles, Reports


@dataclass(frozen=True)
class Figure:
    """One chart and its table. ``kind``: hbars, funnel or lines (the template's drawing)."""

    key: str
    caption: str
    summary: str  # the chart's <desc>: what it shows in one sentence, with the main numbers
    kind: str
    chart: Any
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class Panel:
    key: str
    title: str
    note: str  # how the figure is counted (shown under the title)
    figures: list[Figure] = field(default_factory=list)
    empty: str = ""  # shown instead when there is no figure


def number(value: float) -> str:
    """One decimal at most, none when it is zero (4 天, 4.5 天; never 4.0)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def days(value: float) -> str:
    return _("%(days)s d") % {"days": number(value)}


def percent(value: float | None) -> str:
    return "—" if value is None else number(value) + "%"


def _stages(license_id: str) -> list[tuple[str, str, bool]]:
    """(id, title, terminal) of every stage of the license's rule versions, in workflow order."""
    lang = current_lang()
    seen: dict[str, tuple[str, str, bool]] = {}
    try:
        lic = default_catalog().license(license_id)
    except LookupError:
        return []
    for version in reversed(lic.versions):
        for stage in version.workflow.stages:
            seen.setdefault(stage.id, (stage.id, getattr(stage.title, lang), stage.terminal))
    return list(seen.values())


def _in_order(license_id: str, present: dict[str, Any]) -> list[tuple[str, str]]:
    """The stages of ``present`` (ids) in workflow order with their titles; unknown ids last, as ids."""
    known = [(sid, title) for sid, title, _t in _stages(license_id) if sid in present]
    ids = {sid for sid, _t in known}
    return known + [(sid, sid) for sid in present if sid not in ids]


def _licenses(*groups: dict[str, Any]) -> list[str]:
    """License ids with figures, in catalog order (any other id after)."""
    present = {lic for group in groups for lic in group}
    order = [lic.id for lic in default_catalog().licenses()]
    return [lic for lic in order if lic in present] + sorted(present - set(order))


def pipeline_panel(reports: Reports) -> Panel:
    panel = Panel(
        "stages-now",
        _("Open cases by stage now"),
        _("Every open case in the stage it is in today, in workflow order (the period does not apply)."),
        empty=_("No open cases."),
    )
    for lic in _licenses(reports.stages_now):
        counts = reports.stages_now[lic]
        steps = [(title, counts.get(sid, 0)) for sid, title, terminal in _stages(lic) if not terminal]
        steps += [(sid, n) for sid, n in counts.items() if sid not in {s for s, _t, _x in _stages(lic)}]
        total = sum(counts.values())
        name = license_name(lic)
        panel.figures.append(
            Figure(
                f"stages-now-{lic}",
                name,
                _("%(license)s: %(total)s open cases; ") % {"license": name, "total": total}
                + _("; ").join(f"{title} {n}" for title, n in steps if n),
                "funnel",
                charts.funnel(steps),
                (pgettext("reports", "Stage"), pgettext("reports", "Open cases")),
                tuple((title, str(n)) for title, n in steps),
            )
        )
    return panel


def months_panel(reports: Reports) -> Panel:
    panel = Panel(
        "opened-closed",
        _("Cases opened and closed per month"),
        _(
            "Opened: by the day the case was opened. "
            "Closed: by the day it ended (granted, refused or withdrawn)."
        ),
    )
    months = list(reports.opened_by_month)
    labels = [date_format(m, "Y-m") for m in months]
    opened = [reports.opened_by_month[m] for m in months]
    closed = [reports.closed_by_month.get(m, 0) for m in months]
    series = (
        charts.Series(pgettext("reports", "Opened"), "s-opened"),
        charts.Series(pgettext("reports", "Closed"), "s-closed"),
    )
    panel.figures.append(
        Figure(
            "opened-closed",
            _("%(start)s to %(end)s") % {"start": labels[0], "end": labels[-1]} if labels else "",
            _("Opened %(opened)s, closed %(closed)s in the period.")
            % {"opened": sum(opened), "closed": sum(closed)},
            "lines",
            charts.lines(labels, [(series[0], opened), (series[1], closed)]),
            (pgettext("reports", "Month"), series[0].name, series[1].name),
            tuple((label, str(o), str(c)) for label, o, c in zip(labels, opened, closed, strict=True)),
        )
    )
    return panel


def _times_row(label: str, p: Percentiles) -> tuple[str, ...]:
    return (label, str(p.count), days(p.p50), days(p.p90))


def cycle_panel(reports: Reports) -> Panel:
    panel = Panel(
        "cycle-times",
        _("Cycle times"),
        _(
            "Days in each stage, over the stays that ended in the period, and from opening to closing, over "
            "the cases closed in the period: "
            "the median (p50) and the time nine cases in ten stayed within (p90)."
        ),
        empty=_("No case left a stage in the period."),
    )
    series = (charts.Series(_("p50"), "s-p50"), charts.Series(_("p90"), "s-p90"))
    columns = (
        pgettext("reports", "Stage"),
        pgettext("reports", "Stays"),
        pgettext("reports", "p50 (median)"),
        _("p90"),
    )
    if reports.end_to_end:
        rows = [(license_name(lic), reports.end_to_end[lic]) for lic in _licenses(reports.end_to_end)]
        panel.figures.append(
            Figure(
                "cycle-end-to-end",
                _("End to end, by license"),
                _("; ").join(
                    _("%(label)s median %(p50)s, p90 %(p90)s")
                    % {"label": name, "p50": days(p.p50), "p90": days(p.p90)}
                    for name, p in rows
                ),
                "hbars",
                charts.hbars(
                    [(name, [p.p50, p.p90], [days(p.p50), days(p.p90)]) for name, p in rows], series
                ),
                (
                    pgettext("reports", "License"),
                    pgettext("reports", "Cases closed"),
                    pgettext("reports", "p50 (median)"),
                    _("p90"),
                ),
                tuple(_times_row(name, p) for name, p in rows),
            )
        )
    for lic in _licenses(reports.stage_times):
        times = reports.stage_times[lic]
        rows = [(title, times[sid]) for sid, title in _in_order(lic, times)]
        name = license_name(lic)
        panel.figures.append(
            Figure(
                f"cycle-{lic}",
                _("%(license)s: days per stage") % {"license": name},
                _("; ").join(
                    _("%(label)s median %(p50)s, p90 %(p90)s")
                    % {"label": title, "p50": days(p.p50), "p90": days(p.p90)}
                    for title, p in rows
                ),
                "hbars",
                charts.hbars(
                    [(title, [p.p50, p.p90], [days(p.p50), days(p.p90)]) for title, p in rows], series
                ),
                columns,
                tuple(_times_row(title, p) for title, p in rows),
            )
        )
    return panel


def outcomes_panel(reports: Reports) -> Panel:
    panel = Panel(
        "outcomes",
        _("Approval and withdrawal rates"),
        _("How the cases closed in the period ended, as a share of them."),
        empty=_("No case closed in the period."),
    )
    if not reports.outcomes:
        return panel
    series = (
        charts.Series(pgettext("reports", "Granted"), "s-granted"),
        charts.Series(pgettext("reports", "Refused"), "s-refused"),
        charts.Series(pgettext("reports", "Withdrawn"), "s-withdrawn"),
    )
    rows = [(license_name(lic), reports.outcomes[lic]) for lic in _licenses(reports.outcomes)]
    if len(rows) > 1:
        rows.append((pgettext("reports", "All licenses"), reports.total_outcomes))
    total = reports.total_outcomes
    panel.figures.append(
        Figure(
            "outcomes",
            _("Closed cases by outcome"),
            _(
                "%(closed)s closed: approval rate %(granted)s, "
                "refusal rate %(refused)s, withdrawal rate %(withdrawn)s."
            )
            % {
                "closed": total.closed,
                "granted": percent(total.rate(total.granted)),
                "refused": percent(total.rate(total.refused)),
                "withdrawn": percent(total.rate(total.withdrawn)),
            },
            "hbars",
            charts.hbars(
                [
                    (
                        name,
                        [o.rate(o.granted), o.rate(o.refused), o.rate(o.withdrawn)],
                        [
                            percent(o.rate(o.granted)),
                            percent(o.rate(o.refused)),
                            percent(o.rate(o.withdrawn)),
                        ],
                    )
                    for name, o in rows
                ],
                series,
            ),
            (
                pgettext("reports", "License"),
                pgettext("reports", "Closed"),
                pgettext("reports", "Approval rate"),
                pgettext("reports", "Refusal rate"),
                pgettext("reports", "Withdrawal rate"),
            ),
            tuple(
                (
                    name,
                    str(o.closed),
                    f"{percent(o.rate(o.granted))} ({o.granted})",
                    f"{percent(o.rate(o.refused))} ({o.refused})",
                    f"{percent(o.rate(o.withdrawn))} ({o.withdrawn})",
                )
                for name, o in rows
            ),
        )
    )
    return panel


def consultants_panel(reports: Reports) -> Panel:
    panel = Panel(
        "consultants",
        _("Work per consultant"),
        _("Open cases today, and the cases opened and closed in the period, by the consultant in charge."),
        empty=_("No case to count."),
    )
    if not reports.consultants:
        return panel
    series = (
        charts.Series(pgettext("reports", "Open now"), "s-open"),
        charts.Series(pgettext("reports", "Opened"), "s-opened"),
        charts.Series(pgettext("reports", "Closed"), "s-closed"),
    )
    rows = [
        (w.name if w.consultant_id else pgettext("reports", "Unassigned"), w) for w in reports.consultants
    ]
    panel.figures.append(
        Figure(
            "consultants",
            _("Cases per consultant"),
            _("; ").join(
                _("%(name)s: %(open)s open, %(opened)s opened, %(closed)s closed")
                % {"name": name, "open": w.open_now, "opened": w.opened, "closed": w.closed}
                for name, w in rows
            ),
            "hbars",
            charts.hbars(
                [
                    (name, [w.open_now, w.opened, w.closed], [str(w.open_now), str(w.opened), str(w.closed)])
                    for name, w in rows
                ],
                series,
            ),
            (pgettext("reports", "Consultant"), series[0].name, series[1].name, series[2].name),
            tuple((name, str(w.open_now), str(w.opened), str(w.closed)) for name, w in rows),
        )
    )
    return panel


def rounds_panel(reports: Reports) -> Panel:
    panel = Panel(
        "review-rounds",
        _("Review rounds per case"),
        _(
            "Cases by the number of material review rounds opened in the period "
            "(cases without one are not counted)."
        ),
        empty=_("No review round was opened in the period."),
    )
    if not reports.review_rounds:
        return panel
    bins = dict.fromkeys(ROUND_BINS, 0)
    for rounds, n in reports.review_rounds.items():
        bins[min(rounds, ROUND_BINS[-1])] += n
    cases = sum(bins.values())
    mean = sum(r * n for r, n in reports.review_rounds.items()) / cases
    labels = {b: _("%(n)s rounds") % {"n": b} for b in ROUND_BINS}
    labels[1] = _("1 round")
    labels[ROUND_BINS[-1]] = _("%(n)s rounds or more") % {"n": ROUND_BINS[-1]}
    series = (charts.Series(pgettext("reports", "Cases"), "s-rounds"),)
    panel.figures.append(
        Figure(
            "review-rounds",
            _("%(cases)s cases, %(mean)s rounds on average") % {"cases": cases, "mean": number(mean)},
            _("; ").join(f"{labels[b]} {n}" for b, n in bins.items()),
            "hbars",
            charts.hbars([(labels[b], [n], [str(n)]) for b, n in bins.items()], series),
            (pgettext("reports", "Review rounds"), pgettext("reports", "Cases")),
            tuple((labels[b], str(n)) for b, n in bins.items()),
        )
    )
    return panel


def clocks_panel(reports: Reports) -> Panel:
    panel = Panel(
        "deadlines",
        _("Statutory deadlines met and missed"),
        _(
            "Statutory time limits whose outcome fell in the period: met by the due day, met late, or "
            "past the due day and still running. Limits still within their time are not counted yet."
        ),
        empty=_("No statutory time limit was met or missed in the period."),
    )
    if not reports.clocks:
        return panel
    lang = current_lang()
    series = (
        charts.Series(pgettext("reports", "Met on time"), "s-met"),
        charts.Series(pgettext("reports", "Met late"), "s-late"),
        charts.Series(pgettext("reports", "Overdue"), "s-overdue"),
    )
    rows = [(t.name_zh if lang == "zh" else t.name_en, t) for t in reports.clocks]
    met = sum(t.met for t in reports.clocks)
    missed = sum(t.missed for t in reports.clocks)
    panel.figures.append(
        Figure(
            "deadlines",
            _("Met %(met)s, missed %(missed)s") % {"met": met, "missed": missed},
            _("; ").join(
                _("%(name)s: %(met)s met on time, %(late)s met late, %(overdue)s overdue")
                % {"name": name, "met": t.met, "late": t.late, "overdue": t.overdue}
                for name, t in rows
            ),
            "hbars",
            charts.hbars(
                [
                    (name, [t.met, t.late, t.overdue], [str(t.met), str(t.late), str(t.overdue)])
                    for name, t in rows
                ],
                series,
            ),
            (pgettext("reports", "Time limit"), series[0].name, series[1].name, series[2].name),
            tuple((name, str(t.met), str(t.late), str(t.overdue)) for name, t in rows),
        )
    )
    return panel


def report_panels(reports: Reports) -> list[Panel]:
    return [
        pipeline_panel(reports),
        months_panel(reports),
        cycle_panel(reports),
        outcomes_panel(reports),
        consultants_panel(reports),
        rounds_panel(reports),
        clocks_panel(reports),
    ]
