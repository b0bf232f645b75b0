// Check-in station. Badges come from the camera (qr-scanner), a handheld scanner (typed code +
// Enter) or a search for a lost badge (answered with a handle that works at this device for a
// few minutes, never the badge code). Online, the API judges each scan. Offline, the station
// answers from the checkpoint's list of valid badges (kept in IndexedDB, refreshed in the
// background; badges are known by a SHA-256 hash of their code) and queues the scans with their
// own times; they are uploaded when the network returns (same nonce, stored once). What it shares
// with the booth scanner is in station-core.js; it reads entry codes only (lead codes skipped).
(function () {
  "use strict";
  var KEY = "exhibition.deviceToken";
  var INFO = "exhibition.deviceInfo";
  var root = document.getElementById("station");
  var $ = function (id) { return document.getElementById(id); };
  var core = window.StationCore;
  var texts = core.texts("texts");
  var lang = document.documentElement.lang || "vi";
  var info = null;          // what /api/v1/device said (kept for offline starts)
  var badges = {};          // hash -> badge, from /api/v1/checkpoint/badges
  var local = {};           // hash -> {in: bool, at: iso}: what this station saw since the list
  var queue = [];           // scans waiting to upload, oldest first (mirrored in IndexedDB)
  var online = navigator.onLine;
  var flushing = false;

  // --- storage ---------------------------------------------------------------------------------
  var store = core.openStore("exhibition-station");
  function loadState() {
    return Promise.all([
      store("queue", "readonly", function (s) { return s.getAll(); }),
      store("meta", "readonly", function (s) { return s.get("badges"); }),
      store("meta", "readonly", function (s) { return s.get("local"); })
    ]).then(function (values) {
      queue = (values[0] || []).sort(function (a, b) { return a.seq - b.seq; });
      badges = (values[1] && values[1].map) || {};
      local = values[2] || {};
    }).catch(function () { /* private mode without IndexedDB: memory only */ });
  }

  // --- the API ---------------------------------------------------------------------------------
  var http = core.client(KEY, lang);
  var token = http.token, api = http.api, post = http.post;

  // --- screens ---------------------------------------------------------------------------------
  function showSetup(message) {
    camera.stop();
    $("scanner").hidden = true;
    $("setup").hidden = false;
    var error = $("setup-error");
    error.hidden = !message;
    error.textContent = message || "";
    $("device-token").focus();
  }
  // --- the direction: entry or exit, chosen by the radio buttons, shown large, kept per browser --
  function direction() {
    return document.querySelector("input[name=type]:checked").value;
  }
  function showDirection() {
    var type = direction();
    var box = $("direction");
    box.dataset.direction = type;
    box.className = "direction direction-" + type;
    box.querySelector("strong").textContent = texts[type];
  }

  function showScanner() {
    $("setup").hidden = true;
    $("scanner").hidden = false;
    $("station-name").textContent = [info.device.name, info.checkpoint && info.checkpoint.name, info.event.name].filter(Boolean).join(" · ");
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
    var type = window.localStorage.getItem(KEY + ".type") === "exit" ? "exit" : "entry";
    $("type-" + type).checked = true;
    showDirection();
    setStatus();
    $("scan-input").focus();
  }
  function setStatus() {
    var status = $("station-status");
    status.textContent = online ? texts.online : texts.offline;
    status.className = "station-status " + (online ? "is-online" : "is-offline");
    var waiting = $("station-queue");
    waiting.textContent = queue.length ? texts.waiting.replace("{n}", queue.length) : "";
    waiting.dataset.count = String(queue.length);
    $("undo").disabled = !lastScan;
  }

  function connect() {
    if (!token()) { showSetup(""); return Promise.resolve(); }
    return api("/api/v1/device").then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().then(function (body) {
          window.localStorage.removeItem(KEY);
          showSetup(body.error ? body.error.message : texts.bad_token);
        });
      }
      if (!response.ok) { throw new Error(String(response.status)); }  // start offline, as below
      return response.json().then(function (body) {
        info = body;
        window.localStorage.setItem(INFO, JSON.stringify(body));
        online = true;
        showScanner();
        refreshList();
        flush();
      });
    }).catch(function () {
      online = false;
      info = JSON.parse(window.localStorage.getItem(INFO) || "null") || { device: { name: "" }, event: { name: "" }, sessions: [] };
      showScanner();
    });
  }

  // --- the offline list ------------------------------------------------------------------------
  function refreshList() {
    if (!token()) { return; }
    api("/api/v1/checkpoint/badges").then(function (response) {
      if (!response.ok) { return; }
      return response.json().then(function (body) {
        var map = {};
        body.badges.forEach(function (b) { map[b.h] = b; });
        badges = map;
        local = {};  // the server's list now holds what this station saw
        store("meta", "readwrite", function (s) {
          s.put({ map: map, at: body.generated_at }, "badges");
          s.put(local, "local");
        });
      });
    }).catch(function () { /* keep the last list */ });
  }

  function sha256(text) {
    var data = new TextEncoder().encode(text.trim().toUpperCase());
    return window.crypto.subtle.digest("SHA-256", data).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    });
  }

  // Whether today (in the exhibition's time zone) is one of its days, as /api/v1/device said.
  function exhibitionDay() {
    var event = (info && info.event) || {};
    if (!event.first_day || !event.last_day) { return true; }
    var today = new Date().toLocaleDateString("en-CA", { timeZone: event.timezone || "Asia/Ho_Chi_Minh" });
    return event.first_day <= today && today <= event.last_day;
  }

  function judgeLocally(code, type, sessionId, knownHash, admit) {
    return (knownHash ? Promise.resolve(knownHash) : sha256(code)).then(function (hash) {
      var badge = badges[hash];
      var answer = { result: "invalid", local: true, type: type };
      if (!badge) { return answer; }
      answer.attendee = { name: badge.n, organisation: badge.o, category: badge.c[lang === "en" ? 1 : 0], booth: badge.b };
      if (sessionId) {
        answer.result = (badge.s || []).indexOf(sessionId) >= 0 ? "ok" : "not_registered";
        return answer;
      }
      if (type === "entry" && !admit && !exhibitionDay()) {
        answer.result = "not_today";
        return answer;
      }
      var seen = local[hash] || (badge.in ? { in: !badge.out, at: badge.in } : null);
      if (type === "exit") {
        if (seen) { local[hash] = { in: false, at: seen.at }; }
        answer.result = "ok";
      } else if (seen && (seen.in || !(info.checkpoint && info.checkpoint.allow_reentry))) {
        answer.result = "already_checked_in";
        answer.first_checked_in_at = seen.at;
      } else {
        local[hash] = { in: true, at: (seen && seen.at) || new Date().toISOString() };
        answer.result = "ok";
      }
      store("meta", "readwrite", function (s) { s.put(local, "local"); });
      return answer;
    });
  }

  // --- the queue -------------------------------------------------------------------------------
  var seq = Date.now();
  function enqueue(item) {
    item.seq = seq++;
    queue.push(item);
    store("queue", "readwrite", function (s) { s.put(item); });
    setStatus();
  }
  function dequeue(nonces) {
    queue = queue.filter(function (item) { return nonces.indexOf(item.nonce) < 0; });
    store("queue", "readwrite", function (s) { nonces.forEach(function (n) { s.delete(n); }); });
    setStatus();
  }
  function flush() {
    if (flushing || !queue.length || !token()) { return Promise.resolve(); }
    flushing = true;
    var batch = queue.slice(0, 100).map(function (item) {
      var scan = { code: item.code, handle: item.handle, nonce: item.nonce, type: item.type, scanned_at: item.scanned_at, station_result: item.station_result };
      if (item.session_id) { scan.session_id = item.session_id; }
      if (item.admit) { scan.admit = true; }
      return scan;
    });
    return post("/api/v1/checkin/batch", { scans: batch }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().then(function (body) { showSetup(body.error ? body.error.message : texts.bad_token); });
      }
      if (!response.ok) { return; }
      return response.json().then(function () {
        online = true;
        // Every scan of the batch has an answer now (stored, or refused for good).
        dequeue(batch.map(function (s) { return s.nonce; }));
        flushing = false;
        return flush();
      });
    }).catch(function () { online = false; setStatus(); }).then(function () { flushing = false; });
  }

  // --- answers ---------------------------------------------------------------------------------
  var tone = { ok: [880, 0.12], already_checked_in: [440, 0.25], not_registered: [520, 0.25], no_session: [520, 0.25], not_today: [520, 0.25] };
  function beep(result) { core.beep(result, tone); }
  function formatTime(iso) { return core.formatTime(iso, lang); }
  // type: the scan's direction; an exit let through has its own words and colour.
  function show(result, title, name, detail, type) {
    var box = $("result");
    var warn = ["already_checked_in", "not_registered", "no_session", "not_today"];
    var kind = result === "ok" ? (type === "exit" ? "exit" : "ok") : (warn.indexOf(result) >= 0 ? "warn" : "bad");
    box.className = "result result-" + kind;
    box.dataset.checkinResult = result;
    box.dataset.direction = type || "";
    box.querySelector(".result-title").textContent = title;
    box.querySelector(".result-name").textContent = name || "";
    box.querySelector(".result-detail").textContent = detail || "";
    $("admit").hidden = result !== "not_today";
  }
  function formatDay(day) {  // "2026-11-24" -> 24/11/2026
    return new Date(day + "T00:00:00Z").toLocaleDateString(lang === "vi" ? "vi-VN" : "en-GB", { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" });
  }
  function showAnswer(data) {
    var person = data.attendee || {};
    var type = (data.scan && data.scan.type) || data.type;
    var parts = [person.organisation, person.booth, person.category];
    if (data.session) { parts.unshift(data.session.title); }
    if (data.local) { parts.push(texts.local); }
    var detail = parts.filter(Boolean).join(" · ");
    if (data.first_checked_in_at) {
      detail = texts.first_at.replace("{time}", formatTime(data.first_checked_in_at)) + (detail ? " · " + detail : "");
    }
    var event = (info && info.event) || {};
    if (data.result === "not_today" && event.first_day && event.last_day) {
      var days = texts.days.replace("{first}", formatDay(event.first_day)).replace("{last}", formatDay(event.last_day));
      detail = days + (detail ? " · " + detail : "");
    }
    var words = data.result === "ok" && type === "exit" ? texts.ok_exit : texts[data.result];
    show(data.result, data.message || words || data.result, person.name, detail, type);
    beep(data.result);
  }

  var nonce = core.nonce;

  var lastScan = null;  // {nonce, queued, code, found} for the undo and "let in anyway" buttons
  // found: a search result ({handle, badge_hash}) instead of a code; admit: "let in anyway"
  function scan(code, found, admit) {
    if (code && core.isLeadCode(code)) { return Promise.resolve(); }  // a booth's code: not the door's
    var type = admit ? "entry" : direction();
    var session = $("checkpoint").value;
    var item = { code: code, nonce: nonce(), type: type, scanned_at: new Date().toISOString() };
    if (found) { item = { handle: found.handle, hash: found.badge_hash, nonce: item.nonce, type: type, scanned_at: item.scanned_at }; }
    if (session) { item.session_id = parseInt(session, 10); }
    if (admit) { item.admit = true; }
    var offline = function () {
      online = false;
      return judgeLocally(code, type, item.session_id, item.hash, admit).then(function (answer) {
        item.station_result = answer.result;
        enqueue(item);
        lastScan = { nonce: item.nonce, queued: true, code: code, found: found };
        setStatus();
        showAnswer(answer);
      });
    };
    if (!online || queue.length) {
      // Keep the order of scans: while some wait, new ones wait behind them.
      return offline().then(flush);
    }
    var body = { code: item.code, handle: item.handle, nonce: item.nonce, type: item.type };
    if (item.session_id) { body.session_id = item.session_id; }
    if (admit) { body.admit = true; }
    return post("/api/v1/checkin", body).then(function (response) {
      // The server could not judge the scan (its database restarting: 503, a proxy's 502...):
      // answer here and queue it like an offline scan; the upload keeps its nonce, so a scan
      // the server did store is not stored twice.
      if (response.status >= 500) { return offline(); }
      return response.json().then(function (data) {
        online = true;
        if (response.status === 401 || response.status === 403) { window.localStorage.removeItem(KEY); showSetup(data.error.message); return; }
        if (!response.ok) {
          show("error", data.error ? data.error.message : texts.error);
          beep("error");
          return;
        }
        lastScan = { nonce: item.nonce, queued: false, code: code, found: found };
        setStatus();
        showAnswer(data);
        if (data.result === "ok" && item.type === "entry" && info.checkpoint && info.checkpoint.print_on_arrival) {
          printOnArrival(data.scan.id);
        }
      });
    }, offline);
  }

  // --- badges printed on arrival --------------------------------------------------------------
  function printOnArrival(scanId) {
    var status = $("print-status");
    post("/api/v1/checkin/" + scanId + "/badge.pdf", {}).then(function (response) {
      if (!response.ok) { throw new Error("print"); }
      return response.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var link = $("print-link");
      link.href = url;
      link.hidden = false;
      status.textContent = texts.printing;
      status.dataset.printed = String(scanId);
      // The installed station (a kiosk) prints at once; in a browser tab the button opens it.
      if (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches) {
        var frame = $("print-frame");
        frame.onload = function () {
          try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { link.click(); }
        };
        frame.src = url;
      }
    }).catch(function () {
      status.textContent = texts.print_failed;
    });
  }

  function undo() {
    if (!lastScan) { return; }
    var done = function () {
      lastScan = null;
      setStatus();
      show("undone", texts.undone, "", "");
      $("scan-input").focus();
    };
    if (lastScan.queued) {
      var pending = queue.filter(function (q) { return q.nonce === lastScan.nonce; });
      if (pending.length) { dequeue([lastScan.nonce]); done(); return; }
    }
    post("/api/v1/checkin/undo", {}).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { show("error", data.error ? data.error.message : texts.error); lastScan = null; setStatus(); return; }
        done();
      });
    }).catch(function () { show("error", texts.error); });
  }

  // --- the camera: entry codes only (a badge's lead code, for booths, is skipped) ---------------
  var camera = core.camera({
    video: $("camera"),
    box: $("camera-box"),
    toggle: $("camera-toggle"),
    error: $("camera-error"),
    vendor: root.dataset.vendor,
    noCamera: texts.no_camera,
    memory: KEY + ".camera",
    accept: function (text) { return !core.isLeadCode(text); },
    onText: function (text) { scan(text); }
  });

  // --- search ----------------------------------------------------------------------------------
  function search(query) {
    var list = $("search-results");
    list.textContent = "";
    if (!online) { list.textContent = texts.search_offline; return; }
    api("/api/v1/checkpoint/search?q=" + encodeURIComponent(query)).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { list.textContent = data.error ? data.error.message : texts.error; return; }
        if (!data.results.length) { list.textContent = texts.no_match; return; }
        data.results.forEach(function (person) {
          var li = document.createElement("li");
          var label = document.createElement("span");
          var seen = person.checked_in_at && texts.first_at.replace("{time}", formatTime(person.checked_in_at));
          label.textContent = [person.name, person.organisation, person.category, seen].filter(Boolean).join(" · ");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "button small primary";
          button.textContent = texts.check_in;
          button.addEventListener("click", function () { scan(null, person); $("scan-input").focus(); });
          li.appendChild(label);
          li.appendChild(button);
          list.appendChild(li);
        });
      });
    }).catch(function () { list.textContent = texts.search_offline; });
  }

  // --- wiring ----------------------------------------------------------------------------------
  $("setup-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = $("device-token").value.trim();
    if (!value) { return; }
    window.localStorage.setItem(KEY, value);
    $("device-token").value = "";
    connect();
  });
  $("forget").addEventListener("click", function () {
    window.localStorage.removeItem(KEY);
    window.localStorage.removeItem(INFO);
    showSetup("");
  });
  $("checkpoint").addEventListener("change", function () {
    window.localStorage.setItem(KEY + ".session", $("checkpoint").value);
    $("scan-input").focus();
  });
  document.querySelectorAll("input[name=type]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      window.localStorage.setItem(KEY + ".type", direction());
      showDirection();
      $("scan-input").focus();
    });
  });
  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("scan-input");
    var code = input.value.trim();
    input.value = "";
    input.focus();
    if (code) { scan(code); }
  });
  $("undo").addEventListener("click", undo);
  // The exhibition is not on today: the operator may still let the person in (stored as such).
  $("admit").addEventListener("click", function () {
    if (lastScan) { scan(lastScan.code, lastScan.found, true); }
    $("scan-input").focus();
  });
  $("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var query = $("search-input").value.trim();
    if (query.length >= 3) { search(query); }
  });
  window.addEventListener("online", function () { online = true; setStatus(); flush(); refreshList(); });
  window.addEventListener("offline", function () { online = false; setStatus(); });
  // Scans waiting are retried even while "offline" (the last upload failed), so that they go
  // up when the server returns without waiting for the next scan.
  window.setInterval(function () { if (online || queue.length) { flush(); } }, 15000);
  window.setInterval(function () { if (online) { refreshList(); } }, 120000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: "/checkin" }).catch(function () { /* no offline start */ });
  }

  function setUpFromLink(code) {
    show("idle", texts.setting_up, "", "");
    return fetch("/api/v1/device/setup?lang=" + lang, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ code: code })
    }).then(function (response) {
      return response.json().then(function (data) {
        window.history.replaceState(null, "", "/checkin");
        if (!response.ok) { showSetup(data.error ? data.error.message : texts.bad_token); return; }
        window.localStorage.setItem(KEY, data.token);
        return connect();
      });
    }).catch(function () { showSetup(texts.error); });
  }

  loadState().then(function () {
    if (root.dataset.setupCode) { return setUpFromLink(root.dataset.setupCode); }
    return connect();
  }).then(function () {
    if (token() && !$("scanner").hidden) { camera.resume(); }
  });
})();
