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

// Upload progress for big files: <form data-upload-progress> with a hidden .upload-progress box.
// The page the server answers with (preview or the list of bad rows) replaces this one, as a normal
// form post would; without JavaScript the form simply posts.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload-progress]").forEach((form) => {
    const box = form.querySelector(".upload-progress");
    const bar = box.querySelector("progress");
    const text = box.querySelector("[data-progress-text]");
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", (e) => {
        if (!e.lengthComputable) return;
        const percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = form.dataset.uploading.replace("{percent}", percent);
      });
      request.upload.addEventListener("load", () => {
        bar.removeAttribute("value"); // indeterminate while the server checks every row
        text.textContent = form.dataset.checking;
      });
      request.addEventListener("load", () => {
        if (request.responseURL && request.responseURL !== form.action) {
          history.replaceState(null, "", request.responseURL);
        }
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", () => {
        text.textContent = form.dataset.failed;
        button.disabled = false;
      });
      box.hidden = false;
      button.disabled = true;
      request.send(new FormData(form));
    });
  });
});
