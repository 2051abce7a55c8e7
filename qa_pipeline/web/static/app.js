// Evidence buttons seek the recording; a #t=SECONDS fragment seeks on load.
(function () {
  "use strict";
  function seek(seconds, play) {
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
