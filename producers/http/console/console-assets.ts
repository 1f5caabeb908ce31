import { createHash } from 'node:crypto';

// Readable without colour: every kind is also written out; colour only repeats it as a border.
export const consoleStyle = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f6f7f9;overflow-wrap:anywhere}
a{color:#0b4f9c}
:focus-visible{outline:3px solid #0b4f9c;outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.5rem;z-index:1}
header{background:#fff;border-bottom:1px solid #d5d9e0;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header .brand{font-weight:700;text-decoration:none;color:#1b1b1b}
header nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;flex:1}
header nav a[aria-current]{font-weight:700}
header form{margin:0}
main{max-width:48rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem}
button,.button{font:inherit;min-height:2.75rem;padding:.5rem 1rem;border-radius:.375rem;border:2px solid #0b4f9c;background:#0b4f9c;color:#fff;cursor:pointer}
a.button{display:inline-block;text-decoration:none}
button.quiet{background:#fff;color:#0b4f9c}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,textarea{font:inherit;width:100%;max-width:100%;padding:.5rem;border:1px solid #6b7280;border-radius:.375rem;background:#fff}
select{font:inherit;min-height:2.75rem;max-width:100%;padding:.25rem .5rem;border:1px solid #6b7280;border-radius:.375rem;background:#fff}
.subnav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:0 0 1rem}
.subnav a[aria-current]{font-weight:700}
textarea{min-height:14rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.875rem}
.note{color:#4b5563}
.notice{background:#fff;border:2px solid #1b1b1b;border-radius:.375rem;padding:.5rem .75rem}
.notice.error{border-color:#b42318}
.card{background:#fff;border:1px solid #d5d9e0;border-left-width:.5rem;border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1rem}
.card h2{margin:0 0 .25rem;font-size:1.1rem}
.card p{margin:.25rem 0}
.card form{margin:.75rem 0 0}
.kind{display:inline-block;font-size:.8rem;font-weight:700;letter-spacing:.04em;text-transform:uppercase;border:2px solid currentColor;border-radius:.25rem;padding:0 .35rem;margin-right:.35rem}
.kind-urgent{border-left-color:#b42318}.kind-urgent .kind{color:#b42318}
.kind-attention{border-left-color:#b54708}.kind-attention .kind{color:#93370d}
.kind-unreachable{border-left-color:#5925dc}.kind-unreachable .kind{color:#5925dc}
.kind-review{border-left-color:#4b5563}.kind-review .kind{color:#374151}
blockquote{margin:.5rem 0;padding:.25rem .75rem;border-left:3px solid #9ca3af;background:#f3f4f6;white-space:pre-wrap}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{background:#fff;border:1px solid #d5d9e0;border-radius:.375rem;padding:.5rem .75rem;margin:0 0 .5rem}
ol.timeline time{display:block;font-size:.875rem;color:#4b5563}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem;border:1px solid #d5d9e0;vertical-align:top}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){
 table,thead,tbody,tr,th,td{display:block}
 thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 tr{border:1px solid #d5d9e0;margin:0 0 .75rem}
 td{border:0;padding:.25rem .5rem}
 td::before{content:attr(data-label) ": ";font-weight:600}
 dl.facts{grid-template-columns:1fr}
 dl.facts dd{margin:0 0 .5rem}
}
`;

// The one script: the inbox replaces its list when the server pushes a fresh one; nothing else needs it.
export const consoleScript = `
(() => {
  const inbox = document.getElementById('inbox');
  if (!inbox || !('EventSource' in window)) return;
  const status = document.getElementById('inbox-status');
  const live = document.getElementById('inbox-live');
  const countText = () => { const c = inbox.querySelector('[data-count]'); return c ? c.textContent : ''; };
  let lastCount = countText();
  const source = new EventSource('/console/events');
  source.onopen = () => { if (status) status.textContent = 'This list updates by itself.'; };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) { window.location.reload(); return; }
    if (status) status.textContent = 'Connection lost: reconnecting…';
  };
  source.addEventListener('inbox', (event) => {
    const holder = document.activeElement && document.activeElement.closest('[data-escalation]');
    const keep = holder ? holder.getAttribute('data-escalation') : null;
    inbox.innerHTML = event.data;
    if (keep) {
      const again = inbox.querySelector('[data-escalation="' + CSS.escape(keep) + '"] button');
      if (again) again.focus();
    }
    const text = countText();
    if (live && text !== lastCount) live.textContent = text;
    lastCount = text;
  });
  source.addEventListener('signed-out', () => { source.close(); window.location.assign('/console/sign-in'); });
})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Same origin only; the inline style and script are allowed by hash, nothing else runs. */
export const consoleCsp = [
  "default-src 'none'", `script-src ${sha256(consoleScript)}`, `style-src ${sha256(consoleStyle)}`, "img-src 'self'",
  "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
].join('; ');
