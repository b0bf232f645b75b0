// Lists of check-boxes with a filter box ([data-picker], e.g. a session's speakers and chairs):
// typing part of a name hides the people whose name does not hold it (accents and case ignored);
// the people ticked always stay in sight. Without this script every check-box is listed.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase();
  }

  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var filter = picker.querySelector(".picker-filter");
    var none = picker.querySelector(".picker-none");
    var items = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-item]"));
    if (!filter || !items.length) { return; }
    items.forEach(function (item) { item.setAttribute("data-key", fold(item.textContent)); });

    function apply() {
      var words = fold(filter.value).split(/\s+/).filter(Boolean);
      var matches = 0;
      items.forEach(function (item) {
        var key = item.getAttribute("data-key");
        var match = words.every(function (word) { return key.indexOf(word) !== -1; });
        if (match) { matches += 1; }
        item.hidden = !match && !item.querySelector("input").checked;
      });
      if (none) { none.hidden = matches > 0 || !words.length; }
    }

    filter.addEventListener("input", apply);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); } // a filter box does not send the form
    });
    filter.hidden = false;
    apply();
  });
})();
