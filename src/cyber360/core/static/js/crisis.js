/* Cyber360 Santé — countdowns of the regulatory clocks. The server renders each countdown; this script only
   keeps it current between page loads. Elements: <span class="countdown" data-countdown="ISO 8601 instant">. */
(function () {
  "use strict";
  var english = document.documentElement.lang === "en";

  function pad(value) {
    return value < 10 ? "0" + value : String(value);
  }

  function format(milliseconds) {
    var minutesTotal = Math.floor(Math.abs(milliseconds) / 60000);
    var days = Math.floor(minutesTotal / 1440);
    var hours = Math.floor((minutesTotal % 1440) / 60);
    var minutes = minutesTotal % 60;
    var text = days
      ? days + (english ? " d " : " j ") + pad(hours) + " h " + pad(minutes) + " min"
      : hours + " h " + pad(minutes) + " min";
    if (milliseconds >= 0) {
      return text;
    }
    return english ? text + " overdue" : "en retard de " + text;
  }

  function tick() {
    var elements = document.querySelectorAll("[data-countdown]");
    for (var index = 0; index < elements.length; index += 1) {
      var element = elements[index];
      var target = Date.parse(element.getAttribute("data-countdown"));
      if (isNaN(target)) {
        continue;
      }
      var remaining = target - Date.now();
      element.textContent = format(remaining);
      element.classList.toggle("is-overdue", remaining < 0);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", tick);
  } else {
    tick();
  }
  window.setInterval(tick, 15000);
})();
