// Check-in station: a handheld scanner types the badge code and Enter; we ask the API and show
// the answer across the screen. The device token stays in this browser (localStorage).
(function () {
  "use strict";
  var KEY = "exhibition.deviceToken";
  var $ = function (id) { return document.getElementById(id); };
  var texts = {};
  $("texts").content.querySelectorAll("[data-key]").forEach(function (el) {
    texts[el.dataset.key] = el.textContent.trim();
  });
  var lang = document.documentElement.lang || "vi";

  function token() { return window.localStorage.getItem(KEY); }

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Authorization": "Bearer " + token(), "Accept": "application/json" }, options.headers || {});
    return fetch(path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang, options);
  }

  function showSetup(message) {
    $("scanner").hidden = true;
    $("setup").hidden = false;
    var error = $("setup-error");
    error.hidden = !message;
    error.textContent = message || "";
    $("device-token").focus();
  }

  function showScanner(info) {
    $("setup").hidden = true;
    $("scanner").hidden = false;
    $("station-name").textContent = [info.device.name, info.device.room, info.event.name].filter(Boolean).join(" · ");
    var select = $("checkpoint");
    var chosen = window.localStorage.getItem(KEY + ".session") || "";
    while (select.options.length > 1) { select.remove(1); }
    (info.sessions || []).forEach(function (s) {
      var option = document.createElement("option");
      option.value = String(s.id);
      option.textContent = formatTime(s.starts_at) + " · " + s.room + " · " + s.title;
      select.appendChild(option);
    });
    select.value = chosen;
    if (select.value !== chosen) { select.value = ""; }
    setOnline(true);
    $("scan-input").focus();
  }

  function setOnline(online) {
    var status = $("station-status");
    status.textContent = online ? texts.online : texts.offline;
    status.className = "station-status " + (online ? "is-online" : "is-offline");
  }

  function connect() {
    if (!token()) { showSetup(""); return; }
    api("/api/v1/device").then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().then(function (body) {
          window.localStorage.removeItem(KEY);
          showSetup(body.error ? body.error.message : texts.bad_token);
        });
      }
      return response.json().then(showScanner);
    }).catch(function () { showScanner({ device: { name: "" }, event: { name: "" } }); setOnline(false); });
  }

  var tone = { ok: [880, 0.12], already_checked_in: [440, 0.25], not_registered: [440, 0.25] };
  function beep(result) {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var setting = tone[result] || [220, 0.45];
      var osc = ctx.createOscillator();
      osc.frequency.value = setting[0];
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + setting[1]);
    } catch (e) { /* no audio: the colour still tells */ }
  }

  function formatTime(iso) {
    var date = new Date(iso);
    return date.toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  }

  function show(result, title, name, detail) {
    var box = $("result");
    var warn = ["already_checked_in", "not_registered", "no_session"];
    var tone = result === "ok" ? "ok" : (warn.indexOf(result) >= 0 ? "warn" : "bad");
    box.className = "result result-" + tone;
    box.dataset.checkinResult = result;
    box.querySelector(".result-title").textContent = title;
    box.querySelector(".result-name").textContent = name || "";
    box.querySelector(".result-detail").textContent = detail || "";
  }

  function nonce() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function scan(code, type) {
    var message = { code: code, nonce: nonce(), type: type };
    var session = $("checkpoint").value;
    if (session) { message.session_id = parseInt(session, 10); }
    var body = JSON.stringify(message);
    var send = function () {
      return api("/api/v1/checkin", { method: "POST", headers: { "Content-Type": "application/json" }, body: body });
    };
    // One retry with the same nonce: the server counts a repeated nonce once.
    return send().catch(function () { return send(); }).then(function (response) {
      return response.json().then(function (data) {
        setOnline(true);
        if (!response.ok) {
          if (response.status === 401 || response.status === 403) { window.localStorage.removeItem(KEY); showSetup(data.error.message); return; }
          show("error", data.error ? data.error.message : texts.error);
          beep("error");
          return;
        }
        var person = data.attendee || {};
        var detail = [person.organisation, person.booth, person.category].filter(Boolean).join(" · ");
        if (data.session) { detail = data.session.title + (detail ? " · " + detail : ""); }
        if (data.first_checked_in_at) {
          detail = texts.first_at.replace("{time}", formatTime(data.first_checked_in_at)) + (detail ? " · " + detail : "");
        }
        show(data.result, data.message, person.name, detail);
        beep(data.result);
      });
    }).catch(function () {
      setOnline(false);
      show("error", texts.error);
      beep("error");
    });
  }

  $("setup-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = $("device-token").value.trim();
    if (!value) { return; }
    window.localStorage.setItem(KEY, value);
    $("device-token").value = "";
    connect();
  });

  $("checkpoint").addEventListener("change", function () {
    window.localStorage.setItem(KEY + ".session", $("checkpoint").value);
    $("scan-input").focus();
  });

  $("forget").addEventListener("click", function () {
    window.localStorage.removeItem(KEY);
    showSetup("");
  });

  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("scan-input");
    var code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) { return; }
    var type = document.querySelector("input[name=type]:checked").value;
    scan(code, type);
  });

  connect();
})();
