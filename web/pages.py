"""Rendering: a full page at every URL, only the fragment for htmx (never for a history restore)."""
from flask import make_response, render_template, request
from flask_htmx import HTMX

htmx = HTMX()


def is_htmx() -> bool:
    return bool(htmx) and not htmx.history_restore_request


def render_page(template: str, fragment: str | None = None, status: int = 200, **context):
    """The page, or for an htmx request its fragment; `Vary: HX-Request` either way."""
    chosen = fragment if fragment and is_htmx() else template
    response = make_response(render_template(chosen, **context), status)
    response.vary.add("HX-Request")
    return response


def query_args(**changes) -> dict:
    """The current URL's arguments with some changed (for sort links and pagination)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


def page_bounds(count: int, page: int, page_size: int) -> tuple[int, int]:
    """(page, pages) for `count` rows: the asked page kept between 1 and the last; an empty table has
    one page."""
    pages = max(1, -(-count // page_size))
    return min(max(page, 1), pages), pages
