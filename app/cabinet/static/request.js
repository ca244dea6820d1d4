// One request's page (/cabinet/requests/{id}): the payment form takes a file or «Без платёжки»,
// not both, and says a file is too large before sending it (the server checks it again, by its
// size and its own bytes).
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form) {
    return;
  }
  var file = document.getElementById("order");
  var none = document.getElementById("no-order");
  var tooBig = document.getElementById("order-too-big");
  var limit = Number(form.dataset.maxBytes);
  function sync() {
    file.disabled = none.checked;
    if (none.checked) {
      file.value = "";
      tooBig.hidden = true;
    }
  }
  none.addEventListener("change", sync);
  file.addEventListener("change", function () { tooBig.hidden = true; });
  form.addEventListener("submit", function (event) {
    var chosen = file.files && file.files[0];
    if (chosen && chosen.size > limit) {
      event.preventDefault();
      tooBig.hidden = false;
    }
  });
  sync();
})();
