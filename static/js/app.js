// List search boxes post what is typed (admin_views/base.py SecureModelView.index_view):
// national IDs, mobile numbers and names then never appear in a URL, the browser history,
// a Referer header or the server's access log. Without this script the box still works.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) { return; }
  var forms = document.querySelectorAll('form[role="search"]');
  Array.prototype.forEach.call(forms, function (form) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get") { return; }
    form.setAttribute("method", "post");
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = meta.getAttribute("content");
    form.appendChild(token);
  });
}());
