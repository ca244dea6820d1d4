// The dashboard's filters apply as soon as a value is chosen (the button stays for no-JS).
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) {
    return;
  }
  Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
    select.addEventListener("change", function () {
      form.submit();
    });
  });
})();
