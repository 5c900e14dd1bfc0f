// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("open", !open);
    });
  }
});

// Search-as-you-type over a table: <input data-filter="#table-id">.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-filter]").forEach((input) => {
    const rows = document.querySelectorAll(`${input.dataset.filter} tbody tr`);
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      rows.forEach((row) => { row.hidden = needle !== "" && !row.textContent.toLowerCase().includes(needle); });
    });
  });
});
