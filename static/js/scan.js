/*
 * Orderflow handheld scanner input (static/js/scan.js).
 *
 * Keyboard-wedge scanners "type" a code followed by Enter into whatever has focus.
 * This file keeps the scan field focused, catches codes typed while focus is elsewhere,
 * never loses or merges codes scanned faster than the server answers, and gives
 * sound and vibration feedback for the result the server swaps into #scan-feedback.
 *
 * Page contract:
 *   <form id="scan-form" class="scan-box" hx-post="..." ...>
 *     <input id="scan-input" class="scan-input" name="code" autocomplete="off">
 *   </form>
 *   <div id="scan-feedback"> ... <div class="scan-ok|scan-error" data-scan-result="ok|error"> ... </div>
 *
 * Plain ES2017, no dependencies, no eval, no inline script (CSP script-src 'self').
 * Load with <script src="/static/js/scan.js" defer></script>, after htmx.
 *
 * Small API for other scripts (e.g. a camera scanner):
 *   window.orderflowScan.submit(code)  submit a code exactly like a wedge scan
 *   window.orderflowScan.focus()       put the focus back in the scan field
 *   window.orderflowScan.feedback("ok"|"error")  play the sound + vibration
 *
 * Transfer screens: an element with [data-poll] (the lines, hx-trigger="every 3s")
 * is refreshed only while the page is visible, no scan is on its way and the
 * worker is not typing in it; a scan cancels a refresh already running so
 * that an older answer never replaces a newer one. After a swap the line the
 * scan counted (.st-line-hit) is scrolled into view.
 */
