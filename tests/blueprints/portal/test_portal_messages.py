"""Messages per deduction list between the employer and the union.

"Aker sykehus HF" has a list for March with "Lag A" (in Fylke Øst). Its payroll contact Lise writes;
Lag A's officer Ola reads and answers; the county office of Fylke Øst and the central registry may
read and answer too. Lag B (same county), Fylke Vest and another employer's contact may not."""
import html
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import render_template, render_template_string
from flask_login import login_user

from blueprints.portal import message_queries
from models import AuditLog, DeductionList, ListMessage, ListThread
from models.deduction import list_kid
from tests.pages import send, sign_in, text

MARCH = date(2026, 3, 1)







def messages_in(page: str) -> list[str]:
    """The messages of a thread page as read, oldest first."""
    return [text(item) for item in re.findall(r'<li id="message-\d+"[^>]*>.*?</li>', page, re.S)]


def thread_state(page: str) -> str:
    found = re.search(r'<p class="thread-state">.*?data-state="(\w+)"', page, re.S)
    assert found, "no thread state on the page"
    return found.group(1)


def deduction_list(factory, employer, branch, period=MARCH) -> DeductionList:
    return factory._add(DeductionList(period=period, employer_id=employer.id, branch_id=branch.id,
                                      kid=list_kid(period, employer.id, branch.number)))


@pytest.fixture
def world(app, factory):
    east, west = factory.county(name="Fylke Øst"), factory.county(name="Fylke Vest")
    a, b, x = factory.branch(east, name="Lag A"), factory.branch(east, name="Lag B"), factory.branch(west, name="Lag X")
    hospital, bakery = factory.employer(name="Aker sykehus HF"), factory.employer(name="Bakeriet AS")
    lise = factory.user("employer", employers=[hospital], username="lise")
    lise.full_name = "Lise Lønn"
    ola = factory.user("branch", branches=[a], username="ola")
    ola.full_name = "Ola Tillitsvalgt"
    factory.session.flush()
    return {
        "list": deduction_list(factory, hospital, a), "other_list": deduction_list(factory, bakery, x),
        "lise": lise, "ola": ola,
        "county": factory.user("county", counties=[east], username="kari-fylke"),
        "central": factory.user("central", username="mreg"),
        "branch_b": factory.user("branch", branches=[b]), "county_west": factory.user("county", counties=[west]),
        "baker": factory.user("employer", employers=[bakery]),
    }


def url(world, suffix="") -> str:
    return f"/portal/liste/{world['list'].id}/meldinger{suffix}"


def thread_of(session, world) -> ListThread | None:
    session.expire_all()
    return session.get(ListThread, world["list"].id)


def inbox_row(page: str, list_id: int) -> str | None:
    found = re.search(rf'<tr data-list-id="{list_id}"[^>]*>.*?</tr>', page, re.S)
    return found.group(0) if found else None


def test_employer_writes_branch_reads_and_answers_and_the_unread_marks_follow(app, world, session):
    lise, ola = sign_in(app, world["lise"]), sign_in(app, world["ola"])
    page = lise.get(url(world)).get_data(as_text=True)
    assert "Ingen har skrevet om denne listen ennå." in page
    assert "Ny melding til fagforeningen" in page
    assert f'href="/portal/liste/{world["list"].id}"' in page  # back to the employer's list page

    answer = send(lise, url(world), {"body": "Hei!\nBerg sluttet 15. mars.\n\nHilsen Lise"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(url(world, "#thread"))
    thread = thread_of(session, world)
    assert thread.state == "open" and thread.last_message_side == "employer"
    assert thread.unread_for("union") and not thread.unread_for("employer")
    assert "Meldingen er sendt." in lise.get(url(world)).get_data(as_text=True)

    # The branch sees it unread in its inbox, first of all.
    row = inbox_row(ola.get("/portal/meldinger").get_data(as_text=True), world["list"].id)
    assert row is not None and 'class="unread"' in row and "Ulest" in text(row) and "Åpen" in text(row)
    assert "Aker sykehus HF" in text(row) and "03.2026" in text(row)

    # Opening the thread marks it read for the union, and shows the message as new, lines kept.
    page = ola.get(url(world)).get_data(as_text=True)
    [shown] = messages_in(page)
    assert shown.startswith("Lise Lønn Arbeidsgiver") and "Ny" in shown
    assert "Hei!<br>Berg sluttet 15. mars.<br><br>Hilsen Lise" in page
    assert thread_state(page) == "open"
    assert f'href="/trekklister/{world["list"].id}"' in page  # back to the branch's list page
    assert not thread_of(session, world).unread_for("union")
    row = inbox_row(ola.get("/portal/meldinger").get_data(as_text=True), world["list"].id)
    assert 'class="read"' in row and "Ulest" not in text(row)
    assert "Ny" not in messages_in(ola.get(url(world)).get_data(as_text=True))[0].split()

    # The branch answers: the thread is answered, and now the employer has something unread.
    assert send(ola, url(world), {"body": "Takk, vi avslutter arbeidsforholdet."}).status_code == 303
    thread = thread_of(session, world)
    assert thread.state == "answered" and thread.unread_for("employer") and not thread.unread_for("union")
    row = inbox_row(lise.get("/portal/meldinger").get_data(as_text=True), world["list"].id)
    assert "Ulest" in text(row) and "Besvart" in text(row)
    page = lise.get(url(world)).get_data(as_text=True)
    first, second = messages_in(page)
    assert first.startswith("Lise Lønn Arbeidsgiver")
    assert second.startswith("Ola Tillitsvalgt Fagforeningen") and "Takk, vi avslutter arbeidsforholdet." in second
    assert thread_state(page) == "answered"
    assert not thread_of(session, world).unread_for("employer")

    audit = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "list_message").order_by(AuditLog.id)).all()
    assert [(a.actor, a.action) for a in audit] == [("lise", "create"), ("ola", "create")]
    assert "Melding fra arbeidsgiveren om trekklisten 03.2026 for Aker sykehus HF" in audit[0].summary


