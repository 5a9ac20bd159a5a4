// Page behaviours declared with data-* attributes, so templates carry no inline script or
// on*= handler and the Content-Security-Policy can refuse every inline script.
"use strict";

// A select marked data-follow="<field name>" offers only its options whose data-for matches that
// field's value (a project's sub-jobs); a chosen option that no longer matches is cleared.
// The server still refuses a mismatch: this only keeps the wrong choice off the list.
function followChoice(select) {
  const leader = select.form?.elements.namedItem(select.getAttribute("data-follow"));
  const value = leader && "value" in leader ? leader.value : "";
  for (const option of select.options) {
    if (!option.hasAttribute("data-for")) continue;
    const offered = option.getAttribute("data-for") === value;
    option.hidden = !offered;
    option.disabled = !offered;  // Safari shows hidden options; disabled ones cannot be picked
  }
  if (select.selectedOptions[0]?.disabled) select.value = "";
}

function followAll(root, leaderName) {
  const selector = leaderName ? `select[data-follow="${CSS.escape(leaderName)}"]` : "select[data-follow]";
  root.querySelectorAll(selector).forEach(followChoice);
}

document.addEventListener("DOMContentLoaded", () => followAll(document));
document.addEventListener("htmx:afterSwap", (event) => followAll(event.target));

document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLElement)) return;
  if (el.form && el.getAttribute("name")) followAll(el.form, el.getAttribute("name"));
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