(function () {
  "use strict";

  var FORM_ID = "scan-form";
  var INPUT_ID = "scan-input";
  var FEEDBACK_ID = "scan-feedback";

  function scanForm() { return document.getElementById(FORM_ID); }
  function scanInput() { return document.getElementById(INPUT_ID); }
  function feedbackBox() { return document.getElementById(FEEDBACK_ID); }

  function isEditable(el) {
    if (!el || el.nodeType !== 1) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    var type = (el.getAttribute("type") || "text").toLowerCase();
    // buttons, checkboxes etc. do not take typed text: a scan while they have focus goes to the scan field
    return ["button", "submit", "reset", "checkbox", "radio", "image", "file", "range", "color", "hidden"].indexOf(type) === -1;
  }

  /* A focusable control where Enter/Space already means something (activate it). */
  function isActivatable(el) {
    if (!el || el.nodeType !== 1) return false;
    var tag = el.tagName;
    return tag === "BUTTON" || tag === "A" || tag === "SUMMARY" || tag === "INPUT" ||
      el.getAttribute("role") === "button" || el.getAttribute("role") === "link";
  }

  function focusScanInput() {
    var input = scanInput();
    if (!input || input.disabled) return;
    if (document.activeElement !== input) {
      try { input.focus({ preventScroll: true }); } catch (e) { input.focus(); }
    }
  }

  /* Refocus unless the worker is deliberately using another field (e.g. a quantity box). */
  function refocusIfFree() {
    var input = scanInput();
    if (!input) return;
    var active = document.activeElement;
    if (active && active !== input && active !== document.body && isEditable(active)) return;
    focusScanInput();
  }

  /* ---- sound & vibration -------------------------------------------------- */

  var audioCtx = null;

  /* Browsers only let audio start after a user gesture; a scanner's keystrokes count. */
  function unlockAudio() {
    try {
      if (!audioCtx) {
        var Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) return;
        audioCtx = new Ctx();
      }
      if (audioCtx.state === "suspended" && audioCtx.resume) {
        var p = audioCtx.resume();
        if (p && p.catch) p.catch(function () {});
      }
    } catch (e) { audioCtx = null; }
  }

  function tone(freq, start, duration, type, volume) {
    var osc = audioCtx.createOscillator();
    var gain = audioCtx.createGain();
    osc.type = type;
    osc.frequency.setValueAtTime(freq, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(volume, start + 0.008);
    gain.gain.setValueAtTime(volume, start + duration - 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
    osc.connect(gain);
    gain.connect(audioCtx.destination);
    osc.start(start);
    osc.stop(start + duration + 0.02);
  }

  function beep(kind) {
    try {
      unlockAudio();
      if (!audioCtx || audioCtx.state === "closed") return;
      var t = audioCtx.currentTime + 0.01;
      if (kind === "ok") {
        tone(1568, t, 0.09, "sine", 0.35); // short high "bip"
      } else {
        tone(155, t, 0.2, "square", 0.22); // low double buzz
        tone(130, t + 0.24, 0.3, "square", 0.22);
      }
    } catch (e) { /* no sound is fine */ }
  }

  function vibrate(kind) {
    try {
      if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 60 : [80, 60, 80]);
    } catch (e) { /* unsupported */ }
  }

  function feedback(kind) {
    kind = kind === "ok" ? "ok" : "error";
    // before any tap or key press the browser refuses both (and logs an error)
    var ua = navigator.userActivation;
    if (ua && !ua.hasBeenActive) return;
    vibrate(kind);
    beep(kind);
  }

  /* Each result element is announced once, however many swap events see it. */
  var announced = typeof WeakSet === "function" ? new WeakSet() : null;
  var resultSinceRequest = false;

  function checkFeedback() {
    var box = feedbackBox();
    if (!box) return;
    var nodes = Array.prototype.slice.call(box.querySelectorAll("[data-scan-result]"));
    if (box.hasAttribute("data-scan-result")) nodes.unshift(box);
    var kind = null;
    nodes.forEach(function (el) {
      if (announced) {
        if (announced.has(el)) return;
        announced.add(el);
      } else {
        if (el.getAttribute("data-scan-announced")) return;
        el.setAttribute("data-scan-announced", "1");
      }
      var r = (el.getAttribute("data-scan-result") || "").toLowerCase();
      if (r === "error") kind = "error";
      else if (r === "ok" && kind !== "error") kind = "ok";
    });
    if (kind) {
      resultSinceRequest = true;
      feedback(kind);
    }
  }

  /* Used when a request failed and the server swapped nothing in. */
  function showLocalError(message) {
    var box = feedbackBox();
    if (box) {
      var div = document.createElement("div");
      div.className = "scan-error";
      div.setAttribute("data-scan-result", "error");
      div.setAttribute("role", "alert");
      div.textContent = message;
      box.textContent = "";
      box.appendChild(div);
      if (announced) announced.add(div);
    }
    feedback("error");
  }

  /* ---- submitting codes ---------------------------------------------------- */
  /*
   * The field is emptied as soon as htmx has read it (htmx:beforeRequest), so the next
   * scan can start at once. A code completed while a request is still running is queued
   * and sent when that request ends, in order, instead of being merged or dropped.
   */
  var queue = [];
  var inflight = null;     // the XMLHttpRequest of the scan form's running request
  var override = null;     // code to send instead of the field's value (queued or API codes)
  var usedOverride = false;
  var programmatic = false;

  function fieldName() {
    var input = scanInput();
    return (input && input.name) || "code";
  }

  function submitForm() {
    var form = scanForm();
    if (!form) return false;
    // a form htmx swapped in is only wired up at settle time; do it now so the
    // submit goes through htmx, not as a native page load (process() is idempotent)
    try { if (window.htmx && typeof window.htmx.process === "function") window.htmx.process(form); } catch (e) { /* native submit */ }
    programmatic = true;
    try {
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        var ev;
        try { ev = new Event("submit", { bubbles: true, cancelable: true }); }
        catch (e) { ev = document.createEvent("Event"); ev.initEvent("submit", true, true); }
        if (form.dispatchEvent(ev)) form.submit();
      }
    } finally {
      programmatic = false;
    }
    return true;
  }

  function sendCode(code) {
    code = String(code == null ? "" : code).trim();
    if (!code) return;
    if (inflight) { queue.push(code); return; }
    override = code;
    submitForm();
    override = null; // htmx reads it synchronously in htmx:configRequest
  }

  function sendNextQueued() {
    if (inflight || !queue.length) return;
    sendCode(queue.shift());
  }

  /* Capture phase: runs before htmx's own submit listener on the form. */
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form || form.id !== FORM_ID || programmatic) return;
    var input = scanInput();
    if (!input || !form.contains(input)) return;
    var code = input.value.trim();
    if (!code || inflight) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      if (code) queue.push(code);
      input.value = "";
      focusScanInput();
    }
  }, true);

  document.addEventListener("htmx:configRequest", function (evt) {
    var d = evt.detail || {};
    if (!d.elt || d.elt.id !== FORM_ID) return;
    usedOverride = override != null;
    if (!usedOverride) return;
    try {
      if (d.formData && typeof d.formData.set === "function") d.formData.set(fieldName(), override);
      else if (d.parameters) d.parameters[fieldName()] = override;
    } catch (e) { /* leave the field's value */ }
    override = null;
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var d = evt.detail || {};
    if (evt.defaultPrevented || !d.elt || d.elt.id !== FORM_ID) return;
    inflight = d.xhr || true;
    resultSinceRequest = false;
    var input = scanInput();
    // the request carries the code now; empty the field for the next scan
    // (a queued/API code never came from the field, which may hold a scan in progress)
    if (!usedOverride && input) input.value = "";
    usedOverride = false;
  });

  function requestEnded(evt) {
    var d = evt.detail || {};
    if (!inflight || (d.xhr && inflight !== true && d.xhr !== inflight)) return;
    inflight = null;
    // let htmx release its own request lock first
    setTimeout(sendNextQueued, 0);
  }
  document.addEventListener("htmx:afterRequest", requestEnded);

  document.addEventListener("htmx:responseError", function (evt) {
    var d = evt.detail || {};
    if (!d.elt || d.elt.id !== FORM_ID) return;
    // a swap of this response (if htmx was configured to swap errors) has already run
    if (resultSinceRequest) return;
    var status = d.xhr ? d.xhr.status : 0;
    showLocalError("Server error" + (status ? " (" + status + ")" : "") + ". Scan again.");
  });
  document.addEventListener("htmx:sendError", function (evt) {
    var d = evt.detail || {};
    if (d.elt && d.elt.id === FORM_ID) showLocalError("No connection. Check Wi-Fi and scan again.");
  });
  document.addEventListener("htmx:timeout", function (evt) {
    var d = evt.detail || {};
    if (d.elt && d.elt.id === FORM_ID) showLocalError("The server did not answer. Scan again.");
  });

  /* ---- transfer screens: polling and the line counted ------------------------ */

  function isPoller(el) { return !!(el && el.nodeType === 1 && el.hasAttribute("data-poll")); }

  function pollers() { return Array.prototype.slice.call(document.querySelectorAll("[data-poll]")); }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var d = evt.detail || {};
    var elt = d.elt;
    if (isPoller(elt)) {
      var active = document.activeElement;
      var typing = active && active !== scanInput() && isEditable(active) && elt.contains(active);
      if (document.visibilityState === "hidden" || inflight || typing) evt.preventDefault();
      return;
    }
    if (elt && elt.closest && (elt.id === FORM_ID || elt.closest("#scan-lines, .st-actions"))) {
      // an action is on its way: a refresh that started before it would be stale
      pollers().forEach(function (p) {
        try { if (window.htmx) window.htmx.trigger(p, "htmx:abort"); } catch (e) { /* nothing running */ }
      });
    }
  });

  function showHit() {
    var hit = document.querySelector("#scan-lines .st-line-hit");
    if (!hit || hit.getAttribute("data-shown")) return;
    hit.setAttribute("data-shown", "1");
    try { hit.scrollIntoView({ block: "nearest", behavior: "smooth" }); } catch (e) { hit.scrollIntoView(false); }
  }

  /* ---- keyboard redirection ----------------------------------------------- */

  document.addEventListener("keydown", function (evt) {
    unlockAudio();
    if (evt.defaultPrevented || evt.isComposing) return;
    var input = scanInput();
    if (!input || input.disabled) return;
    var target = evt.target;
    if (target === input) {
      // submit ourselves: implicit submission depends on the form's other fields
      if (evt.key === "Enter" && !evt.shiftKey && !evt.ctrlKey && !evt.altKey && !evt.metaKey) {
        evt.preventDefault();
        submitFromField();
      }
      return;
    }
    if (isEditable(target)) return;
    if (evt.metaKey || evt.altKey || (evt.ctrlKey && !(evt.getModifierState && evt.getModifierState("AltGraph")))) return;

    var key = evt.key;
    if (key === "Enter") {
      // a focused button/link keeps its normal Enter unless a scan is waiting in the field
      if (!input.value.trim() && isActivatable(target)) return;
      evt.preventDefault();
      focusScanInput();
      if (input.value.trim()) submitFromField();
      return;
    }
    if (typeof key !== "string" || key.length !== 1) return;
    if (key === " " && isActivatable(target) && !input.value) return; // Space still presses buttons
    evt.preventDefault();
    input.value += key;
    focusScanInput();
    // keep the caret at the end so the scanner's next characters append
    try { input.setSelectionRange(input.value.length, input.value.length); } catch (e) { /* type without selection */ }
  }, true);

  function submitFromField() {
    var input = scanInput();
    if (!input) return;
    var code = input.value.trim();
    if (!code) { input.value = ""; return; }
    if (inflight) {
      queue.push(code);
      input.value = "";
      return;
    }
    submitForm();
  }

  /* ---- focus keeping -------------------------------------------------------- */

  function afterSwap(evt) {
    checkFeedback();
    showHit();
    var input = scanInput();
    // clear a field htmx swapped in with a stale value; a code being typed right now stays
    var target = evt && evt.detail && evt.detail.target;
    if (input && target && target.contains && target.contains(input)) input.value = "";
    refocusIfFree();
  }
  document.addEventListener("htmx:afterSwap", afterSwap);
  document.addEventListener("htmx:oobAfterSwap", afterSwap);
  document.addEventListener("htmx:afterSettle", function () {
    checkFeedback();
    showHit();
    refocusIfFree();
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refocusIfFree();
  });
  window.addEventListener("pageshow", refocusIfFree);
  document.addEventListener("pointerdown", unlockAudio, true);

  function init() {
    var box = feedbackBox();
    if (box && !box.hasAttribute("aria-live")) {
      box.setAttribute("aria-live", "assertive");
      box.setAttribute("aria-atomic", "true");
    }
    // results rendered with the page were announced when they were produced (or cannot be:
    // browsers block sound and vibration until the first tap or key press)
    if (box && announced) {
      box.querySelectorAll("[data-scan-result]").forEach(function (el) { announced.add(el); });
      if (box.hasAttribute("data-scan-result")) announced.add(box);
    }
    refocusIfFree();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  window.orderflowScan = {
    submit: sendCode,
    focus: focusScanInput,
    feedback: feedback
  };
})();
