// The "Print badge" button (kept out of the HTML: no inline scripts).
document.querySelectorAll(".js-print").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
