// A "Copy" button after each value marked .copyable (the account number, the amount, the transfer
// memo), for people paying from a bank app on the same phone; its words come from the page
// (data-copy-label, data-copied-label on a container). Without a clipboard (an old
// browser, a page not served over https) the values stay plain, selectable text.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll(".copyable").forEach(function (value) {
    var words = value.closest("[data-copy-label]");
    if (!words) return;
    var label = [words.getAttribute("data-copy-label"), words.getAttribute("data-copied-label")];
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small copy-button";
    button.textContent = label[0];
    button.addEventListener("click", function () {
      var text = value.getAttribute("data-copy") || value.textContent.trim();
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = label[1];
        setTimeout(function () { button.textContent = label[0]; }, 2000);
      });
    });
    value.insertAdjacentElement("afterend", button);
  });
})();
