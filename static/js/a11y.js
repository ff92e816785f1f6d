// Keyboard and screen-reader help shared by the public pages and the panel (WCAG 2.1 AA).
// 1. After a failed save the focus goes to the error summary (or to the error message flashed
//    after a redirect), so a screen reader reads what went wrong and a keyboard user starts there.
// 2. The summary's links put the focus in their field (a search-as-you-type field's box included).
// 3. Flask-Admin's Select2 look-ups get the names they lack (its date pickers are replaced by the
//    browsers' own date inputs: admin_views/base.py, AppModelConverter).
(function () {
  "use strict";

  function focusable(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    // A Select2 look-up hides the real input; its visible box has the focus instead.
    var box = document.getElementById("s2id_" + id);
    if (box) {
      return box.querySelector("input.select2-focusser, input.select2-input") || box;
    }
    return el;
  }

  function focusFirstProblem() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); return; }
    var flashed = document.getElementById("flash-messages");
    if (flashed && flashed.querySelector(".alert-danger, .alert-warning")) { flashed.focus(); }
  }

  document.addEventListener("click", function (event) {
    // The skip link moves the focus without adding #main-content to the address: a form posted
    // from that address would come back scrolled to, and focused on, the content, not its errors.
    var skip = event.target.closest && event.target.closest("a.skip-link");
    var main = document.getElementById("main-content");
    if (skip && main) {
      event.preventDefault();
      main.focus();
      return;
    }
    var link = event.target.closest && event.target.closest("#error-summary a[href^='#']");
    if (!link) { return; }
    var target = focusable(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    target.focus();
    if (target.scrollIntoView) { target.scrollIntoView({block: "center"}); }
  });

  // Select2 3.5 (Flask-Admin's look-ups): the tab stop is a hidden text input ("focusser", a button
  // role) named only by the chosen text, and the search box has no name at all. Both get the
  // field's label (and its invalid state and message); the visible link stays out of the tab order.
  function labelSelect2(box) {
    if (box.getAttribute("data-a11y")) { return; }
    var id = box.id.replace(/^s2id_/, "");
    var label = document.querySelector("label[for='" + id + "']");
    var field = document.getElementById(id);
    if (!label || !field) { return; }
    if (!label.id) { label.id = id + "-label"; }
    box.setAttribute("data-a11y", "1");
    var chosen = box.querySelector(".select2-chosen");
    Array.prototype.forEach.call(box.querySelectorAll("input"), function (input) {
      var isSearch = input.getAttribute("role") === "combobox" || input.classList.contains("select2-input");
      input.setAttribute("aria-labelledby", label.id + (chosen && chosen.id && !isSearch ? " " + chosen.id : ""));
      ["aria-invalid", "aria-describedby"].concat(isSearch ? ["aria-required"] : []).forEach(function (name) {
        if (field.hasAttribute(name)) { input.setAttribute(name, field.getAttribute(name)); }
      });
    });
    var name = label.textContent.replace(/\*/g, "").trim();
    Array.prototype.forEach.call(box.querySelectorAll("label.select2-offscreen"), function (orphan) {
      if (!orphan.textContent.trim()) { orphan.textContent = name; }
    });
  }

  function enhance() {
    Array.prototype.forEach.call(document.querySelectorAll("div.select2-container[id^='s2id_']"), labelSelect2);
  }

  function start() {
    enhance();
    // Select2 draws its boxes when Flask-Admin's form.js runs (on load) and when inline rows are added.
    if (window.MutationObserver) {
      new MutationObserver(enhance).observe(document.body, {childList: true, subtree: true});
    }
    focusFirstProblem();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
