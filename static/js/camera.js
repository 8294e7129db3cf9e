/*
 * Orderflow handheld camera scanning (static/js/camera.js).
 *
 * For phones and handhelds without a keyboard-wedge scanner: the "Camera" button
 * opens the rear camera and decodes barcodes with the browser's BarcodeDetector
 * when it exists (Chrome on Android), else with the vendored ZXing build
 * (static/js/vendor/zxing-browser.min.js, loaded on first use only). Each decoded
 * code goes through the page's scan field exactly like a wedge scan
 * (window.orderflowScan.submit from scan.js), so the server answers with the
 * same green/red feedback, sound and vibration.
 *
 * Page contract (views/scan CameraButton):
 *   <button data-camera-open data-zxing="/static/js/vendor/zxing-browser.min.js?v=..." hidden>
 *   <div data-camera-panel hidden>
 *     <video data-camera-video muted playsinline></video>
 *     <p data-camera-status></p>
 *     <button data-camera-close>
 *   </div>
 *
 * The button stays hidden where the page cannot use a camera (no
 * navigator.mediaDevices: plain http other than localhost). Plain ES2017, no inline
 * script or style (CSP script-src 'self').
 */
(function () {
  "use strict";

  var openBtn, panel, video, statusEl;
  var running = false;
  var stream = null;
  var detector = null;
  var zxingControls = null;
  var timer = null;
  var last = "";
  var lastAt = 0;

  var FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "code_39", "code_93", "itf", "codabar", "qr_code", "data_matrix"];

  function supported() {
    return !!(navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function");
  }

  function setStatus(text) {
    if (statusEl) statusEl.textContent = text;
  }

  /* A code seen again within 2.5 s is the same label still in front of the camera. */
  function found(text) {
    text = String(text == null ? "" : text).replace(/[\r\n]+$/, "");
    if (!text.trim()) return;
    var now = Date.now();
    if (text === last && now - lastAt < 2500) return;
    last = text;
    lastAt = now;
    setStatus("Scanned: " + text.replace(/\x1d/g, " "));
    if (window.orderflowScan) window.orderflowScan.submit(text);
  }

  function loadZXing() {
    return new Promise(function (resolve, reject) {
      if (window.ZXingBrowser) { resolve(window.ZXingBrowser); return; }
      var src = openBtn.getAttribute("data-zxing");
      if (!src) { reject(new Error("no ZXing build")); return; }
      var s = document.createElement("script");
      s.src = src;
      s.async = true;
      s.onload = function () {
        if (window.ZXingBrowser) resolve(window.ZXingBrowser);
        else reject(new Error("ZXing did not load"));
      };
      s.onerror = function () { reject(new Error("ZXing did not load")); };
      document.head.appendChild(s);
    });
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    var formats = window.BarcodeDetector.getSupportedFormats ?
      window.BarcodeDetector.getSupportedFormats() : Promise.resolve(FORMATS);
    return formats.then(function (have) {
      var use = FORMATS.filter(function (f) { return have.indexOf(f) !== -1; });
      return use.length ? new window.BarcodeDetector({ formats: use }) : null;
    }).catch(function () { return null; });
  }

  function detectLoop() {
    timer = null;
    if (!running || !detector) return;
    if (video.readyState < 2) { timer = setTimeout(detectLoop, 200); return; }
    detector.detect(video).then(function (codes) {
      if (codes && codes.length) found(codes[0].rawValue);
    }).catch(function () { /* a frame that cannot be read */ }).then(function () {
      if (running) timer = setTimeout(detectLoop, 150);
    });
  }

  function stopStream() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (zxingControls) { try { zxingControls.stop(); } catch (e) { /* stopped */ } zxingControls = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    if (video) { try { video.pause(); } catch (e) { /* not playing */ } video.srcObject = null; }
    detector = null;
  }

  function start() {
    if (running) return;
    running = true;
    last = "";
    panel.hidden = false;
    openBtn.setAttribute("aria-expanded", "true");
    setStatus("Starting the camera…");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (s) {
        if (!running) { s.getTracks().forEach(function (t) { t.stop(); }); return null; }
        stream = s;
        return nativeDetector().then(function (d) {
          if (!running) return null;
          if (d) {
            detector = d;
            video.srcObject = s;
            return video.play().then(function () {
              setStatus("Point the camera at a barcode.");
              detectLoop();
            });
          }
          setStatus("Loading the barcode reader…");
          return loadZXing().then(function (Z) {
            if (!running) return null;
            var reader = new Z.BrowserMultiFormatReader();
            return reader.decodeFromStream(s, video, function (result) {
              if (result) found(result.getText());
            }).then(function (controls) {
              zxingControls = controls;
              if (!running) stopStream();
              else setStatus("Point the camera at a barcode.");
            });
          });
        });
      })
      .catch(function (err) {
        running = false;
        stopStream();
        setStatus(err && err.name === "NotAllowedError" ?
          "The camera is not allowed: allow it in the browser's site settings." :
          "The camera could not start.");
      });
  }

  function stop() {
    running = false;
    stopStream();
    if (panel) panel.hidden = true;
    if (openBtn) openBtn.setAttribute("aria-expanded", "false");
    if (window.orderflowScan) window.orderflowScan.focus();
  }

  function init() {
    openBtn = document.querySelector("[data-camera-open]");
    panel = document.querySelector("[data-camera-panel]");
    if (!openBtn || !panel) return;
    video = panel.querySelector("[data-camera-video]");
    statusEl = panel.querySelector("[data-camera-status]");
    if (!supported() || !video) return;
    openBtn.hidden = false;
    openBtn.setAttribute("aria-expanded", "false");
    openBtn.addEventListener("click", function () { if (running) stop(); else start(); });
    var close = panel.querySelector("[data-camera-close]");
    if (close) close.addEventListener("click", stop);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && running) stop();
    });
    window.addEventListener("pagehide", function () { if (running) stop(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
