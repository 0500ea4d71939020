// Manage users: rename a class in its row. Without JavaScript the Rename link opens the
// class's page. (A file, not an inline script: the Content-Security-Policy allows no
// inline code, see purplemash/security.py.)
(function () {
  "use strict";

  document.querySelectorAll("[data-rename]").forEach(function (link) {
    var form = document.getElementById("rename-" + link.dataset.rename);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      link.hidden = true; form.hidden = false; form.querySelector("input[name=name]").select();
    });
    form.querySelector("[data-cancel]").addEventListener("click", function () {
      form.hidden = true; link.hidden = false; link.focus();
    });
  });
})();
