// Live figures: the page comes drawn by the server; every 10 seconds we ask the stats API again and
// redraw the numbers, the chart and the tables. Nothing is asked while the tab is hidden.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch) { return; }
  var PERIOD = 1000 * (parseFloat(root.dataset.period) || 10);
  var SVG = "http://www.w3.org/2000/svg";
  // The drawing area the server drew the chart in (exhibition/charts.py), read from the chart.
  var chartBox = document.getElementById("live-chart");
  var CHART = {
    width: chartBox.viewBox.baseVal.width, height: chartBox.viewBox.baseVal.height,
    left: parseFloat(chartBox.dataset.left), right: parseFloat(chartBox.dataset.right),
    top: parseFloat(chartBox.dataset.top), bottom: parseFloat(chartBox.dataset.bottom)
  };
  var texts = {};
  document.getElementById("live-texts").content.querySelectorAll("[data-key]").forEach(function (el) {
    texts[el.dataset.key] = el.textContent.trim();
  });
  var lang = document.documentElement.lang || "vi";
  var numbers = new Intl.NumberFormat(lang);
  var clock = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit", minute: "2-digit", hour12: false,  // never seconds (one time style)
    timeZone: root.dataset.timezone || undefined
  });
  var status = document.getElementById("live-status");
  var timer = null;
  var busy = false;
  var stopped = false;

  function fmt(n) { return numbers.format(n); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function round(x) { return Math.round(x * 100) / 100; }

  function bar(value, total, color) {
    var box = svg("svg", { "class": "live-bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" });
    box.appendChild(svg("rect", { "class": "live-bar-track", width: "100", height: "10" }));
    var fill = svg("rect", { "class": "live-bar-fill", width: String(total ? Math.round(Math.min(100 * value / total, 100) * 10) / 10 : 0), height: "10" });
    if (color) { fill.setAttribute("fill", color); }
    box.appendChild(fill);
    return box;
  }

  function row(cells, barNode) {
    var tr = el("tr");
    cells.forEach(function (cell, i) {
      var td;
      if (cell && cell.nodeType) { td = el("td"); td.appendChild(cell); }
      else { td = el("td", i > 0 ? { "class": "num" } : {}, cell); }
      tr.appendChild(td);
    });
    var last = el("td");
    last.appendChild(barNode);
    tr.appendChild(last);
    return tr;
  }

  function fill(name, rows) {
    var body = root.querySelector('[data-table="' + name + '"]');
    body.replaceChildren.apply(body, rows);
  }

  function max(items, key) {
    return items.reduce(function (m, item) { return Math.max(m, item[key]); }, 0);
  }

  // The geometry of exhibition/charts.py bar_chart: a bar per quarter hour of the day's fixed
  // axis (the API sends every quarter of the opening hours), the hours under their start.
  function drawChart(series) {
    var chart = chartBox;
    document.getElementById("live-chart-empty").hidden = series.length > 0;
    chart.hidden = series.length === 0;
    var plotW = CHART.width - CHART.left - CHART.right;
    var plotH = CHART.height - CHART.top - CHART.bottom;
    var base = CHART.top + plotH;
    var top = max(series, "count");
    var step = plotW / Math.max(series.length, 1);
    var every = series.length <= 48 ? 1 : 2;
    var nodes = [
      svg("line", { "class": "live-axis", x1: CHART.left, x2: CHART.width - CHART.right, y1: base, y2: base }),
      svg("text", { "class": "live-tick", x: CHART.left - 6, y: CHART.top + 4, "text-anchor": "end" }, String(top)),
      svg("text", { "class": "live-tick", x: CHART.left - 6, y: base, "text-anchor": "end" }, "0")
    ];
    var labels = [];
    series.forEach(function (item, i) {
      var h = top ? plotH * item.count / top : 0;
      var rect = svg("rect", {
        "class": "live-col", x: round(CHART.left + i * step + step * 0.1), y: round(base - h),
        width: round(step * 0.8), height: round(h)
      });
      rect.appendChild(svg("title", {}, item.time + ": " + item.count));
      nodes.push(rect);
      var parts = item.time.split(":");
      if (parts[1] === "00" && parseInt(parts[0], 10) % every === 0) {
        labels.push(svg("text", { "class": "live-tick", x: round(CHART.left + i * step), y: CHART.height - 6, "text-anchor": "middle" }, item.time));
      }
    });
    chart.replaceChildren.apply(chart, nodes.concat(labels));
  }

  function render(stats) {
    Object.keys(stats.totals).forEach(function (key) {
      root.querySelectorAll('[data-total="' + key + '"]').forEach(function (node) {
        node.textContent = fmt(stats.totals[key]);
      });
    });
    var refused = stats.refused.map(function (r) { return r.label + " " + fmt(r.count); }).join(" · ");
    document.getElementById("live-refused").textContent = refused ? "(" + refused + ")" : "";
    drawChart(stats.per_quarter_hour);

    fill("category", stats.by_category.map(function (c) {
      return row([c.name, fmt(c.registered), fmt(c.checked_in)], bar(c.checked_in, c.registered, c.color));
    }));
    var topProvince = max(stats.by_province, "checked_in");
    fill("province", stats.by_province.map(function (p) {
      var name = p.code === "others" ? texts.others : (p.code ? p.name : texts.abroad);
      return row([name, fmt(p.registered), fmt(p.checked_in)], bar(p.checked_in, topProvince));
    }));
    var topEntries = max(stats.by_checkpoint, "entries");
    fill("checkpoint", stats.by_checkpoint.map(function (c) {
      return row([c.name, fmt(c.entries), c.inside === null ? "—" : fmt(c.inside)], bar(c.entries, topEntries));
    }));
    var sessions = stats.by_session.map(function (s) {
      var title = document.createDocumentFragment();
      title.appendChild(document.createTextNode(s.title));
      title.appendChild(el("br"));
      title.appendChild(el("span", { "class": "muted" }, s.time + " · " + s.room));
      return row([title, fmt(s.seated), fmt(s.attended), fmt(s.not_registered)], bar(s.attended, s.seated));
    });
    if (!sessions.length) {
      var empty = el("tr");
      empty.appendChild(el("td", { colspan: "5", "class": "muted" }, texts.no_session));
      sessions = [empty];
    }
    fill("session", sessions);
    var when = clock.format(new Date(stats.generated_at));
    status.textContent = texts.updated.replace("{time}", when);
    status.classList.remove("is-stale");
  }

  function failed(signedOut) {
    status.classList.add("is-stale");
    status.textContent = signedOut ? texts.signed_out : texts.stale.replace("{time}", clock.format(new Date()));
    if (signedOut) { stopped = true; }
  }

  function refresh() {
    timer = null;
    if (stopped || busy || document.visibilityState === "hidden") { return; }
    busy = true;
    fetch(root.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { failed(true); return null; }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (stats) { if (stats) { render(stats); } })
      .catch(function () { failed(false); })
      .then(function () { busy = false; schedule(); });
  }

  function schedule() {
    if (timer !== null) { clearTimeout(timer); }
    timer = null;
    if (stopped) { return; }
    if (document.visibilityState === "hidden") {
      status.textContent = texts.paused;
      return;
    }
    timer = setTimeout(refresh, PERIOD);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      if (timer !== null) { clearTimeout(timer); timer = null; }
      refresh();
    } else {
      schedule();
    }
  });
  schedule();
})();
