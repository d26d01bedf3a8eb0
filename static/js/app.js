// The little JavaScript the register has: keyboard help on top of htmx. Pages work without it.
document.addEventListener("keydown", (event) => {
  // "/" jumps to the search field, as in most tools people use all day.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  }
});

// Buttons marked data-print print the page (inline handlers are not allowed by the page's CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
});
