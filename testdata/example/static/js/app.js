(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    window.widget && window.widget.init(document.querySelectorAll(".widget"));
  });
})();
//# sourceMappingURL=app.js.map
