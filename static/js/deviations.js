// A deduction list without the mouse (templates/deviations/list.html): j/k or the arrow keys move
// between lines, Enter opens a line's form, Escape closes it, and after a line is handled the focus
// moves on to the next open deviation. The page works without this file.
(() => {
  "use strict";
  document.documentElement.classList.add("js-deviations"); // the line form shows the chosen action's fields

  const rows = () => Array.from(document.querySelectorAll("#lines tr.line"));
  const typing = (element) => element && (["INPUT", "SELECT", "TEXTAREA"].includes(element.tagName) || element.isContentEditable);

  function focusRow(row) {
    if (!row) return;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const current = document.activeElement && document.activeElement.closest("#lines tr.line, #lines tr.line-form-row");
    const index = current ? all.indexOf(current) : -1;
    if (index === -1) {
      // from a form row or from outside the table: the row after the form, or the first/last row
      const following = current ? all.find((row) => current.compareDocumentPosition(row) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
      focusRow(following || (step > 0 ? all[0] : all[all.length - 1]));
      return;
    }
    focusRow(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }

  // The next row with an open deviation after `row` (wrapping to the top), else the posting button.
  function focusNextOpen(row) {
    const open = Array.from(document.querySelectorAll("#lines tr.line[data-open]"));
    const next = open.find((candidate) => row.compareDocumentPosition(candidate) & Node.DOCUMENT_POSITION_FOLLOWING) || open[0];
    if (next) { focusRow(next); return; }
    const post = document.getElementById("post-button");
    if (post) post.focus(); else focusRow(row);
  }

  function focusForm(formRow) {
    const invalid = formRow.querySelector("[aria-invalid=true]");
    const first = formRow.querySelector("select, input:not([type=hidden]), textarea");
    const target = invalid || first;
    if (target) target.focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !document.getElementById("lines")) return;
    const active = document.activeElement;
    if (event.key === "Escape") {
      const formRow = active && active.closest("tr.line-form-row");
      const cancel = formRow && formRow.querySelector("[data-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
      return;
    }
    if (typing(active)) return;
    if (event.key === "j" || event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "k" || event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Enter" && active && active.matches("#lines tr.line")) {
      const open = active.querySelector("[data-open-form]");
      if (open) { event.preventDefault(); open.click(); }
    }
  });

  // The chosen action decides which fields show (CSS: .line-form[data-action=...] .for-...).
  document.addEventListener("change", (event) => {
    if (event.target.matches(".line-form select[name$='-action']")) {
      event.target.form.dataset.action = event.target.value;
    }
  });

  // After settling: htmx gives a swapped element with the same id the old one's attributes until then.
  document.addEventListener("htmx:afterSettle", (event) => {
    const id = event.detail.target && event.detail.target.id;
    if (!id || !id.startsWith("line-")) return;
    const swapped = document.getElementById(id);
    if (!swapped || event.target !== swapped) return; // not for the counts swapped out of band
    if (swapped.matches("tr.line-form-row")) {
      focusForm(swapped);
    } else if (swapped.hasAttribute("data-just-resolved")) {
      swapped.removeAttribute("data-just-resolved");
      focusNextOpen(swapped);
    } else {
      focusRow(swapped);
    }
  });
})();
