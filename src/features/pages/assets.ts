// The scan page's CSS and its one small script, inlined so a phone needs one request; the CSP pins the script by hash.

/** Mobile first (360 px), system fonts only, no external requests. */
export const CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1d2329;background:#f3f5f7;overflow-wrap:anywhere}
header,main,footer{max-width:40rem;margin:0 auto;padding:0 .75rem}
header{display:flex;justify-content:space-between;align-items:center;padding:.6rem .75rem}
header b{font-size:1.1rem}
a{color:#0b57d0}
section{background:#fff;border-radius:.6rem;padding:.75rem;margin:.6rem 0}
h1{font-size:1.3rem;margin:.2rem 0}
h2{font-size:1.05rem;margin:0 0 .4rem}
p,ul,ol,dl{margin:.3rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem}
dt{color:#5f6b76}
dd{margin:0}
ul,ol{padding-left:1.1rem}
img{max-width:100%;height:auto;border-radius:.4rem}
.warn{background:#fde8e8;border:2px solid #c81e1e;color:#8a1010}
.warn h2{color:#c81e1e}
.note{background:#fff4e0;border:1px solid #e8a317;color:#7a4b00}
.ok{background:#e6f4ea;border:1px solid #188038;color:#0d652d}
.err{background:#fde8e8;border:1px solid #c81e1e;color:#8a1010;padding:.4rem;border-radius:.4rem}
.muted{color:#5f6b76;font-size:.9rem}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85rem;background:#e8eaed}
.pass{background:#e6f4ea;color:#0d652d}.fail,.black{background:#fde8e8;color:#a50e0e}.red{background:#c81e1e;color:#fff}
.tl{list-style:none;padding:0;border-left:3px solid #c7d2dc;margin-left:.3rem}
.tl li{position:relative;padding:0 0 .6rem .8rem}
.tl li:before{content:"";position:absolute;left:-.45rem;top:.45rem;width:.6rem;height:.6rem;border-radius:50%;background:#0b57d0}
.tl li.corrected>b{text-decoration:line-through}.fixed{background:#fef3c7;color:#7c4a03}
.stars{color:#e8a317;letter-spacing:.05rem}
form{margin:.5rem 0}
label{display:block;margin:.3rem 0 .1rem}
input,select,textarea,button{font:inherit;width:100%;padding:.45rem;border:1px solid #b8c2cc;border-radius:.4rem}
textarea{min-height:5rem}
button{background:#0b57d0;color:#fff;border:0;margin-top:.4rem}
fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.4rem}
fieldset label{display:inline;width:auto;margin:0}
fieldset input{width:auto}
details{margin:.4rem 0}
summary{cursor:pointer;color:#0b57d0}
footer{padding:1rem .75rem;font-size:.85rem;color:#5f6b76}`;

/**
 * Progressive: reveals the "share my approximate location" form when there is JavaScript and a
 * geolocation API, and fills in the position (rounded to 0.1°) only when the user presses it.
 */
export const GEO_SCRIPT = `document.querySelectorAll("form[data-geo]").forEach(function(f){if(!navigator.geolocation)return;f.hidden=false;f.addEventListener("submit",function(e){if(f.lat.value)return;e.preventDefault();navigator.geolocation.getCurrentPosition(function(p){f.lat.value=p.coords.latitude.toFixed(1);f.lon.value=p.coords.longitude.toFixed(1);f.submit()},function(){},{maximumAge:600000,timeout:10000})})})`;

let scriptHash: Promise<string> | undefined;

/** The CSP source of the inline script: 'sha256-…' of its exact text. */
export function scriptSource(): Promise<string> {
  scriptHash ??= crypto.subtle
    .digest("SHA-256", new TextEncoder().encode(GEO_SCRIPT))
    .then((d) => `'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`);
  return scriptHash;
}

/** The page's Content-Security-Policy: nothing but itself, images from https, this one script. */
export async function contentSecurityPolicy(): Promise<string> {
  return [
    "default-src 'self'",
    "img-src 'self' data: https:",
    "style-src 'self' 'unsafe-inline'",
    `script-src ${await scriptSource()}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}
