from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Person
from models.codes import N_
from models.scope import Scope
from web import clock
from web.access import REGISTER_ROLES, allow
from web.pages import render_page
from web.textinput import refused_fields

from . import bp, queries, services
from .forms import NoteForm, PersonForm, SearchForm, choices

TABS = {
    "personalia": N_("Personalia"),
    "medlemskap": N_("Medlemskap"),
    "kontingentkoder": N_("Kontingentkoder"),
    "kontingent": N_("Kontingent"),
    "arbeidsforhold": N_("Arbeidsforhold"),
    "forsikringer": N_("Forsikringer"),
    "notater": N_("Notater"),
    "historikk": N_("Endringshistorikk"),
    "logg": N_("Innsynslogg"),
}
CENTRAL_ONLY_TABS = {"logg"}


def _search_form(values) -> SearchForm:
    form = SearchForm(values)
    form.branch.choices = choices(queries.branch_choices(current_user))
    form.dues_code.choices = choices(queries.dues_code_choices())
    return form


@bp.route("/", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def search():
    """The search form posts (with its CSRF token). A search by name or member number is sent on to its
    URL (303), where it can be bookmarked and shared; htmx follows the redirect and pushes that URL. A
    search that may hold an identity number (queries.private_search) is answered at once and never put
    in a URL or the browser's history (DOMAIN.md section 8); a GET that carries one is not searched but
    sent on to the address without it."""
    if request.method == "POST":
        refused = refused_fields(SearchForm(request.form))  # refused text is answered here, not put in a URL
        if not refused and not queries.private_search(request.form):
            args = {key: value for key, value in request.form.items() if key != "csrf_token" and value}
            return redirect(url_for("members.search", **args), 303)
        response = _search_page(_search_form(request.form), private=True)
        response.headers["HX-Push-Url"] = "false"
        return response
    if queries.private_search(request.args):  # typed into the address bar, or an old bookmark
        flash(_("Søk på fødselsnummer i søkefeltet på siden. Et fødselsnummer skal aldri stå i en nettadresse."),
              "error")
        args = {key: value for key, value in request.args.items() if key not in queries.DIGIT_RUN and value}
        return redirect(url_for("members.search", **args), 303)  # the address without it, not searched
    return _search_page(_search_form(request.args))


def _search_page(form: SearchForm, *, private: bool = False):
    """The search page (its results for htmx); `private`: answering a posted search that is not put in a
    URL, so its results have no sort or page links (they would carry the search in their URLs). Text the
    register refuses (a NUL, a bidi override; rules.text) is not searched: its message is shown (422)."""
    filters = {name: field.data for name, field in form._fields.items()}
    if refused := refused_fields(form):
        result = queries.SearchResult(rows=[], count=0, page=1, pages=1)
        return render_page("members/search.html", "members/_results.html", status=422,
                           form=form, result=result, filters=filters, private=True, refused=refused)
    result = queries.search(current_user, filters, form.page.data or 1, current_app.config["PAGE_SIZE"])
    return render_page("members/search.html", "members/_results.html",
                       form=form, result=result, filters=filters, private=private)


@bp.route("/returpost")
@allow(*REGISTER_ROLES)
def return_mail():
    filters = {"return_mail": True, "status": "active", "sort": request.args.get("sort", "name"),
               "dir": request.args.get("dir", "asc")}
    page = request.args.get("page", 1, type=int)
    result = queries.search(current_user, filters, page, current_app.config["PAGE_SIZE"])
    return render_page("members/return_mail.html", "members/_return_mail_rows.html",
                       result=result, filters=filters)


def _visible_tabs() -> dict:
    return {k: v for k, v in TABS.items() if k not in CENTRAL_ONLY_TABS or current_user.role == "central"}


@bp.route("/<int:person_id>")
@allow(*REGISTER_ROLES)
def card(person_id: int):
    person = Scope.of(current_user).get_or_404(Person, person_id)
    tabs = _visible_tabs()
    tab = request.args.get("fane", "personalia")
    if tab not in tabs:
        tab = "personalia"
    services.audit_card_read(person, TABS[tab])
    context = {"person": person, "tab": tab, "tabs": tabs,
               "memberships": queries.memberships_of(current_user, person)}
    if tab in ("historikk", "logg"):
        context["audit_rows"] = queries.audit_rows(person, changes_only=tab == "historikk")
    if tab == "notater":
        context["note_form"] = NoteForm()
    if tab == "kontingent":
        context["dues_histories"] = [(m, queries.dues_history(m, clock.today())) for m in context["memberships"]]
    return render_page("members/card.html", "members/_card_tab.html", **context)


@bp.route("/<int:person_id>/endre", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def edit(person_id: int):
    person = Scope.of(current_user).get_or_404(Person, person_id)
    form = PersonForm(obj=person if request.method == "GET" else None)
    editable = services.EDITABLE_BY_ROLE[current_user.role]
    if "national_id" not in editable:
        form.national_id.validators = []  # the value is ignored below whatever the form sends
    conflict = False
    if form.validate_on_submit():
        data = {name: form[name].data for name in services.PERSON_FIELDS}
        try:
            version = request.form.get("version", 0, type=int)  # garbled counts as stale
            changes = services.update_person(current_user, person, data, version)
        except services.EditConflict:
            conflict = True
            person = Scope.of(current_user).get_or_404(Person, person_id)
            form = PersonForm(obj=person, formdata=None)
        except services.FieldError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(_("Endringene er lagret.") if changes else _("Ingen endringer å lagre."), "success")
            return redirect(url_for("members.card", person_id=person.id), 303)
    if request.method == "GET" or conflict:
        form.version.data = person.version
    if "national_id" not in editable:
        form.national_id.data = person.national_id  # shown disabled, never taken from the form
    status = 409 if conflict else (422 if form.errors else 200)
    return render_page("members/edit.html", None, status=status,
                       person=person, form=form, editable=editable, conflict=conflict)


@bp.route("/<int:person_id>/returpost", methods=["POST"])
@allow(*REGISTER_ROLES)
def toggle_return_mail(person_id: int):
    person = Scope.of(current_user).get_or_404(Person, person_id)
    services.set_return_mail(person, request.form.get("flagged") == "1")
    flash(_("Returpost registrert.") if person.return_mail else _("Returpost fjernet."), "success")
    return redirect(url_for("members.card", person_id=person.id), 303)


@bp.route("/<int:person_id>/notater", methods=["POST"])
@allow(*REGISTER_ROLES)
def add_note(person_id: int):
    person = Scope.of(current_user).get_or_404(Person, person_id)
    form = NoteForm()
    if form.validate_on_submit():
        services.add_note(current_user, person, form.text.data)
        flash(_("Notatet er lagret."), "success")
        return redirect(url_for("members.card", person_id=person.id, fane="notater"), 303)
    tabs = _visible_tabs()
    return render_page("members/card.html", None, status=422, person=person, tab="notater", tabs=tabs,
                       memberships=queries.memberships_of(current_user, person), note_form=form)
