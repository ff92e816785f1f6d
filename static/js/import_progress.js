// The import page's progress bar: while the check or the import runs (the browser waits for
// the answer to the form it sent), ask the server how far it got and show it.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("div");
  var timer = null;

  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (state) {
        if (state && state.total) {
          bar.max = state.total;
          bar.value = state.done;
          var label = state.phase === "import" ? box.dataset.import : box.dataset.check;
          text.textContent = label + " " + state.done.toLocaleString() + " / " + state.total.toLocaleString();
        }
      })
      .catch(function () { /* the next poll tries again */ });
  }

  ["import-upload", "import-commit"].forEach(function (id) {
    var form = document.getElementById(id);
    if (!form) { return; }
    form.addEventListener("submit", function () {
      box.classList.remove("d-none");
      bar.removeAttribute("value");  // indeterminate until the server answers
      if (timer === null) { timer = window.setInterval(poll, 700); }
    });
  });
}());
