/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: the functions with the
 * most self time, and self time grouped by where the code lives (a package, a dist/ file, Node
 * internals, GC). `node bench/profile-summary.mjs FILE` prints it for any profile.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function placeOf(url, root) {
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (path.startsWith(root)) return path.slice(root.length + 1);
  return path;
}

export function summariseProfile(profile, root, topN = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // Attribute each sample's interval to its node: exact self time, robust to uneven sampling.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  }
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (callFrame) => {
    const place = callFrame.functionName.startsWith('(') ? callFrame.functionName : placeOf(callFrame.url, root);
    return `${callFrame.functionName || '(anonymous)'}  ${place}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
  };
  // Inclusive time: each function counted once per sampled stack, however deep it recurses.
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(byId.get(at).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  let total = 0;
  let idle = 0;
  const fns = new Map();
  const places = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    total += us;
    if (callFrame.functionName === '(idle)' || callFrame.functionName === '(program)') {
      if (callFrame.functionName === '(idle)') idle += us;
    }
    const place = callFrame.functionName.startsWith('(') ? callFrame.functionName : placeOf(callFrame.url, root);
    places.set(place, (places.get(place) ?? 0) + us);
    const key = keyOf(callFrame);
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us) => `${((100 * us) / (busy || 1)).toFixed(1)}%`.padStart(6);
  const sorted = (m) => [...m.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  const top = sorted(fns)
    .slice(0, topN)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / (busy || 1) }));
  const placesTop = sorted(places)
    .slice(0, 15)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / (busy || 1) }));
  const appInclusive = sorted(inclusive)
    .filter(
      ([k]) =>
        k.includes(' dist/') || k.includes(' http-proxy') || k.includes(' ioredis:') || k.includes(' router:') || k.includes(' express:'),
    )
    .slice(0, topN);
  const text = [
    `busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled; shares are of busy time`,
    'self time by place:',
    ...sorted(places)
      .slice(0, 15)
      .map(([name, us]) => `  ${pct(us)}  ${name}`),
    `top ${topN} functions by self time:`,
    ...sorted(fns)
      .slice(0, topN)
      .map(([name, us]) => `  ${pct(us)}  ${name}`),
    `top ${topN} gateway, proxy, router and Redis client functions by inclusive time:`,
    ...appInclusive.map(([name, us]) => `  ${pct(us)}  ${name}`),
  ].join('\n');
  return { busyMs: busy / 1000, top, places: placesTop, text };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.mjs FILE.cpuprofile\n');
    process.exit(2);
  }
  process.stdout.write(`${summariseProfile(JSON.parse(readFileSync(file, 'utf8')), process.cwd()).text}\n`);
}