def test_the_time_is_shown_in_oslo_time(app, world, session):
    lise = sign_in(app, world["lise"])
    send(lise, url(world), {"body": "Vinter"})
    send(lise, url(world), {"body": "Sommer"})
    winter, summer = session.scalars(sa.select(ListMessage).order_by(ListMessage.id)).all()
    winter.created_at, summer.created_at = datetime(2026, 3, 10, 11, 5), datetime(2026, 7, 1, 22, 30)
    session.flush()
    page = lise.get(url(world)).get_data(as_text=True)
    first, second = messages_in(page)
    assert "10.03.2026 12:05" in first
    assert "02.07.2026 00:30" in second


@pytest.mark.parametrize(("who", "side_name"), [("county", "Fylkeskretsen"), ("central", "Medlemsregisteret")])
def test_county_and_central_read_and_answer_their_branches_lists(app, world, session, who, side_name):
    send(sign_in(app, world["lise"]), url(world), {"body": "Spørsmål om Berg"})
    officer = sign_in(app, world[who])
    row = inbox_row(officer.get("/portal/meldinger").get_data(as_text=True), world["list"].id)
    assert row is not None and "Ulest" in text(row)
    assert "Spørsmål om Berg" in officer.get(url(world)).get_data(as_text=True)
    assert not thread_of(session, world).unread_for("union")
    assert send(officer, url(world), {"body": "Vi ser på saken."}).status_code == 303
    thread = thread_of(session, world)
    assert thread.state == "answered" and thread.unread_for("employer")
    last = messages_in(sign_in(app, world["lise"]).get(url(world)).get_data(as_text=True))[-1]
    assert f"Test {who} {side_name}" in last


@pytest.mark.parametrize("who", ["branch_b", "county_west", "baker"])
def test_others_get_404_and_nothing_is_stored(app, world, session, who):
    send(sign_in(app, world["lise"]), url(world), {"body": "Til Lag A"})
    outsider = sign_in(app, world[who])
    assert outsider.get(url(world)).status_code == 404
    assert send(outsider, url(world), {"body": "Hei"}).status_code == 404
    if who != "baker":
        assert send(outsider, url(world, "/lukk")).status_code == 404
    assert row_ids(outsider) == []
    thread = thread_of(session, world)
    assert len(thread.messages) == 1 and thread.state == "open" and thread.union_read_at is None


def row_ids(client) -> list[int]:
    page = client.get("/portal/meldinger").get_data(as_text=True)
    return [int(n) for n in re.findall(r'<tr data-list-id="(\d+)"', page)]


def test_a_list_that_does_not_exist_is_404(app, world):
    assert sign_in(app, world["central"]).get("/portal/liste/999999999/meldinger").status_code == 404


@pytest.mark.parametrize(("body", "error"), [
    ("", "Skriv en melding."),
    ("   \n  \r\n ", "Skriv en melding."),
    ("x" * 4001, "Meldingen kan være høyst 4 000 tegn (den har 4 001)."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_an_empty_or_too_long_message_is_refused_and_nothing_stored(app, world, session, body, error, htmx):
    lise = sign_in(app, world["lise"])
    headers = {"HX-Request": "true"} if htmx else {}
    answer = send(lise, url(world), {"body": body}, headers=headers)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'<p class="error" id="body-error">{html.escape(error, quote=False)}</p>' in page
    assert ('<html' in page) is not htmx
    if body.strip():
        assert f">{body}</textarea>" in page  # what was typed is kept
    assert thread_of(session, world) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(ListMessage)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                          .where(AuditLog.entity == "list_message")) == 0


def test_4000_characters_are_enough_and_the_audit_keeps_at_most_80_of_them(app, world, session):
    body = ("Lang forklaring " * 300)[:3990] + "HEMMELIG"
    assert len(body) <= 4000
    assert send(sign_in(app, world["lise"]), url(world), {"body": body}).status_code == 303
    [message] = session.scalars(sa.select(ListMessage)).all()
    assert message.body == body
    [row] = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "list_message")).all()
    assert row.entity_id == message.id and "HEMMELIG" not in row.summary
    quoted = row.summary.split("«", 1)[1].rstrip("»")
    assert len(quoted) <= 80 and quoted.startswith("Lang forklaring")


