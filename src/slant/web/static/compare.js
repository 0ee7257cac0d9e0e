// Compare page: hovering or focusing a sentence lights it and the sentences it is linked to in the
// other column. The page reads in full without it.
(function () {
  "use strict";
  const table = document.getElementById("compare-table");
  if (!table) return;
  let lit = [];
  function clear() { lit.forEach((el) => el.classList.remove("linked")); lit = []; }
  function light(ev) {
    const s = ev.target.closest ? ev.target.closest(".cs[data-links]") : null;
    clear();
    if (!s) return;
    lit = [s].concat(s.dataset.links.split(" ").map((id) => document.getElementById(id)).filter(Boolean));
    lit.forEach((el) => el.classList.add("linked"));
  }
  table.addEventListener("mouseover", light);
  table.addEventListener("focusin", light);
  table.addEventListener("mouseleave", clear);
})();
