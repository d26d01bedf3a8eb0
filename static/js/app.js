// The little JavaScript the register has: keyboard help on top of htmx. Pages work without it.
document.addEventListener("keydown", (event) => {
  // "/" jumps to the search field, as in most tools people use all day.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  }
});
