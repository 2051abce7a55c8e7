// Evidence buttons seek the recording and outline the turn; a #t=SECONDS fragment does so on load.
(function () {
  "use strict";
  function mark(seconds) {
    // the transcript turn said at that second is outlined (with or without a recording)
    var best = null;
    document.querySelectorAll(".seg[data-t]").forEach(function (seg) {
      seg.classList.remove("hl");
      var t = parseFloat(seg.dataset.t);
      if (!isNaN(t) && t <= seconds + 0.05) best = seg;
    });
    if (best) {
      best.classList.add("hl");
      if (best.scrollIntoView) best.scrollIntoView({ block: "nearest" });
    }
  }
  function seek(seconds, play) {
    mark(seconds);
    var audio = document.getElementById("player");
    if (!audio) return;
    var go = function () {
      audio.currentTime = seconds;
      if (play) {
        var p = audio.play();
        if (p && p.catch) p.catch(function () {});
      }
    };
    if (audio.readyState >= 1) go();
    else audio.addEventListener("loadedmetadata", go, { once: true });
  }
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest(".evidence, .seg[data-t]") : null;
    if (!el || el.dataset.t === "") return;
    seek(parseFloat(el.dataset.t), true);
  });
  function fromHash() {
    var m = /[#&]t=(\d+(?:\.\d+)?)/.exec(window.location.hash);
    if (m) seek(parseFloat(m[1]), false);
  }
  document.addEventListener("DOMContentLoaded", fromHash);
  window.addEventListener("hashchange", fromHash);
})();
