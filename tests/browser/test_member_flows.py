"""What a branch officer does all day, in a real browser: search, open, correct, sort, go back, sign out."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SEARCH_LABEL = "Navn, medlemsnummer eller fødselsnummer"


def results(page):
    return page.locator("#results tbody tr")


def test_officer_finds_member_as_they_type_and_corrects_the_address(officer_page, seed):
    page = officer_page
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Medlemmer").click()
    page.wait_for_load_state()  # htmx binds the search field when the page has loaded, as a person waits for
    expect(results(page)).to_have_count(5)

    # Typing a prefix narrows the list through htmx; nobody presses enter.
    page.get_by_label(SEARCH_LABEL).press_sequentially("øde")
    expect(results(page)).to_have_count(2)
    expect(results(page).locator("td:first-child a")).to_have_text(["Ødegaard, Per", "Ødegård, Kari"])
    expect(page).to_have_url(re.compile(r"q=%C3%B8de"))

    page.get_by_role("link", name="Ødegård, Kari").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kari Ødegård")
    expect(page.locator("dl.facts")).to_contain_text("Nygårdsgaten 1")

    page.get_by_role("link", name="Endre personalia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Endre personalia")
    address = page.get_by_label("Adresse")
    expect(address).to_have_value("Nygårdsgaten 1")
    address.fill("Strandkaien 12 B")
    page.get_by_role("button", name="Lagre").click()

    expect(page.get_by_role("status")).to_have_text("Endringene er lagret.")
    expect(page).to_have_url(re.compile(rf"/medlemmer/{seed.edited_id}$"))
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Strandkaien 12 B")
    expect(facts).not_to_contain_text("Nygårdsgaten 1")

    page.get_by_role("link", name="Endringshistorikk").click()
    expect(page).to_have_url(re.compile(r"fane=historikk"))
    change = page.locator("#tab-panel .changes li").filter(has_text="Strandkaien 12 B")
    expect(change.locator("del")).to_have_text("Nygårdsgaten 1")
    expect(change.locator("ins")).to_have_text("Strandkaien 12 B")


def test_leaving_the_search_field_keeps_the_results_under_the_pointer(officer_page, seed):
    # Pressing a result moves the focus out of the search field. Searching again then would replace the
    # row under the pointer before the button is released, and the click would be lost.
    page = officer_page
    page.goto("/medlemmer/")
    page.get_by_label(SEARCH_LABEL).fill("Ødegård")
    expect(page).to_have_url(re.compile(r"q=%C3%98deg%C3%A5rd"))
    searches = []
    page.on("request", lambda request: "q=" in request.url and searches.append(request.url))

    page.get_by_role("link", name="Ødegård, Kari").hover()
    page.mouse.down()
    page.mouse.up()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kari Ødegård")
    assert searches == []


def test_a_filter_applies_as_soon_as_it_is_changed(officer_page):
    page = officer_page
    page.goto("/medlemmer/")
    expect(results(page)).to_have_count(5)

    page.get_by_label("Bare returpost").check()
    expect(page.locator("#results .count")).to_have_text("Ingen treff.")
    page.get_by_label("Bare returpost").uncheck()
    expect(results(page)).to_have_count(5)

    page.get_by_label("Arbeidsgiver (navn eller org.nr.)").fill("Haukeland")
    page.keyboard.press("Tab")  # a text filter applies when the field is left
    expect(results(page).locator("td:first-child a")).to_have_text(["Ødegaard, Per", "Ødegård, Kari"])


def test_member_of_another_branch_is_neither_found_nor_shown(officer_page, seed):
    page = officer_page
    page.goto("/medlemmer/")
    search = page.get_by_label(SEARCH_LABEL)
    search.fill("Strøm")
    expect(results(page).locator("td:first-child a")).to_have_text(["Strøm, Mons"])  # only the own branch's
    search.fill("Strøm Mette")
    expect(page.locator("#results .count")).to_have_text("Ingen treff.")
    expect(results(page)).to_have_count(0)

    response = page.goto(f"/medlemmer/{seed.other_branch_id}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Fant ikke siden")
    expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Mette")


def test_sorting_pushes_the_url_and_back_restores_the_whole_page(officer_page):
    page = officer_page
    page.goto("/medlemmer/")
    numbers = results(page).locator("td.num")
    expect(numbers).to_have_text(["200005", "200004", "200001", "200003", "200002"])  # by name, æøå last

    page.locator("#results th").get_by_role("link", name="Medlemsnr.").click()
    expect(numbers).to_have_text(["200001", "200002", "200003", "200004", "200005"])
    expect(page).to_have_url(re.compile(r"sort=number"))

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sort="))
    expect(numbers).to_have_text(["200005", "200004", "200001", "200003", "200002"])
    expect(page.locator("header.top").get_by_role("navigation", name="Hovedmeny")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Medlemmer")
    expect(page.get_by_label(SEARCH_LABEL)).to_be_visible()


def test_after_logout_the_member_list_asks_for_login(officer_page):
    page = officer_page
    page.goto("/medlemmer/")
    expect(results(page)).to_have_count(5)

    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/logg-inn\?next=/medlemmer/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
    expect(page.locator("main")).not_to_contain_text("Ødegård")

    page.goto("/medlemmer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
    expect(page.get_by_role("button", name="Logg ut")).to_have_count(0)


def test_member_card_screenshot(officer_page, seed):
    page = officer_page
    page.goto(f"/medlemmer/{seed.edited_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kari Ødegård")
    page.screenshot(path="/tmp/card.png", full_page=True)
