// Eligibility criteria editor (service types): for a field with its own values (gender, marital
// status, region, nationality, yes/no) the value is chosen from a list in the reader's language
// instead of typed as a code. The list writes the codes back into the original text box, which
// is what the server reads (admin_views/service_types.py); "one of" allows several.
(function () {
  "use strict";

  function fieldSelectFor(input) {
    var name = input.name.replace(/value$/, "field");
    return document.querySelector('select[name="' + name + '"]');
  }

  function operatorFor(input) {
    var el = document.querySelector('select[name="' + input.name.replace(/value$/, "operator") + '"]');
    return el ? el.value : "";
  }

  function enhance(input) {
    if (input.getAttribute("data-criterion-ready")) { return; }
    input.setAttribute("data-criterion-ready", "1");
    var choices = JSON.parse(input.getAttribute("data-criterion-choices") || "{}");
    var fieldSelect = fieldSelectFor(input);
    var list = document.createElement("select");
    list.className = "form-control criterion-value-list";
    list.setAttribute("aria-label", (input.labels && input.labels[0]) ? input.labels[0].textContent.trim() : "");
    input.parentNode.insertBefore(list, input.nextSibling);

    function sync() {
      var picked = Array.prototype.filter.call(list.options, function (o) { return o.selected && o.value; })
        .map(function (o) { return o.value; });
      input.value = picked.join(",");
    }

    function redraw() {
      var field = fieldSelect ? fieldSelect.value : "";
      var options = choices[field];
      if (!options) {
        list.hidden = true;
        input.hidden = false;
        return;
      }
      var current = input.value.split(/[,،]/).map(function (v) { return v.trim().toLowerCase(); });
      list.multiple = operatorFor(input) === "in";
      list.innerHTML = "";
      if (!list.multiple) { list.appendChild(new Option("—", "")); }
      options.forEach(function (pair) {
        var option = new Option(pair[1], pair[0]);
        option.selected = current.indexOf(String(pair[0]).toLowerCase()) !== -1;
        list.appendChild(option);
      });
      list.hidden = false;
      input.hidden = true;
      sync();
    }

    list.addEventListener("change", sync);
    if (fieldSelect) { fieldSelect.addEventListener("change", function () { input.value = ""; redraw(); }); }
    var operator = document.querySelector('select[name="' + input.name.replace(/value$/, "operator") + '"]');
    if (operator) { operator.addEventListener("change", redraw); }
    redraw();
  }

  function enhanceAll() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-criterion-choices]"), function (input) {
      // The hidden template row Flask-Admin clones for "Add" has no index yet: skip it.
      if (!/__/.test(input.name) && input.closest(".inline-field-template") === null) { enhance(input); }
    });
  }

  enhanceAll();
  // Rows added with Flask-Admin's "Add" button appear later.
  new MutationObserver(enhanceAll).observe(document.body, { childList: true, subtree: true });
}());
