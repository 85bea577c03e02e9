// The API docs page, served locally (no CDN): it reads /openapi.json and lists every operation
// with its parameters, body and answers.
/** The HTML of `GET /docs`. */
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Provisioning engine API</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
h2{margin-top:2rem}code,pre{background:#f4f4f4;border-radius:4px}pre{padding:.5rem;overflow:auto;max-height:20rem}
.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}</style>
</head><body><h1>Provisioning engine API</h1><p>From <a href="/openapi.json">/openapi.json</a>.</p><main id="ops">Loading…</main>
<script>
fetch('/openapi.json').then(r => r.json()).then(doc => {
  const main = document.getElementById('ops'); main.textContent = '';
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const div = document.createElement('div'); div.className = 'op';
    const head = document.createElement('div');
    const m = document.createElement('span'); m.className = 'm'; m.textContent = method; head.append(m);
    const p = document.createElement('code'); p.textContent = path; head.append(p); div.append(head);
    const body = op.requestBody?.content?.['application/json']?.schema;
    const details = { parameters: op.parameters, body, responses: Object.fromEntries(Object.entries(op.responses ?? {}).map(([s, r]) => [s, r.description])) };
    const pre = document.createElement('pre'); pre.textContent = JSON.stringify(details, null, 2); div.append(pre);
    main.append(div);
  }
});
</script></body></html>`;
