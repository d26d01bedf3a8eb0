"""Account administration: the accounts a user may manage with filters, one account with its actions
(block, unblock, new password, new second factor, role and scopes: each confirmed on a page of its own),
a new account, and a branch's requests for a new officer's account with the county's decision.

A generated password is shown once, on the answer to the POST that made it (never stored in the session
or the audit log, and the page is not cached)."""

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import AccountRequest, User
from models.scope import Scope
from web import clock
from web.access import allow
from web.pages import render_page

from . import bp, queries, services
from .forms import AccessForm, AccountForm, BlockForm, ConfirmForm, DecideForm, FilterForm, RequestForm, as_choices

MANAGERS = ("county", "central")
SCOPE_FIELDS = {"branch": "branches", "county": "counties", "employer": "employers"}


def _put(form, field: str | None, message: str) -> str | None:
    """The message next to its field, or returned when it is for the whole form."""
    if field == "scopes":
        field = SCOPE_FIELDS.get(form.role.data if "role" in form else "branch")
    if field and field in form:
        form[field].errors = [*form[field].errors, message]
        return None
    return message


def _put_all(form, problems) -> str | None:
    general = [m for f, m in problems if _put(form, f, m) is not None]
    return " ".join(general) or None


def _shown_once(response):
    """A page with a password on it: kept by no cache and no history."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_choices(form):
    """What the role may give: central every role and scope; a county its branches to branch officers."""
    choices = queries.access_choices(current_user)
    form.branches.choices = as_choices(choices.branches)
    if current_user.role == "central":
        form.counties.choices = as_choices(choices.counties)
    else:
        del form.role
        del form.counties
        del form.employers
    return form


# --- the accounts -----------------------------------------------------------------------------------

@bp.route("/brukere")
@allow(*MANAGERS)
def users():
    form = FilterForm(request.args)
    if current_user.role != "central":
        del form.rolle  # a county manages branch officers only
    if not form.validate():
        return render_page("admin/users.html", "admin/_users.html", status=422, form=form, result=None)
    filters = queries.Filters(
        role=(form.rolle.data or None) if "rolle" in form else None,
        blocked={"aktiv": False, "sperret": True}.get(form.status.data), search=form.q.data or None)
    result = queries.accounts(current_user, filters, request.args.get("page", 1, type=int),
                              current_app.config["PAGE_SIZE"])
    return render_page("admin/users.html", "admin/_users.html", form=form, result=result)


@bp.route("/brukere/ny", methods=["GET", "POST"])
@allow(*MANAGERS)
def new_user():
    form = _with_choices(AccountForm())
    message = None
    if request.method == "GET":
        form.declaration_date.data = None
    elif form.validate_on_submit():
        try:
            user, password = services.create_account(
                current_user, username=form.username.data, full_name=form.full_name.data, email=form.email.data,
                declaration_date=form.declaration_date.data, password=form.password.data or None,
                **form.scope_data())
        except services.AccountError as error:
            message = _put_all(form, error.problems)
        else:
            if password is None:
                flash(_("Kontoen %(username)s er opprettet med passordet du valgte.", username=user.username),
                      "success")
                return redirect(url_for("admin.user", user_id=user.id), 303)
            return _shown_once(render_page("admin/password.html", user=user, password=password, created=True))
    status = 422 if request.method == "POST" else 200
    return render_page("admin/new_user.html", status=status, form=form, message=message)


@bp.route("/brukere/<int:user_id>")
@allow(*MANAGERS)
def user(user_id: int):
    account = Scope.of(current_user).get_or_404(User, user_id)
    return render_page("admin/user.html", account=account, scopes=queries.scope_labels([account])[account.id],
                       last_login=queries.last_logins([account.id]).get(account.id),
                       open_sessions=queries.open_sessions(account), itself=account.id == current_user.id)


def _confirm(account, action: str, form, *, status: int = 200, message: str | None = None):
    return render_page("admin/confirm.html", status=status, account=account, action=action, form=form,
                       message=message)


def _act(user_id: int, action: str, form, do, done: str | None):
    """The confirmation page (GET), or the action (POST), then back to the account with `done` said; with
    `done` None the action returns a new password, which is shown once instead."""
    account = Scope.of(current_user).get_or_404(User, user_id)
    if request.method == "GET":
        return _confirm(account, action, form)
    message = None
    if form.validate_on_submit():
        try:
            password = do(account)
        except services.Refused as error:
            message = _put(form, error.field, error.message)
        else:
            if done is None:
                return _shown_once(render_page("admin/password.html", user=account, password=password,
                                               created=False))
            flash(done % {"username": account.username}, "success")
            return redirect(url_for("admin.user", user_id=account.id), 303)
    return _confirm(account, action, form, status=422, message=message)


@bp.route("/brukere/<int:user_id>/sperr", methods=["GET", "POST"])
@allow(*MANAGERS)
def block(user_id: int):
    form = BlockForm()
    return _act(user_id, "block", form, lambda account: services.block(current_user, account, form.reason.data),
                _("Kontoen %(username)s er sperret, og alle øktene er avsluttet."))


@bp.route("/brukere/<int:user_id>/opphev-sperring", methods=["GET", "POST"])
@allow(*MANAGERS)
def unblock(user_id: int):
    return _act(user_id, "unblock", ConfirmForm(), lambda account: services.unblock(current_user, account),
                _("Sperringen av %(username)s er opphevet."))


@bp.route("/brukere/<int:user_id>/nytt-passord", methods=["GET", "POST"])
@allow(*MANAGERS)
def reset_password(user_id: int):
    return _act(user_id, "reset_password", ConfirmForm(),
                lambda account: services.reset_password(current_user, account), None)


@bp.route("/brukere/<int:user_id>/nullstill-andre-faktor", methods=["GET", "POST"])
@allow(*MANAGERS)
def reset_second_factor(user_id: int):
    return _act(user_id, "reset_second_factor", ConfirmForm(),
                lambda account: services.reset_second_factor(current_user, account),
                _("Andre faktor for %(username)s er nullstilt, og alle øktene er avsluttet. Neste innlogging "
                  "registrerer en ny."))


@bp.route("/brukere/<int:user_id>/tilgang", methods=["GET", "POST"])
@allow(*MANAGERS)
def access(user_id: int):
    account = Scope.of(current_user).get_or_404(User, user_id)
    if request.method == "GET":
        form = _with_choices(AccessForm(formdata=None, role=account.role, branches=account.scope_ids("branch"),
                                        counties=account.scope_ids("county"),
                                        employers="\n".join(queries.employer_orgnrs(account))))
    else:
        form = _with_choices(AccessForm())
    message = None
    if form.validate_on_submit():
        try:
            services.change_access(current_user, account, **form.scope_data())
        except services.AccountError as error:
            message = _put_all(form, error.problems)
        except services.Refused as error:
            message = _put(form, error.field, error.message)
        else:
            flash(_("Rolle og tilganger for %(username)s er endret, og alle øktene er avsluttet.",
                    username=account.username), "success")
            return redirect(url_for("admin.user", user_id=account.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_page("admin/access.html", status=status, account=account, form=form, message=message,
                       workplaces=queries.workplace_labels(account))


# --- requests for a new officer's account ---------------------------------------------------------------

@bp.route("/foresporsler")
@allow("branch", *MANAGERS)
def requests():
    pending, decided = queries.requests(current_user)
    return render_page("admin/requests.html", pending=pending, decided=decided)


@bp.route("/foresporsler/ny", methods=["GET", "POST"])
@allow("branch")
def new_request():
    form = RequestForm()
    form.branch.choices = as_choices(queries.own_branches(current_user))
    if request.method == "GET" and len(form.branch.choices) == 1:
        form.branch.data = form.branch.choices[0].value
    message = None
    if form.validate_on_submit():
        try:
            services.request_account(current_user, full_name=form.full_name.data, email=form.email.data,
                                     branch_id=form.branch.data)
        except services.Refused as error:
            message = _put(form, error.field, error.message)
        else:
            flash(_("Forespørselen om konto for %(name)s er sendt til fylkeskretsen. Kontoen opprettes når den "
                    "signerte taushetserklæringen er registrert.", name=form.full_name.data), "success")
            return redirect(url_for("admin.requests"), 303)
    status = 422 if request.method == "POST" else 200
    return render_page("admin/new_request.html", status=status, form=form, message=message)


@bp.route("/foresporsler/<int:request_id>", methods=["GET", "POST"])
@allow(*MANAGERS)
def decide(request_id: int):
    account_request = Scope.of(current_user).get_or_404(AccountRequest, request_id)
    form = DecideForm()
    message, status = None, 200
    if request.method == "POST":
        action = request.form.get("action")
        status = 422
        if not form.validate():
            pass
        elif action not in ("approve", "refuse"):
            message = _("Velg Godkjenn eller Avvis.")
        else:
            try:
                if action == "approve":
                    user, password = services.approve_request(current_user, account_request,
                                                              form.declaration_date.data, today=clock.today())
                else:
                    services.refuse_request(current_user, account_request, form.note.data)
            except services.Refused as error:
                message = _put(form, error.field, error.message)
            else:
                if action == "approve":
                    return _shown_once(render_page("admin/password.html", user=user, password=password,
                                                   created=True, account_request=account_request))
                flash(_("Forespørselen om konto for %(name)s er avvist.", name=account_request.full_name), "success")
                return redirect(url_for("admin.requests"), 303)
    return render_page("admin/decide.html", status=status, form=form, message=message,
                       row=queries.request_rows([account_request])[0], today=clock.today())
