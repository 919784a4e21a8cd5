// The roll call board refreshes itself: every few seconds it asks for the board's small change
// stamp (a handful of indexed reads at the service) and reloads only when something changed.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || board.dataset.ended) { return; }
  var every_ms = 1000;
  function check() {
    fetch(board.dataset.stampUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (body) {
        if (body && body.stamp !== board.dataset.stamp) { window.location.reload(); }
        else { window.setTimeout(check, every_ms); }
      })
      .catch(function () { window.setTimeout(check, every_ms); });
  }
  window.setTimeout(check, every_ms);
})();
