// Keyboard review: j/k move between fields (their evidence lights up on the page), e edits,
// Enter saves (the form's own submit), c takes the first alternative, a approves, n opens the next
// item, Esc leaves an input. No build step, no inline script (the CSP forbids it).
(function () {
  "use strict";
  const rows = Array.from(document.querySelectorAll("tr.field"));
  let current = -1;

  function highlight(field) {
    document.querySelectorAll(".active").forEach((el) => el.classList.remove("active"));
    if (!field) return;
    let first = null;
    document.querySelectorAll("[data-field]").forEach((el) => {
      if (el.dataset.field === field && !el.matches("tr.field")) {
        el.classList.add("active");
        first = first || el;
      }
    });
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center", behavior: "instant" });
  }

  function select(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((r) => r.classList.remove("selected"));
    const row = rows[current];
    row.classList.add("selected");
    row.scrollIntoView({ block: "nearest" });
    highlight(row.dataset.field);
  }

  rows.forEach((row, i) => row.addEventListener("click", () => select(i)));
  document.querySelectorAll("li.finding").forEach((li) => li.addEventListener("click", () => highlight(li.dataset.field)));

  // Open on the field named in the URL (after a save), else the first field with evidence on a page.
  const wanted = decodeURIComponent(location.hash.replace(/^#field-/, ""));
  let start = rows.findIndex((r) => r.dataset.field === wanted);
  if (start < 0) start = rows.findIndex((r) => r.dataset.page);
  if (rows.length) select(start < 0 ? 0 : start);

  document.addEventListener("keydown", (event) => {
    const typing = event.target.matches("input, textarea, select");
    if (typing) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const row = rows[current];
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else if (event.key === "e" && row) {
      const input = row.querySelector(".value-input");
      input.focus();
      input.select();
    } else if (event.key === "c" && row) {
      const alt = row.querySelector("button.alternative");
      if (alt) alt.click();
    } else if (event.key === "a") {
      const approve = document.getElementById("approve-btn");
      if (approve) approve.click();
    } else if (event.key === "n") {
      const next = document.getElementById("next-item");
      if (next) location.href = next.href;
    } else return;
    event.preventDefault();
  });
})();
