"""Enrollment: the form that starts from the identity number, the welcome letter, and the queue of new
members whose employers are to start deducting their dues."""
from decimal import Decimal

from flask import flash, redirect, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from models import DeductionLine, Membership, record
from models.dues import dues_on
from models.scope import Scope
from rules.dues import DuesError
from rules.lifecycle import week_of
from rules.money import format_kroner, format_percent
from web import clock
from web.access import REGISTER_ROLES, allow
from web.export import table_response
from web.pages import render_page

from . import bp, queries, services
from .forms import EnrollmentForm, LookupForm, PeriodForm

STEP_TEMPLATES = ("enrollment/new.html", "enrollment/_step.html")


# --- the enrollment form --------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def new():
    """Step 1: the identity number. A valid one leads to step 2, pre-filled for a former member.

    A deduction list's unexpected line opens enrollment filled in from the line (`?fra_linje=<line id>
    &neste=<local path to come back to>`): then step 2 opens at once. The identity number is read from
    the line, loaded through the scope; it never travels in the URL (DOMAIN.md section 8)."""
    lookup = LookupForm()
    back = local_url(request.values.get("neste"))
    if request.method == "GET" and request.args.get("fra_linje"):
        line = Scope.of(current_user).get_or_404(DeductionLine, request.args.get("fra_linje", type=int))
        lookup.national_id.data = line.national_id
        return _step_two(lookup, back, prefill=queries.line_prefill(line))
    if not lookup.validate_on_submit():
        return render_page(*STEP_TEMPLATES, status=422 if lookup.errors else 200, lookup=lookup, back=back)
    return _step_two(lookup, back)


def _step_two(lookup: LookupForm, back: str | None, prefill=None):
    """Step 2 for the identity number of step 1 (with the names and workplace another routine knew)."""
    try:
        national_id, person = services.lookup(lookup.national_id.data)
    except services.AlreadyMember as refused:
        return render_page(*STEP_TEMPLATES, status=422, lookup=lookup, already=refused.person,
                           already_visible=queries.person_visible(current_user, refused.person), back=back)
    except services.Refused as refused:
        lookup.national_id.errors.append(str(refused))
        return render_page(*STEP_TEMPLATES, status=422, lookup=lookup, back=back)
    data = {"national_id": national_id.number, "start_date": clock.today()}
    if person is not None:
        record("read", "person", person.id, "Slått opp ved innmelding (tidligere medlem)", person_id=person.id)
        data.update({name: getattr(person, name) for name in services.PERSON_FIELDS},
                    person_version=person.version)
    elif prefill:
        data.update(last_name=prefill.last_name[:100], first_name=prefill.first_name[:100])
    if prefill and prefill.workplace_id is not None:
        data["workplace"] = str(prefill.workplace_id)
    form = EnrollmentForm(formdata=None, data=data)
    _set_choices(form)
    return render_page(*STEP_TEMPLATES, form=form, person=person, lookup=lookup, back=back)


