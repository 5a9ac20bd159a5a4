// Page behaviours declared with data-* attributes, so templates carry no inline script or
// on*= handler and the Content-Security-Policy can refuse every inline script.
"use strict";

document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLElement)) return;
  if (el.hasAttribute("data-submit-on-change") && el.form) el.form.requestSubmit();
  const clickId = el.getAttribute("data-click-on-change");
  if (clickId) document.getElementById(clickId)?.click();
  const selector = el.getAttribute("data-select-all");
  if (selector) {
    document.querySelectorAll(selector).forEach((box) => { box.checked = el.checked; });
  }
});

document.addEventListener("click", (event) => {
  const el = event.target instanceof Element ? event.target.closest("[data-confirm], [data-copy]") : null;
  if (!el) return;
  const question = el.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
  const sourceId = el.getAttribute("data-copy");
  if (sourceId) {
    const text = document.getElementById(sourceId)?.textContent ?? "";
    navigator.clipboard.writeText(text).then(() => { el.textContent = "Copied"; });
  }
});

// Polling pauses in a hidden tab. htmx's trigger filters ("every 5s [!document.hidden]") would
// need eval, which the CSP refuses, so the check lives here: htmx asks before every request.
document.addEventListener("htmx:confirm", (event) => {
  if (document.hidden && event.target.closest("[data-pause-when-hidden]")) event.preventDefault();
});
