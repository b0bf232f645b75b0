// The public floor plan: zoom and pan with svg-pan-zoom (buttons, mouse wheel, two-finger pinch;
// one finger moves the plan once it is zoomed in, and scrolls the page before), and the booth
// that was searched for brought into view. Without JavaScript the whole hall is drawn as is.
(function () {
  var svg = document.querySelector("svg.plan[data-zoomable]");
  if (!svg || typeof window.svgPanZoom !== "function") { return; }

  var ZOOMED = 1.01;
  var instance;

  function touchPoint(touch) {
    var box = svg.getBoundingClientRect();
    return { x: touch.clientX - box.left, y: touch.clientY - box.top };
  }

  function distance(touches) {
    return Math.hypot(touches[0].clientX - touches[1].clientX, touches[0].clientY - touches[1].clientY);
  }

  // svg-pan-zoom has no pinch: its own touch handlers are replaced by these.
  var touchHandler = {
    haltEventListeners: ["touchstart", "touchend", "touchmove", "touchleave", "touchcancel"],
    init: function (options) {
      var pz = options.instance;
      var pinch = null;
      var last = null;
      this.listeners = {
        touchstart: function (event) {
          if (event.touches.length === 2) {
            pinch = { distance: distance(event.touches), zoom: pz.getZoom() };
            last = null;
          } else if (event.touches.length === 1) {
            last = touchPoint(event.touches[0]);
          }
        },
        touchmove: function (event) {
          if (pinch && event.touches.length === 2) {
            event.preventDefault();
            var a = touchPoint(event.touches[0]);
            var b = touchPoint(event.touches[1]);
            pz.zoomAtPoint(pinch.zoom * distance(event.touches) / pinch.distance,
                           { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
          } else if (last && event.touches.length === 1 && pz.getZoom() > ZOOMED) {
            event.preventDefault();
            var point = touchPoint(event.touches[0]);
            pz.panBy({ x: point.x - last.x, y: point.y - last.y });
            last = point;
          }
        },
        touchend: function (event) {
          pinch = null;
          last = event.touches.length === 1 ? touchPoint(event.touches[0]) : null;
        }
      };
      this.listeners.touchcancel = this.listeners.touchend;
      for (var name in this.listeners) {
        options.svgElement.addEventListener(name, this.listeners[name], { passive: false });
      }
    },
    destroy: function (options) {
      for (var name in this.listeners) {
        options.svgElement.removeEventListener(name, this.listeners[name]);
      }
    }
  };

  instance = window.svgPanZoom(svg, {
    zoomEnabled: true,
    controlIconsEnabled: false, // its icons bring an inline <style>, which the CSP refuses
    dblClickZoomEnabled: true,
    mouseWheelZoomEnabled: true,
    preventMouseEventsDefault: true,
    zoomScaleSensitivity: 0.3,
    minZoom: 1,
    maxZoom: 12,
    fit: true,
    center: true,
    customEventsHandler: touchHandler,
    onZoom: function (zoom) { svg.classList.toggle("zoomed", zoom > ZOOMED); }
  });

  // Bring a booth to the middle of the plan, zoomed so that its name can be read (about 120
  // pixels wide, or an eighth of a wide screen).
  function show(booth) {
    var box = booth.getBBox();
    var sizes = instance.getSizes();
    var pixels = Math.max(120, sizes.width / 8);
    var wanted = Math.min(12, Math.max(1, pixels / (box.width * sizes.realZoom)));
    instance.zoom(wanted);
    var real = instance.getSizes().realZoom;
    instance.pan({
      x: sizes.width / 2 - (box.x + box.width / 2) * real,
      y: sizes.height / 2 - (box.y + box.height / 2) * real
    });
  }

  document.getElementById("plan-zoom-in").addEventListener("click", function () { instance.zoomIn(); });
  document.getElementById("plan-zoom-out").addEventListener("click", function () { instance.zoomOut(); });
  document.getElementById("plan-reset").addEventListener("click", function () {
    instance.resetZoom();
    instance.resetPan();
  });
  document.getElementById("plan-controls").hidden = false;
  document.getElementById("plan-help").hidden = false;

  var target = null;
  if (window.location.hash.indexOf("#booth-") === 0) {
    target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  }
  target = target || svg.querySelector(".booth-highlight");
  if (target) { show(target); }

  var width = window.innerWidth;
  window.addEventListener("resize", function () {
    if (window.innerWidth === width) { return; } // a phone's address bar coming and going
    width = window.innerWidth;
    instance.resize();
    instance.fit();
    instance.center();
  });
  svg.setAttribute("data-ready", "");
})();
