// Schedule grid: drag a session onto a room and quarter hour; the server checks the room is free
// (409 room_taken leaves it where it was) and answers with the conflicts the move makes.
(function () {
  "use strict";
  var grid = document.getElementById("schedule-grid");
  if (!grid) { return; }
  var status = document.getElementById("schedule-status");
  var texts = {};
  document.getElementById("schedule-texts").content.querySelectorAll("[data-key]").forEach(function (el) {
    texts[el.dataset.key] = el.textContent.trim();
  });
  var KEY = "exhibition.schedule.messages";
  var dragged = null;

  function say(messages, bad) {
    status.textContent = "";
    status.className = "schedule-status" + (bad ? " is-bad" : "");
    messages.forEach(function (text) {
      var line = document.createElement("span");
      line.textContent = text;
      status.appendChild(line);
    });
  }

  var kept = window.sessionStorage.getItem(KEY);
  if (kept) {
    window.sessionStorage.removeItem(KEY);
    try { say(JSON.parse(kept), false); } catch (e) { /* ignore */ }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function addMinutes(local, minutes) {
    // local is "YYYY-MM-DDTHH:MM" in the event's zone; arithmetic in UTC keeps it zone-free.
    var parts = local.split(/[-T:]/).map(Number);
    var t = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4]) + minutes * 60000);
    return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) + "T" + pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes());
  }

  document.querySelectorAll(".grid-session[draggable]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.sessionId);
      card.classList.add("is-dragging");
      grid.classList.add("is-dragging");
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("is-dragging");
      grid.classList.remove("is-dragging");
    });
  });

  grid.querySelectorAll(".grid-cell").forEach(function (cell) {
    cell.addEventListener("dragover", function (event) { event.preventDefault(); cell.classList.add("is-target"); });
    cell.addEventListener("dragleave", function () { cell.classList.remove("is-target"); });
    cell.addEventListener("drop", function (event) {
      event.preventDefault();
      cell.classList.remove("is-target");
      if (!dragged) { return; }
      move(dragged, cell.dataset.roomId, cell.dataset.start);
    });
  });

  function move(card, roomId, start) {
    var url = grid.dataset.placeUrl.replace(/\/0\/place$/, "/" + card.dataset.sessionId + "/place");
    var body = { room: roomId, starts_at: start, ends_at: addMinutes(start, parseInt(card.dataset.minutes, 10)) };
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": grid.dataset.csrf },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          say([data.error ? data.error.message : texts.error], true);
          return;
        }
        var messages = [texts.moved].concat((data.conflicts || []).map(function (c) { return c.message; }));
        window.sessionStorage.setItem(KEY, JSON.stringify(messages));
        window.location.reload();
      });
    }).catch(function () { say([texts.error], true); });
  }
})();