def local_url(value: str | None) -> str | None:
    """A return address inside the register (a path), never another site ("//host", "/\\host")."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and value.isprintable():
        return value
    return None


@bp.route("/ny", methods=["POST"])
@allow(*REGISTER_ROLES)
def create():
    """Step 2: save the enrollment, or show the form again with what is wrong (nothing stored)."""
    form = EnrollmentForm()
    _set_choices(form)
    back = local_url(request.form.get("neste"))
    message, status = None, 422
    if form.validate_on_submit():
        try:
            membership = services.enroll(current_user, _enrollment(form))
        except services.Conflict as conflict:
            message, status = conflict.message, 409
        except services.AlreadyMember as refused:
            message = refused.args[0]
        except services.Refused as refused:
            if refused.field in form and refused.field not in ("national_id", "person_version"):
                form[refused.field].errors.append(str(refused))
            else:
                message = str(refused)
        else:
            letter = url_for("enrollment.welcome_letter", membership_id=membership.id)
            text = gettext('%(name)s er meldt inn med medlemsnummer %(number)s. '
                           '<a href="%(url)s">Skriv ut velkomstbrevet</a>')
            flash(Markup(text) % {"name": membership.person.full_name, "number": membership.member_number,
                                  "url": letter}, "success")
            return redirect(back or url_for("members.card", person_id=membership.person_id), 303)
    person = queries.find_person(form.national_id.data or "") if form.person_version.data else None
    return render_page(*STEP_TEMPLATES, status=status, form=form, person=person, lookup=LookupForm(),
                       message=message, back=back)


def _set_choices(form: EnrollmentForm) -> None:
    branches = queries.branches_in_scope(current_user)
    counties = queries.counties_in_scope(current_user)
    blank = [] if current_user.role == "branch" else [SelectChoice("", gettext("– Velg –"))]
    branch_group, county_group = gettext("Fagforeninger"), gettext("Fylker (studenter og elever)")
    form.unit.choices = (
        blank
        + [SelectChoice(f"branch-{b.id}", f"{b.number} {b.name}", optgroup=branch_group) for b in branches]
        + [SelectChoice(f"county-{c.id}", f"{c.number} {c.name}", optgroup=county_group) for c in counties]
    )
    if form.unit.data is None and current_user.role == "branch" and branches:
        form.unit.data = f"branch-{branches[0].id}"  # the officer's own branch
    form.section.choices = [SelectChoice("", gettext("– Velg –"))] + [
        SelectChoice(str(s.id), f"{s.number} {s.name}") for s in queries.sections()]
    form.enrollment_code.choices = [SelectChoice(str(c.code), f"{c.code} – {c.name}") for c in queries.enrollment_codes()]
    form.dues_code.choices = [SelectChoice(c.code, f"{c.code} – {c.name}") for c in queries.dues_codes()]
    form.workplace.choices = [SelectChoice("", gettext("Ingen arbeidssted registrert"))] + [
        SelectChoice(str(w.id), w.name,
                     optgroup=gettext("%(employer)s (org.nr. %(orgnr)s)", employer=w.employer.name, orgnr=w.employer.orgnr))
        for w in queries.workplaces(current_user)]


def _number(text) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _enrollment(form: EnrollmentForm) -> services.Enrollment:
    """The form's values, typed, as the service takes them."""
    return services.Enrollment(
        national_id=form.national_id.data or "",
        person_version=_number(form.person_version.data),
        **{name: form[name].data for name in services.PERSON_FIELDS},
        membership_type=form.membership_type.data,
        apprentice=form.apprentice.data,
        unit=form.unit.data or "",
        section=_number(form.section.data),
        enrollment_code=_number(form.enrollment_code.data),
        earlier_union=form.earlier_union.data or None,
        earlier_union_start=form.earlier_union_start.data,
        start_date=form.start_date.data,
        dues_code=form.dues_code.data or "",
        workplace=_number(form.workplace.data),
        position=form.position.data,
        employment_from=form.employment_from.data,
        monthly_pay=form.monthly_pay.data,
        payment_method=form.payment_method.data,
        home=form.home.data,
        benefit_fund=form.benefit_fund.data,
        education_fund=form.education_fund.data,
    )


# --- the welcome letter ---------------------------------------------------------------------------

@bp.route("/<int:membership_id>/velkomstbrev")
@allow(*REGISTER_ROLES)
def welcome_letter(membership_id: int):
    membership = Scope.of(current_user).get_or_404(Membership, membership_id, *queries.MEMBERSHIP_LOADS)
    day = max(membership.start_date, clock.today())  # what they pay from now on
    try:
        dues, dues_error = dues_on(membership, day), None
    except DuesError as error:
        dues, dues_error = None, str(error)
    record("read", "membership", membership.id, "Velkomstbrev vist", person_id=membership.person_id)
    return render_page("enrollment/welcome_letter.html", membership=membership, person=membership.person,
                       dues=dues, dues_error=dues_error, dues_day=day, today=clock.today())


