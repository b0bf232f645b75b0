// After a form comes back with errors: move focus to the summary (screen readers announce it)
// and say so in the window title. Kept out of the HTML: no inline scripts.
(function () {
  var summary = document.querySelector(".form-summary");
  if (!summary) { return; }
  summary.focus();
  var prefix = summary.getAttribute("data-title-prefix");
  if (prefix && document.title.indexOf(prefix) !== 0) { document.title = prefix + " " + document.title; }
})();
