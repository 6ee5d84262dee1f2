const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * The page of the error window shown when the node keeps crashing or cannot start: what happened, the node's recent
 * output, and where the full log is. Static HTML (no script), so the window needs no preload.
 */
export function errorPage(input: {
  readonly headline: string;
  readonly log: string;
  readonly logFile: string;
  /** What to do; by default, that the data is safe and a restart may help. */
  readonly advice?: string;
}): string {
  const csp = "default-src 'none'; style-src 'unsafe-inline'";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<title>HyperMesh — node log</title>
<style>body{font:14px system-ui,sans-serif;margin:24px}pre{background:#111;color:#eee;padding:12px;overflow:auto;
white-space:pre-wrap;max-height:70vh}</style></head><body>
<h1>${escapeHtml(input.headline)}</h1>
<p>${escapeHtml(input.advice ?? 'Your data is safe. Quit HyperMesh and start it again; if this keeps happening, send this log with your report.')}</p>
<p>Full log: <code>${escapeHtml(input.logFile)}</code></p>
<pre id="log">${escapeHtml(input.log || '(the node printed nothing)')}</pre>
</body></html>`;
}
