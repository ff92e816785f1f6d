// Behaviour that used to sit in inline handlers (onclick="...") lives here: the
// Content-Security-Policy (app.py) runs no inline script. Buttons and forms declare what
// they need with data- attributes.
(function () {
  "use strict";
  // A confirmation before a destructive button or form: data-confirm="question".
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (target && target.tagName !== "FORM" && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
    // Flask-Admin's links with href="javascript:void(0)" (menus, filters): a javascript: URL
    // would be blocked by the CSP; their behaviour is in its scripts, the URL does nothing.
    var link = event.target.closest ? event.target.closest('a[href^="javascript:"], a.filter') : null;
    if (link) { event.preventDefault(); }
    // A bulk action of a list ("With selected"), run by Flask-Admin's actions.js.
    var bulk = event.target.closest ? event.target.closest("a[data-action]") : null;
    if (bulk && window.modelActions) { event.preventDefault(); window.modelActions.execute(bulk.getAttribute("data-action")); }
    // "Add" on an inline list (household members), run by Flask-Admin's form.js.
    var inline = event.target.closest ? event.target.closest("a[data-add-inline]") : null;
    if (inline && window.faForm) { event.preventDefault(); window.faForm.addInlineField(inline, inline.getAttribute("data-add-inline")); }
    var printer = event.target.closest ? event.target.closest("[data-print]") : null;
    if (printer) { event.preventDefault(); window.print(); }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);
}());

// Keep what staff type (national IDs, mobile numbers, names) out of URLs, where the browser
// history, Referer headers and server access logs would keep it. The server side is in
// admin_views/base.py (SecureModelView.index_view and ajax_lookup); without this script both
// still work the Flask-Admin way, with the text in the query string.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) { return; }
  var csrf = meta.getAttribute("content");

  // 1. List search boxes post what is typed; the list's links then carry a short key (?q=).
  var forms = document.querySelectorAll('form[role="search"]');
  Array.prototype.forEach.call(forms, function (form) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get") { return; }
    form.setAttribute("method", "post");
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrf;
    form.appendChild(token);
  });

  // 2. Search-as-you-type fields (Select2 look-ups of beneficiaries and requests) post their term.
  if (window.jQuery) {
    window.jQuery.ajaxPrefilter(function (options) {
      if (options.type && options.type.toUpperCase() === "GET" && /\/ajax\/lookup\/(\?|$)/.test(options.url || "")) {
        options.type = "POST";  // the data then travels in the body, not the URL
        options.headers = options.headers || {};
        options.headers["X-CSRFToken"] = csrf;
      }
    });
  }
}());

// A "select all" box of a table of checkboxes (outreach list): data-target names the rows' class.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input.select-all[data-target]");
  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener("change", function () {
      var rows = document.querySelectorAll("input." + box.getAttribute("data-target"));
      Array.prototype.forEach.call(rows, function (row) { row.checked = box.checked; });
    });
  });
}());

// The request form: show the person's fields or the group's / organisation's fields, as chosen.
(function () {
  "use strict";
  var kind = document.getElementById("applicant_kind");
  if (!kind) { return; }
  var community = ["applicant_name", "contact_name", "contact_phone", "registration_no", "expected_beneficiaries"];
  function group(id) {
    var field = document.getElementById(id);
    return field ? field.closest(".form-group") : null;
  }
  function update() {
    var person = kind.value === "person";
    community.forEach(function (id) {
      var g = group(id);
      if (g) { g.hidden = person; }
    });
    var reg = group("registration_no");
    if (reg && !person) { reg.hidden = kind.value !== "organisation"; }
    var b = group("beneficiary");
    if (b) { b.hidden = !person; }
  }
  kind.addEventListener("change", update);
  update();
}());
