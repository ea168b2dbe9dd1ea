// Risk area: follows a background run's progress, then opens its results (no inline script: CSP).
(function () {
  "use strict";
  var box = document.getElementById("risk-job");
  if (!box) { return; }
  var bar = document.getElementById("risk-job-progress");
  var status = document.getElementById("risk-job-status");
  function poll() {
    fetch(box.dataset.jobUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(function (job) {
        bar.value = job.progress;
        bar.textContent = Math.round(job.progress * 100) + " %";
        if (job.status === "done") { window.location.assign(box.dataset.doneUrl); return; }
        if (job.status === "failed") { status.textContent = job.error; return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());