# --- the queue "new members to put on deduction" --------------------------------------------------

def _period(values):
    """The period filter (default: this week, Monday to Sunday), whether to show members already
    notified, and the status: 422 when a date was wrong (the default is used instead)."""
    form = PeriodForm(values)
    form.validate()
    monday, sunday = week_of(clock.today())
    start, end = form.fra.data or monday, form.til.data or sunday
    if start > end:
        form.til.errors.append(gettext("Til-datoen kan ikke være før fra-datoen."))
        start, end = monday, sunday
    form.fra.data, form.til.data = start, end
    return form, start, end, 422 if form.errors else 200


def _period_args(form: PeriodForm) -> dict:
    args = {"fra": f"{form.fra.data:%d.%m.%Y}", "til": f"{form.til.data:%d.%m.%Y}"}
    if form.varslede.data:
        args["varslede"] = "y"
    return args


def _spreadsheet_cells(fmt: str):
    """How øre and hundredths of a percent are written: numbers in XLSX, Norwegian text in CSV."""
    if fmt == "xlsx":
        return (lambda ore: Decimal(ore) / 100), (lambda bp: Decimal(bp) / 100)
    return format_kroner, (lambda bp: format_percent(bp).removesuffix(" %"))


def _queue_page(form, start, end, status=200, message=None):
    groups = queries.start_queue(current_user, start, end, include_notified=form.varslede.data)
    return render_page("enrollment/queue.html", "enrollment/_queue.html", status=status, form=form,
                       groups=groups, start=start, end=end, period_args=_period_args(form), message=message)


@bp.route("/ny-trekk")
@allow(*REGISTER_ROLES)
def queue():
    form, start, end, status = _period(request.args)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        groups = queries.start_queue(current_user, start, end, include_notified=form.varslede.data)
        money, percent = _spreadsheet_cells(fmt)
        return table_response(fmt, f"nye-medlemmer-til-trekk-{start:%Y-%m-%d}-{end:%Y-%m-%d}",
                              queries.EXPORT_HEADER, queries.export_rows(groups, money, percent))
    return _queue_page(form, start, end, status)


@bp.route("/ny-trekk/<int:employer_id>/varsel")
@allow(*REGISTER_ROLES)
def notice(employer_id: int):
    """The printable notice to the employer's payroll office: start deducting for these members."""
    employer = queries.get_employer(employer_id)
    form, start, end, status = _period(request.args)
    groups = queries.start_queue(current_user, start, end, include_notified=form.varslede.data,
                                 employer_id=employer.id)
    rows = groups[0].rows if groups else []
    return render_page("enrollment/notice.html", status=status, employer=employer, rows=rows, start=start,
                       end=end, senders=sorted({row.unit for row in rows}), today=clock.today(),
                       period_args=_period_args(form))


@bp.route("/ny-trekk/<int:employer_id>/varslet", methods=["POST"])
@allow(*REGISTER_ROLES)
def mark_group(employer_id: int):
    """Mark members of an employer's group as notified: the whole group as the page listed it, or the one
    member whose button was pressed."""
    employer = queries.get_employer(employer_id)
    form, start, end, _ = _period(request.form)
    groups = queries.start_queue(current_user, start, end, employer_id=employer.id)
    listed = {n for n in (_number(v) for v in request.form.getlist("m")) if n is not None}
    try:
        count = services.mark_start_notified(current_user, queries.queue_memberships(current_user, groups, listed))
    except services.Conflict as conflict:
        return _queue_page(form, start, end, 409, conflict.message)
    flash(ngettext("%(num)s medlem hos %(employer)s er merket som varslet.",
                   "%(num)s medlemmer hos %(employer)s er merket som varslet.", count, employer=employer.name), "success")
    return redirect(url_for("enrollment.queue", **_period_args(form)), 303)
