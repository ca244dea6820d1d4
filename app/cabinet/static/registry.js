// The registry: at a desk the filters stand open (on a phone they fold away until asked for).
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia("(min-width: 800px)").matches) {
    filters.open = true;
  }
})();
