// The picture pad on the sign-in page: collect the taps in the page and send the PIN
// once it is complete. Without this file each tap is a round trip (the pad's buttons
// submit the form, with the digits so far in the hidden "pin" field), which works too.
(function () {
  "use strict";

  var form = document.getElementById("pad-form");
  if (!form) { return; }
  var length = Number(form.dataset.length);
  var pin = form.elements.namedItem("pin");
  var dots = form.querySelectorAll(".dot");
  var count = document.getElementById("pin-count");
  var sending = false;

  var show = function () {
    dots.forEach(function (dot, index) {
      dot.classList.toggle("dot-tapped", index < pin.value.length);
    });
    count.textContent = pin.value.length + " of " + length + " pictures tapped";
  };

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name='tap']");
    if (!button || sending) { return; }
    event.preventDefault();
    pin.value = button.value === "again" ? "" : pin.value + button.value;
    show();
    if (pin.value.length >= length) {
      sending = true;
      form.submit();
    }
  });
})();
