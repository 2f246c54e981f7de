// A table wider than the screen shows each row as a card (stylesheets/extra.css,
// table[data-cards]): every cell is labelled with its column's header (data-label).
// Tables that fit keep their grid (the compatibility matrix stays a matrix).
function labelTableCells(table) {
  const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => cell.setAttribute("data-label", headers[i] || ""));
  }
}

function fitTables() {
  for (const table of document.querySelectorAll("article table:not([class])")) {
    labelTableCells(table);
    table.removeAttribute("data-cards");
    const frame = table.closest(".md-typeset__scrollwrap") || table.parentElement;
    if (frame.scrollWidth > frame.clientWidth + 1) table.setAttribute("data-cards", "");
  }
}

let fitPending = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(fitPending);
  fitPending = requestAnimationFrame(fitTables);
});
if (typeof document$ !== "undefined") {
  document$.subscribe(fitTables);  // material's instant navigation
} else {
  document.addEventListener("DOMContentLoaded", fitTables);
}
