"""The coverage board over the term: duties done per week, for the school, each duty, each class
and each person, drawn as server-side SVG with the numbers in a table beside it."""

from __future__ import annotations

from babel import Locale
from babel.dates import format_date
from flask import Blueprint, Response
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from webapp.auth.models import User
from webapp.care.duties import Coverage
from webapp.core import kept
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.reports import charts
from webapp.reports.coverage import Week, kept_coverage_history

bp = Blueprint("coverage_history", __name__, url_prefix="/reports/coverage")


def month_day(value) -> str:
    """11月2日, as the coverage board writes a day near enough."""
    locale = Locale.parse(str(get_locale()))
    return format_date(value, locale.datetime_skeletons["MMMd"], locale=locale)


def user_names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())


class Strips:
    """Draws one bar per week, each titled with its figure ("Week of 11月2日: 12 of 20 done
    (60%)"). The words are translated once per page, not once per bar: a term has hundreds."""

    def __init__(self, weeks: list[Week]) -> None:
        self.weeks = [_("Week of %(date)s", date=month_day(week.monday)) for week in weeks]
        # Without variables gettext returns the translation unformatted, to fill in below.
        self.done = _("%(when)s: %(done)d of %(total)d done (%(percent)d%%)")
        self.nothing = _("%(when)s: nothing due")

    def __call__(self, cells: list[Coverage], label: str) -> Markup:
        bars = []
        for when, cell in zip(self.weeks, cells, strict=True):
            if cell.total:
                figure = {"when": when, "done": cell.done, "total": cell.total}
                title = self.done % {**figure, "percent": cell.percent}
                bars.append(charts.Bar(cell.done / cell.total, title))
            else:
                bars.append(charts.Bar(None, self.nothing % {"when": when}))
        return charts.bar_strip(bars, label)


@bp.route("/")
@permission_required("care.coverage")
def history() -> Response:
    today = local_today()
    found = kept_coverage_history(db.session, today, kept.max_age("REPORT_FIGURES_MAX_AGE"))
    names = user_names({person for person in found.people if person is not None})
    people = sorted(found.people, key=lambda p: (p is None, names.get(p, "") if p else ""))
    return render(
        "reports/coverage_history.html",
        today=today,
        history=found,
        names=names,
        people=people,
        strip=Strips(found.weeks),
    )
