// Keeps a bulk PDF job's page up to date (templates/pdf/pages/bulk_job.html): asks for the
// job's progress every two seconds, says it in the page's live region, and loads the page
// again once the job has finished, to show the download link or what went wrong.
// A file, not an inline script: the Content-Security-Policy allows only scripts from here.

const INTERVAL_MS = 2000;
const box = document.getElementById("job-progress");

async function poll() {
  let progress;
  try {
    const response = await fetch(box.dataset.progressUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      return; // signed out, or gone: the "Check again" link still works
    }
    progress = await response.json();
  } catch {
    window.setTimeout(poll, INTERVAL_MS * 2);
    return;
  }
  if (progress.finished) {
    window.location.assign(progress.page);
    return;
  }
  const text = document.getElementById("job-progress-text");
  const bar = box.querySelector("progress");
  if (progress.state === "running") {
    text.textContent = `${progress.done} of ${progress.total} PEPs rendered (${progress.percent}%).`;
  }
  if (bar) {
    bar.max = progress.total;
    bar.value = progress.done;
    bar.textContent = `${progress.percent}%`;
  }
  window.setTimeout(poll, INTERVAL_MS);
}

if (box && box.dataset.progressUrl) {
  window.setTimeout(poll, INTERVAL_MS);
}
