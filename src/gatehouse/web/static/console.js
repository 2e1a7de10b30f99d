// Gatehouse console enhancements. Every page works without this file; it adds
// keys, flip-without-reload, the theme toggle without reload, and the exam clock.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function typingIn(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || tag === "BUTTON" || tag === "A";
  }

  function setupTheme() {
    var form = document.querySelector("form.theme");
    if (!form) { return; }
    var order = ["auto", "dark", "light"];
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      var chosen = form.elements.theme.value;
      var following = order[(order.indexOf(chosen) + 1) % order.length];
      if (chosen === "auto") { delete document.documentElement.dataset.theme; }
      else { document.documentElement.dataset.theme = chosen; }
      document.cookie = "gatehouse-theme=" + chosen + "; path=/; max-age=31536000; samesite=lax";
      form.elements.theme.value = following;
      button.textContent = "Theme: " + chosen;
      button.setAttribute("aria-label", "Theme: " + chosen + " (switch to " + following + ")");
      button.dataset.themeNow = chosen;
    });
  }

  function setupCards() {
    var card = document.getElementById("flashcard");
    if (!card) { return; }
    var back = document.getElementById("card-back");
    var flipForm = document.getElementById("flip-form");
    var gradeForm = document.getElementById("grade-form");
    var flipped = function () { return !back.hidden; };

    function flip() {
      if (flipped()) { return; }
      back.hidden = false;
      gradeForm.hidden = false;
      flipForm.hidden = true;
      card.classList.add("flipped");
      document.getElementById("grade-right").focus();
    }

    flipForm.addEventListener("submit", function (event) { event.preventDefault(); flip(); });
    card.querySelector(".front").addEventListener("click", flip);

    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var key = event.key;
      if ((key === " " || key === "Enter") && !flipped() && !typingIn(event.target)) {
        event.preventDefault();
        flip();
      } else if (flipped() && (key === "1" || key === "2")) {
        event.preventDefault();
        document.getElementById(key === "1" ? "grade-wrong" : "grade-right").click();
      }
    });
  }

  function setupExamClock() {
    var timer = document.getElementById("timer");
    var form = document.getElementById("exam-form");
    if (!timer || !form) { return; }
    var deadline = Date.parse(timer.dataset.deadline);
    var finished = false;
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      timer.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0 && !finished) {
        finished = true;
        document.getElementById("finish").click();
      }
    }
    tick();
    window.setInterval(tick, 1000);
  }

  onReady(function () {
    setupTheme();
    setupCards();
    setupExamClock();
  });
})();
