// The employer portal's list form (templates/portal/list.html) without the mouse: in a row's
// "Utfall" select, t or d chooses "deducted as expected", a "another amount", i "not deducted";
// the fields an outcome needs are enabled at once (the amounts filled with the expected ones to
// edit), the others disabled so that Tab skips them. The page works without this file: the server
// ignores what an outcome does not use, and asks for what is missing. The listeners sit on the
// document, so the form still answers after htmx swapped it (the filter by workplace).
(() => {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form) return;
  const inForm = (element) => element instanceof Element && element.closest("#entry-form") !== null;

  const KEYS = { t: "deducted", d: "deducted", a: "other_amount", i: "not_deducted" };
  const WORDS = ["other_amount", "not_deducted"];

  function setEnabled(control, enabled) {
    if (control) control.disabled = !enabled;
  }

  // Enable what the row's outcome (and reason) needs; fill empty amounts with the expected ones.
  function update(row) {
    const outcome = row.querySelector("select[data-outcome]");
    if (!outcome) return;
    const value = outcome.value;
    row.className = row.className.replace(/\boutcome-\S+/, "outcome-" + value);
    row.querySelectorAll("input.amount").forEach((input) => {
      const enable = value === "other_amount";
      if (enable && input.disabled && !input.value && input.dataset.expected) input.value = input.dataset.expected;
      setEnabled(input, enable);
    });
    const words = WORDS.includes(value);
    const reason = row.querySelector("select[data-reason]");
    setEnabled(reason, words);
    setEnabled(row.querySelector("input.comment"), words);
    setEnabled(row.querySelector("input.position"), words && reason && reason.value === "position");
  }

  document.addEventListener("change", (event) => {
    if (!inForm(event.target)) return;
    const row = event.target.closest("tr.entry-row");
    if (row && event.target.matches("select[data-outcome], select[data-reason]")) update(row);
  });

  document.addEventListener("keydown", (event) => {
    const select = event.target;
    if (!inForm(select) || !select.matches("select[data-outcome]") || event.ctrlKey || event.metaKey || event.altKey) return;
    const value = KEYS[event.key.toLowerCase()];
    if (!value) return;
    event.preventDefault();
    if (select.value !== value) {
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // After a refused save, the first field with a message gets the focus.
  const invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
})();
