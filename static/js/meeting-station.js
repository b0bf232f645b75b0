// Meeting station: a check-in device (its token kept by the check-in station in localStorage)
// set up at a business-matching table or booth. The operator picks the session and the place;
// each badge scanned (camera, or a handheld scanner typing the code and Enter) is sent to
// POST /api/v1/events/<slug>/matchmaking/scan, which answers ok (one side in), held (both in),
// not_your_meeting, no_meeting or invalid. Online only: the answer needs the meeting's state.
(function () {
  "use strict";
  var KEY = "exhibition.deviceToken";
  var INFO = "exhibition.deviceInfo";
  var CHOICE = "exhibition.meetingPlace";
  var root = document.getElementById("meeting-station");
  var $ = function (id) { return document.getElementById(id); };
  var texts = {};
  $("texts").content.querySelectorAll("[data-key]").forEach(function (el) {
    texts[el.dataset.key] = el.textContent.trim();
  });
  var lang = document.documentElement.lang || "vi";
  var slug = null;
  var sessions = [];
  var scanner = null;
  var lastCode = "";
  var lastAt = 0;

  function token() { return window.localStorage.getItem(KEY); }
  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Authorization": "Bearer " + token(), "Accept": "application/json" }, options.headers || {});
    var sep = path.indexOf("?") === -1 ? "?" : "&";
    return fetch(path + sep + "lang=" + encodeURIComponent(lang), options);
  }
  function option(value, text) {
    var el = document.createElement("option");
    el.value = value;
    el.textContent = text;
    return el;
  }
  function saved() {
    try { return JSON.parse(window.localStorage.getItem(CHOICE) || "{}") || {}; } catch (e) { return {}; }
  }
  function remember() {
    window.localStorage.setItem(CHOICE, JSON.stringify({ session: $("meeting-session").value, place: $("meeting-place").value }));
  }
  function fillPlaces() {
    var select = $("meeting-place");
    select.textContent = "";
    var session = sessions.filter(function (s) { return String(s.id) === $("meeting-session").value; })[0];
    if (!session) { return; }
    for (var n = 1; n <= session.tables; n++) {
      select.appendChild(option("t:" + n, texts.table.replace("{n}", n)));
    }
    session.booths.forEach(function (b) { select.appendChild(option("b:" + b.id, b.name)); });
    var wanted = saved().place;
    if (wanted && select.querySelector('option[value="' + wanted + '"]')) { select.value = wanted; }
  }
  function fillSessions() {
    var select = $("meeting-session");
    select.textContent = "";
    if (!sessions.length) { show("bad", texts.no_session, "", ""); return; }
    var now = Date.now();
    var current = sessions.filter(function (s) { return Date.parse(s.ends_at) > now; })[0] || sessions[sessions.length - 1];
    sessions.forEach(function (s) {
      var day = new Date(s.starts_at).toLocaleDateString(lang === "vi" ? "vi-VN" : "en-GB");
      select.appendChild(option(String(s.id), s.name + " · " + day));
    });
    var wanted = saved().session;
    select.value = wanted && sessions.some(function (s) { return String(s.id) === wanted; }) ? wanted : String(current.id);
    fillPlaces();
  }
  function show(kind, title, name, detail) {
    var box = $("result");
    box.className = "result result-" + kind;
    box.querySelector(".result-title").textContent = title;
    box.querySelector(".result-name").textContent = name || "";
    box.querySelector(".result-detail").textContent = detail || "";
  }
  var KINDS = { ok: "ok", held: "ok", not_your_meeting: "bad", no_meeting: "warn", invalid: "bad" };
  function scan(code) {
    code = (code || "").trim();
    if (!code || !slug) { return; }
    var place = $("meeting-place").value.split(":");
    var body = { code: code, session_id: parseInt($("meeting-session").value, 10) };
    if (place[0] === "t") { body.table = parseInt(place[1], 10); } else { body.booth = parseInt(place[1], 10); }
    api("/api/v1/events/" + encodeURIComponent(slug) + "/matchmaking/scan", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        $("result").dataset.result = data.result || (data.error && data.error.code) || "";
        if (!response.ok) { show("bad", data.error ? data.error.message : texts.error, "", ""); return; }
        var person = data.person ? data.person.name + (data.person.company ? " · " + data.person.company : "") : "";
        var detail = data.result === "ok" ? data.message : (data.meeting ? data.meeting.place : "");
        show(KINDS[data.result] || "bad", texts[data.result] || data.message, person, detail);
      });
    }).catch(function () { show("bad", texts.error, "", ""); });
  }
  function onDecode(result) {
    var text = result && result.data !== undefined ? result.data : result;
    var now = Date.now();
    if (text === lastCode && now - lastAt < 3000) { return; }  // the same badge held in view
    lastCode = text;
    lastAt = now;
    scan(text);
  }
  function loadLibrary() {
    if (window.QrScanner) { return Promise.resolve(window.QrScanner); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root.dataset.vendor;
      script.onload = function () { resolve(window.QrScanner); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  function startCamera() {
    $("camera-box").hidden = false;
    $("camera-toggle").setAttribute("aria-pressed", "true");
    loadLibrary().then(function (QrScanner) {
      scanner = new QrScanner($("camera"), onDecode, { returnDetailedScanResult: true, highlightScanRegion: true, maxScansPerSecond: 15, preferredCamera: "environment" });
      return scanner.start();
    }).catch(function () {
      $("camera-error").hidden = false;
      $("camera-error").textContent = texts.no_camera;
      stopCamera(true);
    });
  }
  function stopCamera(keepBox) {
    if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
    if (!keepBox) { $("camera-box").hidden = true; }
    $("camera-toggle").setAttribute("aria-pressed", "false");
  }

  function start() {
    if (!token()) { $("no-device").hidden = false; return; }
    api("/api/v1/device").then(function (response) {
      if (response.status === 401) { $("no-device").hidden = false; return null; }
      return response.json();
    }).catch(function () {
      return JSON.parse(window.localStorage.getItem(INFO) || "null");
    }).then(function (info) {
      if (!info) { return; }
      slug = info.event.slug;
      $("station-name").textContent = info.device.name + " · " + info.event.name;
      $("meeting-scanner").hidden = false;
      return api("/api/v1/events/" + encodeURIComponent(slug) + "/matchmaking/places").then(function (response) {
        return response.json();
      }).then(function (data) {
        sessions = data.sessions || [];
        fillSessions();
        $("scan-input").focus();
      });
    }).catch(function () { show("bad", texts.error, "", ""); });
  }

  $("meeting-session").addEventListener("change", function () { fillPlaces(); remember(); });
  $("meeting-place").addEventListener("change", remember);
  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("scan-input");
    scan(input.value);
    input.value = "";
    input.focus();
  });
  $("camera-toggle").addEventListener("click", function () {
    if (scanner) { stopCamera(false); } else { startCamera(); }
  });
  start();
})();
