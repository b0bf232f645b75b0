// What the door station (checkin.js) and the booth scanner (booth.js) share: their texts, the
// IndexedDB store of a queue of scans made offline, the API with a bearer token, nonces, beeps,
// and the camera (qr-scanner) with its filter of which QR codes a station reads. A badge holds two
// codes: the entry code (26 characters) for the doors and the lead code ("L-" and 26) for booths;
// each station skips the other's, whichever the camera sees first, and keeps scanning.
(function () {
  "use strict";
  var LEAD = /^\s*L-/i;

  function texts(templateId) {
    var found = {};
    document.getElementById(templateId).content.querySelectorAll("[data-key]").forEach(function (el) {
      found[el.dataset.key] = el.textContent.trim();
    });
    return found;
  }

  // A store per station kind: "queue" (scans waiting to upload, by nonce) and "meta".
  function openStore(dbName) {
    var dbPromise = null;
    function idb() {
      if (!dbPromise) {
        dbPromise = new Promise(function (resolve, reject) {
          var open = window.indexedDB.open(dbName, 1);
          open.onupgradeneeded = function () {
            open.result.createObjectStore("queue", { keyPath: "nonce" });
            open.result.createObjectStore("meta");
          };
          open.onsuccess = function () { resolve(open.result); };
          open.onerror = function () { reject(open.error); };
        });
      }
      return dbPromise;
    }
    return function store(name, mode, work) {
      return idb().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(name, mode);
          var result = work(tx.objectStore(name));
          tx.oncomplete = function () { resolve(result instanceof IDBRequest ? result.result : result); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    };
  }

  // Requests with the token kept under `tokenKey` in localStorage, in the page's language.
  function client(tokenKey, lang) {
    function token() { return window.localStorage.getItem(tokenKey); }
    function api(path, options) {
      options = options || {};
      options.headers = Object.assign({ "Authorization": "Bearer " + token(), "Accept": "application/json" }, options.headers || {});
      return fetch(path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang, options);
    }
    function post(path, body) {
      return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    }
    return { token: token, api: api, post: post };
  }

  function nonce() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // tones: result -> [frequency, seconds]; any other result gets the low "refused" tone.
  function beep(result, tones) {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var setting = tones[result] || [220, 0.45];
      var osc = ctx.createOscillator();
      osc.frequency.value = setting[0];
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + setting[1]);
    } catch (e) { /* no audio: the colour still tells */ }
  }

  function formatTime(iso, lang) {
    return new Date(iso).toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  }

  function isLeadCode(text) { return LEAD.test(text || ""); }

  // The camera: `accept(text)` says whether this station reads a QR code (the other kind is
  // skipped and scanning goes on); the same code held in view is read once per 4 seconds.
  // options: video, box, toggle, error, vendor (the library's URL), noCamera (text), memory (the
  // localStorage key remembering the camera was on), accept, onText.
  function camera(options) {
    var scanner = null;
    var lastText = "", lastAt = 0;
    var SAME_CODE_PAUSE = 4000;
    function onDecode(result) {
      var text = (result && result.data !== undefined ? result.data : result || "").trim();
      var now = Date.now();
      if (!text || !options.accept(text) || (text === lastText && now - lastAt < SAME_CODE_PAUSE)) { return; }
      lastText = text;
      lastAt = now;
      options.onText(text);
    }
    function loadLibrary() {
      if (window.QrScanner) { return Promise.resolve(window.QrScanner); }
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = options.vendor;
        script.onload = function () { resolve(window.QrScanner); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    function stop(keepBox) {
      if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
      if (!keepBox) { options.box.hidden = true; }
      options.toggle.setAttribute("aria-pressed", "false");
    }
    function start() {
      options.box.hidden = false;
      options.toggle.setAttribute("aria-pressed", "true");
      return loadLibrary().then(function (QrScanner) {
        scanner = new QrScanner(options.video, onDecode, {
          returnDetailedScanResult: true,
          highlightScanRegion: true,
          maxScansPerSecond: 15,
          preferredCamera: "environment"
        });
        return scanner.start();
      }).then(function () {
        window.localStorage.setItem(options.memory, "1");
      }).catch(function () {
        options.error.hidden = false;
        options.error.textContent = options.noCamera;
        stop(true);
      });
    }
    options.toggle.addEventListener("click", function () {
      if (scanner) { window.localStorage.removeItem(options.memory); stop(); } else { start(); }
    });
    return {
      start: start,
      stop: stop,
      // Started again on a page that had it on (the phone's permission stays).
      resume: function () { if (window.localStorage.getItem(options.memory) === "1") { start(); } }
    };
  }

  window.StationCore = {
    texts: texts,
    openStore: openStore,
    client: client,
    nonce: nonce,
    beep: beep,
    formatTime: formatTime,
    isLeadCode: isLeadCode,
    camera: camera
  };
})();
