// cookiescan dashboard: the live progress of a scan started here. Text only: every value
// from the server is set with textContent or as a URL built here, never as HTML.
"use strict";

(function () {
  const box = document.getElementById("task");
  if (!box) return;
  const url = box.dataset.poll;
  const finished = (state) => state === "done" || state === "failed";

  function show(task) {
    const state = document.getElementById("task-state");
    state.textContent = task.state;
    state.className = "state state-" + task.state.replace(/[^a-z-]/g, "");
    document.getElementById("task-message").textContent = task.message || "";
    document.getElementById("task-log").textContent = (task.log || []).join("\n");
    box.dataset.state = task.state;
    if (task.scan_id) {
      document.getElementById("task-report").setAttribute(
        "href", "/scans/" + encodeURIComponent(task.scan_id) + "/report");
      document.getElementById("task-links").hidden = false;
    }
  }

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const task = await response.json();
        show(task.task);
        if (finished(task.task.state)) return;
      }
    } catch (error) {
      // the server may be restarting: try again
    }
    setTimeout(poll, 1000);
  }

  if (!finished(box.dataset.state)) poll();
})();
