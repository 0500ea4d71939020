// Add a user: show only the questions for the role chosen. Without JavaScript every
// question shows, each saying whom it is for.
(function () {
  "use strict";

  var only = {pupil: ["id_year_group"], staff: ["id_email"]};
  function show() {
    var chosen = document.querySelector("input[name=role]:checked");
    Object.keys(only).forEach(function (role) {
      only[role].forEach(function (id) {
        document.getElementById(id).closest(".field").hidden = chosen && chosen.value !== role;
      });
    });
  }
  document.querySelectorAll("input[name=role]").forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  show();
})();
