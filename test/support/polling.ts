/** Small helpers the fail-closed suites share: a JSON request that never hangs, and polling until a condition holds. */

/** A request answered as status and parsed JSON body (`{ text }` when the body is not JSON); gives up after 10 s. */
export async function jsonRequest(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

/** Polls every 100 ms until `done` holds; fails after `withinMs`. */
export async function eventually(what: string, done: () => Promise<boolean>, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
