// The review screen's keys: P/F/N choose a verdict, Enter confirms (the machine's verdict
// by default; a `review` item must be chosen), E plays from the evidence, J opens the next
// item. A verdict other than the machine's needs a typed reason. No key works while a text
// field has the focus (Esc leaves it).
(function () {
  "use strict";
  var KEYS = { p: "pass", f: "fail", n: "na" };
  var played = 0;

  function form() { return document.getElementById("screen-form"); }
  function chosen(f) {
    var r = f.querySelector("input[name=status]:checked");
    return r ? r.value : "";
  }
  function hint(f, text) {
    var el = document.getElementById("screen-hint");
    if (el) el.textContent = text;
  }
  // whether the form may go: a verdict chosen, and a reason when it is not the machine's
  function ready(f) {
    var v = chosen(f);
    var reason = f.querySelector("input[name=reason]");
    if (!v) {
      hint(f, f.dataset.needChoice);
      return false;
    }
    if (v !== f.dataset.machine && !reason.value.trim()) {
      hint(f, f.dataset.needReason);
      reason.focus();
      return false;
    }
    return true;
  }
  function send(f) {
    if (!ready(f)) return;
    if (f.requestSubmit) f.requestSubmit();
    else f.submit();
  }
  function choose(f, v) {
    var r = f.querySelector("input[name=status][value='" + v + "']");
    if (!r) return;
    r.checked = true;
    if (v === f.dataset.machine) send(f); // the machine's verdict, confirmed by its key
    else ready(f); // another verdict: the reason field takes the focus
  }
  function playEvidence() {
    var evs = document.querySelectorAll(".screen-item .evidence");
    if (!evs.length) return;
    evs[played % evs.length].click(); // app.js seeks the recording and marks the turn
    played += 1;
  }
  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") return true;
    return tag === "input" && !/^(radio|checkbox|button|submit|hidden)$/.test(el.type);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    var f = form();
    if (typing(ev.target)) {
      if (ev.key === "Escape") ev.target.blur();
      return; // Enter in the reason field submits the form itself (checked on submit)
    }
    var key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
    if (KEYS[key] && f) choose(f, KEYS[key]);
    else if (key === "Enter" && f && !/^(a|button)$/i.test(ev.target.tagName || "")) send(f);
    else if (key === "j") {
      var skip = document.getElementById("skip");
      if (skip) window.location.href = skip.href;
    } else if (key === "e") playEvidence();
    else return;
    ev.preventDefault();
  });

  document.addEventListener("submit", function (ev) {
    if (ev.target === form() && !ready(ev.target)) ev.preventDefault();
  });
})();
