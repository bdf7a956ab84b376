// Shared by every page: the sign-in token, calls to the API, status messages.
"use strict";

const Outreach = (() => {
  const KEY = "outreach-token";

  // The sign-in link carries the token in its fragment (never sent to a server);
  // keep it for this tab only and take it out of the address bar.
  function token() {
    const hash = new URLSearchParams(window.location.hash.slice(1));
    const fromLink = hash.get("token");
    if (fromLink) {
      sessionStorage.setItem(KEY, fromLink);
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(KEY);
  }

  function say(message, isError = false) {
    const status = document.getElementById("status");
    status.textContent = message;
    status.classList.toggle("error", isError);
  }

  class ApiError extends Error {
    constructor(problem, status) {
      super(problem.detail || problem.title || `request failed (${status})`);
      this.problem = problem;
      this.status = status;
    }
  }

  async function api(path, options = {}) {
    const headers = Object.assign({ Authorization: `Bearer ${token()}` }, options.headers || {});
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    const response = await fetch(path, Object.assign({}, options, { headers }));
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    if (!response.ok) {
      const problem = type.includes("json") ? await response.json() : { detail: await response.text() };
      throw new ApiError(problem, response.status);
    }
    if (options.raw) return response;
    return type.includes("json") ? response.json() : response.text();
  }

  // Wait for a job to end, reporting its counts as it goes. Each request is a long poll:
  // the API answers as soon as the job has changed since the version we have (or ended),
  // so an upload's list shows within a tenth of a second of being ready, one request at a
  // time. A request the network drops (a phone changing cells) is retried a few times.
  async function waitJob(jobId, onProgress) {
    let seen = null;
    for (let dropped = 0; ; ) {
      const query = new URLSearchParams({ wait: "20" });
      if (seen) query.set("seen", seen);
      let job;
      try {
        job = await api(`/jobs/${encodeURIComponent(jobId)}?${query}`);
      } catch (error) {
        if (error instanceof ApiError || ++dropped > 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (onProgress) onProgress(job);
      if (["succeeded", "failed", "skipped"].includes(job.status)) return job;
      seen = job.updated_at;
    }
  }

  async function download(path, options, filename) {
    const response = await api(path, Object.assign({}, options, { raw: true }));
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function el(tag, text, attrs = {}) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    return node;
  }

  async function start(main) {
    if (!token()) {
      document.getElementById("signin-needed").hidden = false;
      return;
    }
    try {
      const me = await api("/me");
      await main(me);
    } catch (error) {
      if (error.status === 401) {
        sessionStorage.removeItem(KEY);
        document.getElementById("signin-needed").hidden = false;
      }
      say(error.message, true);
    }
  }

  return { api, say, waitJob, download, el, start, ApiError };
})();
