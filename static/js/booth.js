// The booth scanner: the station app in booth mode (station-core.js). It reads a badge's lead code
// (the smaller QR code, "L-..."; entry codes are skipped) by camera or typed, and shows the
// visitor's shared details or that they have not agreed to share; the scanner adds notes, a
// rating, tags and answers. Offline, scans are kept with their nonce and time and uploaded in a
// batch when the network returns (stored once per nonce).
(function () {
  "use strict";
  var KEY = "exhibition.scannerToken";
  var INFO = "exhibition.scannerInfo";
  var root = document.getElementById("booth");
  var $ = function (id) { return document.getElementById(id); };
  var core = window.StationCore;
  var texts = core.texts("texts");
  var lang = document.documentElement.lang || "vi";
  var http = core.client(KEY, lang);
  var store = core.openStore("exhibition-booth");
  var info = null;
  var queue = [];
  var online = navigator.onLine;
  var flushing = false;
  var current = null;  // the lead shown

  // --- screens ---------------------------------------------------------------------------------
  function showSetup(message) {
    camera.stop();
    $("scanner").hidden = true;
    $("setup").hidden = false;
    $("setup-error").hidden = !message;
    $("setup-error").textContent = message || "";
  }
  function showScanner() {
    $("setup").hidden = true;
    $("scanner").hidden = false;
    $("station-name").textContent = [info.scanner.name, info.exhibitor.name, info.exhibitor.booths, info.event.name].filter(Boolean).join(" · ");
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
  }
  function show(result, title, name, detail) {
    var box = $("result");
    var kind = { lead: "ok", visit: "warn", queued: "idle", idle: "idle" }[result] || "bad";
    box.className = "result result-" + kind;
    box.dataset.leadResult = result;
    box.querySelector(".result-title").textContent = title;
    box.querySelector(".result-name").textContent = name || "";
    box.querySelector(".result-detail").textContent = detail || "";
  }

  function connect() {
    if (!http.token()) { showSetup(""); return Promise.resolve(); }
    return http.api("/api/v1/booth").then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().then(function (body) {
          window.localStorage.removeItem(KEY);
          showSetup(body.error ? body.error.message : texts.bad_token);
        });
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json().then(function (body) {
        info = body;
        window.localStorage.setItem(INFO, JSON.stringify(body));
        online = true;
        showScanner();
        flush();
      });
    }).catch(function () {
      online = false;
      info = JSON.parse(window.localStorage.getItem(INFO) || "null") || { scanner: { name: "" }, exhibitor: { name: "" }, event: { name: "" }, questions: [] };
      showScanner();
    });
  }

  // --- the queue of scans made offline ---------------------------------------------------------
  var seq = Date.now();
  function loadQueue() {
    return store("queue", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      queue = (items || []).sort(function (a, b) { return a.seq - b.seq; });
    }).catch(function () { /* no IndexedDB: memory only */ });
  }
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
    if (flushing || !queue.length || !http.token()) { return Promise.resolve(); }
    flushing = true;
    var batch = queue.slice(0, 100).map(function (item) {
      return { code: item.code, nonce: item.nonce, scanned_at: item.scanned_at };
    });
    return http.post("/api/v1/booth/scans/batch", { scans: batch }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().then(function (body) { showSetup(body.error ? body.error.message : texts.bad_token); });
      }
      if (!response.ok) { return; }
      return response.json().then(function () {
        online = true;
        dequeue(batch.map(function (s) { return s.nonce; }));  // each has its answer now
        flushing = false;
        return flush();
      });
    }).catch(function () { online = false; setStatus(); }).then(function () { flushing = false; });
  }

  // --- a scan ----------------------------------------------------------------------------------
  function scan(code) {
    var item = { code: code, nonce: core.nonce(), scanned_at: new Date().toISOString() };
    var offline = function () {
      online = false;
      enqueue(item);
      show("queued", texts.queued, "", "");
      $("lead").hidden = true;
      core.beep("queued", { queued: [660, 0.12] });
    };
    if (!online || queue.length) { offline(); return flush(); }
    return http.post("/api/v1/booth/scan", { code: code, nonce: item.nonce }).then(function (response) {
      if (response.status >= 500) { return offline(); }
      return response.json().then(function (data) {
        online = true;
        setStatus();
        if (response.status === 401 || (response.status === 403 && data.error.code === "revoked")) {
          window.localStorage.removeItem(KEY);
          showSetup(data.error.message);
          return;
        }
        if (!response.ok) {
          show(data.error ? data.error.code : "error", data.error ? data.error.message : texts.error);
          $("lead").hidden = true;
          core.beep("error", {});
          return;
        }
        showLead(data.lead, data.result, data.message);
        core.beep(data.result, { lead: [880, 0.12], visit: [520, 0.25] });
      });
    }, offline);
  }

  // --- the lead: details, qualification, notes --------------------------------------------------
  function showLead(lead, result, message) {
    current = lead;
    var details = lead.details || {};
    var detail = texts.first_at.replace("{time}", core.formatTime(lead.first_scanned_at, lang));
    show(result || (lead.shared ? "lead" : "visit"), message || texts[lead.shared ? "lead" : "visit"], details.name, [details.organisation, detail].filter(Boolean).join(" · "));
    var list = $("lead-details");
    list.textContent = "";
    ["name", "organisation", "job_title", "email", "phone", "province"].forEach(function (key) {
      if (details[key]) { addDetail(list, texts[key], details[key]); }
    });
    if (details.sectors && details.sectors.length) { addDetail(list, texts.sectors, details.sectors.join(", ")); }
    var rating = document.querySelector("input[name=rating][value='" + (lead.rating || "") + "']");
    if (rating) { rating.checked = true; }
    $("tags").value = (lead.tags || []).join(", ");
    showQuestions(lead.answers || {});
    var notes = $("notes");
    notes.textContent = "";
    lead.notes.forEach(function (note) {
      var li = document.createElement("li");
      li.textContent = [core.formatTime(note.created_at, lang), note.by, note.text].filter(Boolean).join(" · ");
      notes.appendChild(li);
    });
    $("qualify-error").hidden = true;
    $("note-error").hidden = true;
    $("lead").hidden = false;
  }
  function addDetail(list, label, value) {
    var dt = document.createElement("dt");
    dt.textContent = label;
    var dd = document.createElement("dd");
    dd.textContent = value;
    list.appendChild(dt);
    list.appendChild(dd);
  }
  function showQuestions(answers) {
    var box = $("questions");
    box.textContent = "";
    ((info && info.questions) || []).forEach(function (question) {
      var field = document.createElement("div");
      field.className = "field";
      var label = document.createElement("label");
      label.htmlFor = "question-" + question.id;
      label.textContent = question.text;
      var input;
      if (question.choices.length) {
        input = document.createElement("select");
        [""].concat(question.choices).forEach(function (choice) {
          var option = document.createElement("option");
          option.value = choice;
          option.textContent = choice || texts.no_answer;
          input.appendChild(option);
        });
      } else {
        input = document.createElement("input");
        input.type = "text";
        input.maxLength = 500;
      }
      input.id = "question-" + question.id;
      input.dataset.question = String(question.id);
      input.value = answers[String(question.id)] || "";
      field.appendChild(label);
      field.appendChild(input);
      box.appendChild(field);
    });
  }
  function refusal(response, data, errorBox) {
    if (response.status === 409 && data.lead) {
      showLead(data.lead);
      errorBox = $("qualify-error");
      errorBox.textContent = texts.conflict;
      errorBox.hidden = false;
      return;
    }
    var error = data.error || {};
    var fields = error.fields ? Object.keys(error.fields).map(function (k) { return error.fields[k]; }) : [];
    errorBox.textContent = fields.length ? fields.join(" ") : (error.message || texts.error);
    errorBox.hidden = false;
  }
  function saveQualification() {
    if (!current) { return; }
    var answers = {};
    document.querySelectorAll("#questions [data-question]").forEach(function (input) {
      answers[input.dataset.question] = input.value;
    });
    var checked = document.querySelector("input[name=rating]:checked");
    var body = {
      version: current.version,
      rating: checked && checked.value ? checked.value : null,
      tags: $("tags").value.split(",").map(function (t) { return t.trim(); }).filter(Boolean),
      answers: answers
    };
    http.post("/api/v1/booth/leads/" + current.id + "/qualification", body).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { refusal(response, data, $("qualify-error")); return; }
        showLead(data.lead);
        $("result").querySelector(".result-detail").textContent = texts.saved;
        $("result").dataset.saved = String(data.lead.version);
      });
    }).catch(function () { $("qualify-error").textContent = texts.error; $("qualify-error").hidden = false; });
  }
  function addNote() {
    var text = $("note-text").value.trim();
    if (!current || !text) { return; }
    http.post("/api/v1/booth/leads/" + current.id + "/notes", { text: text }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { refusal(response, data, $("note-error")); return; }
        $("note-text").value = "";
        showLead(data.lead);
      });
    }).catch(function () { $("note-error").textContent = texts.error; $("note-error").hidden = false; });
  }

  // --- the camera: lead codes only (a badge's entry code, for the doors, is skipped) -----------
  var camera = core.camera({
    video: $("camera"),
    box: $("camera-box"),
    toggle: $("camera-toggle"),
    error: $("camera-error"),
    vendor: root.dataset.vendor,
    noCamera: texts.no_camera,
    memory: KEY + ".camera",
    accept: core.isLeadCode,
    onText: function (text) { scan(text); }
  });

  // --- wiring ----------------------------------------------------------------------------------
  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("scan-input");
    var code = input.value.trim();
    input.value = "";
    if (code) { scan(code); }
  });
  $("qualify-form").addEventListener("submit", function (event) { event.preventDefault(); saveQualification(); });
  $("note-form").addEventListener("submit", function (event) { event.preventDefault(); addNote(); });
  $("forget").addEventListener("click", function () {
    window.localStorage.removeItem(KEY);
    window.localStorage.removeItem(INFO);
    showSetup("");
  });
  window.addEventListener("online", function () { online = true; setStatus(); flush(); });
  window.addEventListener("offline", function () { online = false; setStatus(); });
  window.setInterval(function () { if (online || queue.length) { flush(); } }, 15000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: "/checkin" }).catch(function () { /* no offline start */ });
  }

  function setUpFromLink(code) {
    show("idle", texts.setting_up, "", "");
    return fetch("/api/v1/booth/setup?lang=" + lang, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ code: code })
    }).then(function (response) {
      return response.json().then(function (data) {
        window.history.replaceState(null, "", "/checkin/booth");
        if (!response.ok) { showSetup(data.error ? data.error.message : texts.bad_token); return; }
        window.localStorage.setItem(KEY, data.token);
        return connect();
      });
    }).catch(function () { showSetup(texts.error); });
  }

  loadQueue().then(function () {
    if (root.dataset.setupCode) { return setUpFromLink(root.dataset.setupCode); }
    return connect();
  }).then(function () {
    if (http.token() && !$("scanner").hidden) { camera.resume(); }
  });
})();
