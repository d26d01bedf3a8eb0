"""Deny by default: every endpoint declares the roles that may call it, or it is refused."""
from flask import abort, current_app, request
from flask_login import current_user

from web.two_factor import gate as second_factor_gate

PUBLIC = frozenset({"*public*"})
ALL_ROLES = frozenset({"branch", "county", "central", "employer"})
REGISTER_ROLES = ("branch", "county", "central")


def allow(*roles: str):
    """Declare which roles may call the view. Unknown role names are a programming error."""
    unknown = set(roles) - ALL_ROLES
    if unknown or not roles:
        raise ValueError(f"allow() needs known roles, got {roles}")

    def decorate(view):
        view.allowed_roles = frozenset(roles)
        return view

    return decorate


def public(view):
    """A view anyone may call, signed in or not (the login page)."""
    view.allowed_roles = PUBLIC
    return view


def enforce_declared_access():
    """before_request: anonymous users go to the login page; undeclared or other roles get 403."""
    if request.endpoint is None or request.endpoint == "static":
        return None  # routing fails with 404 by itself; static files hold nothing personal
    view = current_app.view_functions[request.endpoint]
    roles = getattr(view, "allowed_roles", None)
    if roles == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if (pending := second_factor_gate(view, current_user)) is not None:
        return pending  # a login still waiting for its second factor reaches only that step
    if roles is None or current_user.role not in roles:
        abort(403)
    return None
