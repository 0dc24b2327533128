// What the pages ask for with data- attributes, so that no page needs an inline script: the
// Content-Security-Policy lets scripts run only from the server's own files.
"use strict";

document.addEventListener("submit", (event) => {
  const message = event.submitter?.dataset.confirm ?? event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("[data-submit-on-change]")) {
    field.form.submit();
  }
  if (field.matches("[data-file-label]") && field.files.length) {
    field.previousElementSibling.textContent = "✓ " + field.files[0].name;
    field.parentElement.classList.replace("btn-outline-primary", "btn-success");
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