def test_html_in_a_message_is_shown_as_text(app, world):
    lise = sign_in(app, world["lise"])
    send(lise, url(world), {"body": '<script src="/x.js"></script><b>fet</b> & "sitat"'})
    page = sign_in(app, world["ola"]).get(url(world)).get_data(as_text=True)
    assert '<script src="/x.js">' not in page and "<b>fet</b>" not in page
    assert "&lt;script src=&#34;/x.js&#34;&gt;&lt;/script&gt;&lt;b&gt;fet&lt;/b&gt; &amp; &#34;sitat&#34;" in page


def test_htmx_gets_the_thread_with_an_empty_form(app, world, session):
    lise = sign_in(app, world["lise"])
    answer = send(lise, url(world), {"body": "Første melding"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert "<html" not in fragment
    assert '<section id="thread"' in fragment and "Meldingen er sendt." in fragment
    assert re.search(r'<textarea id="body"[^>]*></textarea>', fragment)
    assert "Første melding" in messages_in(fragment)[0]
    assert thread_state(fragment) == "open"


def test_the_union_closes_and_either_side_reopens_by_writing(app, world, session):
    lise, ola = sign_in(app, world["lise"]), sign_in(app, world["ola"])
    send(lise, url(world), {"body": "Er alt i orden?"})
    assert "Lukk tråden" in ola.get(url(world)).get_data(as_text=True)
    answer = send(ola, url(world, "/lukk"), headers={"HX-Request": "true"})
    assert answer.status_code == 200 and thread_state(answer.get_data(as_text=True)) == "closed"
    assert "Lukk tråden" not in answer.get_data(as_text=True)
    assert thread_of(session, world).state == "closed"
    [row] = session.scalars(sa.select(AuditLog).where(AuditLog.entity == "list_thread")).all()
    assert row.actor == "ola" and row.entity_id == world["list"].id and "lukket" in row.summary
    assert "Lukket" in text(inbox_row(lise.get("/portal/meldinger").get_data(as_text=True), world["list"].id))

    assert send(lise, url(world), {"body": "Ett spørsmål til"}).status_code == 303
    assert thread_of(session, world).state == "open"
    assert send(ola, url(world, "/lukk")).status_code == 303  # without JS: back to the page
    assert send(ola, url(world), {"body": "Vi åpner igjen"}).status_code == 303
    assert thread_of(session, world).state == "answered"


def test_the_employer_cannot_close_a_thread(app, world, session):
    lise = sign_in(app, world["lise"])
    send(lise, url(world), {"body": "Hei"})
    assert "Lukk tråden" not in lise.get(url(world)).get_data(as_text=True)
    assert send(lise, url(world, "/lukk")).status_code == 403
    assert thread_of(session, world).state == "open"


def test_closing_a_thread_without_messages_is_refused(app, world, session):
    answer = send(sign_in(app, world["ola"]), url(world, "/lukk"))
    assert answer.status_code == 422 and "Det er ingen meldinger å lukke." in answer.get_data(as_text=True)
    assert thread_of(session, world) is None


def test_the_messages_link_shows_the_unread_count_for_the_readers_side(app, world, session):
    lise = sign_in(app, world["lise"])
    for body in ("Første", "Andre"):
        send(lise, url(world), {"body": body})
    session.expire_all()
    with app.test_request_context():
        deduction_list = session.get(DeductionList, world["list"].id)
        thread, unread = message_queries.thread_link(world["ola"], deduction_list)
        assert unread == 2
        assert "Meldinger (2 uleste)" in text(render_template(
            "portal/_messages_link.html", deduction_list=deduction_list, thread=thread, unread=unread))
        assert message_queries.thread_link(world["lise"], deduction_list)[1] == 0
        link = text(render_template("portal/_messages_link.html", deduction_list=deduction_list, thread=None,
                                    unread=0))
        assert link == "Meldinger"
        login_user(world["ola"])  # as a page of another blueprint includes it, through the template global
        assert text(render_template_string(
            '{% set thread, unread = list_thread_link(deduction_list) %}{% include "portal/_messages_link.html" %}',
            deduction_list=deduction_list)) == "Meldinger (2 uleste) Åpen"
    sign_in(app, world["ola"]).get(url(world))
    with app.app_context():
        assert message_queries.unread_count(thread_of(session, world), "union") == 0
