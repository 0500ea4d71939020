// The sync pages' small progressive enhancements. Every page works without this file:
// the progress page refreshes itself (<noscript> meta refresh), and the username step
// has a "Show the examples" button.
(function () {
  "use strict";

  // Progress: poll the run and follow it to its next page when the worker is done.
  var progress = document.getElementById("progress");
  if (progress) {
    var text = document.getElementById("progress-text");
    var poll = function () {
      fetch(progress.dataset.progressUrl, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          if (run.progress && text) { text.textContent = run.progress; }
          if (run.working) { window.setTimeout(poll, 1500); } else { window.location = run.next; }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  }

  // Usernames: refresh the examples when a format changes (the same request the
  // "Show the examples" button makes, without leaving the page).
  var form = document.getElementById("step-form");
  var preview = document.getElementById("preview-button");
  if (form && preview) {
    preview.hidden = true;  // the examples follow every change by themselves
    var refresh = function () {
      var data = new FormData(form);
      data.append("preview", "1");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          ["pupil-examples", "staff-examples"].forEach(function (id) {
            var fresh = page.getElementById(id);
            var shown = document.getElementById(id);
            if (fresh && shown) { shown.innerHTML = fresh.innerHTML; }
          });
        });
    };
    var timer = null;
    var changed = function (event) {
      if (!/_(format|template)$/.test(event.target.name || "")) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
  }

  // Subject groups: "Select all" ticks (or clears) every group of its subject; a group
  // cleared clears "Select all" (which would otherwise import it anyway); the count of
  // groups chosen follows the boxes.
  document.querySelectorAll(".subject").forEach(function (section) {
    var all = section.querySelector("input[name*='-all_']");
    var count = section.querySelector(".chosen-count");
    var boxes = section.querySelectorAll("input[name*='-subject_']");
    if (!all) { return; }
    var recount = function () {
      if (!count) { return; }
      var chosen = section.querySelectorAll("input[name*='-subject_']:checked").length;
      count.textContent = "(" + chosen + " of " + count.dataset.total + " chosen)";
    };
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      recount();
    });
    section.addEventListener("change", function (event) {
      if (event.target === all) { return; }
      if (!event.target.checked) { all.checked = false; }
      recount();
    });
  });

  // "Print this list" buttons.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
