// Show the country field only for people from outside Vietnam (the form works without this).
(function () {
  var province = document.getElementById("province");
  var country = document.querySelector(".country-field");
  if (!province || !country) { return; }
  function update() { country.hidden = province.value !== "ABROAD"; }
  province.addEventListener("change", update);
  update();
})();
