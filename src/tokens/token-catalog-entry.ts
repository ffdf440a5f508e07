/**
 * The compact summary of a token kept in keys.tokenCatalog() (token id -> JSON), so an id finds its
 * owner and the admin lists can show a token after its record has expired.
 */
export interface TokenCatalogEntry {
  /** Owner (canonical email). */
  e: string;
  /** Token name. */
  n: string;
  /** Created, epoch ms. */
  c: number;
  /** Expires, epoch ms. */
  x: number;
  /** Scopes, space-separated. */
  s: string;
}

export function encodeCatalogEntry(entry: TokenCatalogEntry): string {
  return JSON.stringify(entry);
}

/** The entry, or null when the stored value is not one (never throws). */
export function parseCatalogEntry(raw: string): TokenCatalogEntry | null {
  try {
    const value = JSON.parse(raw) as TokenCatalogEntry;
    return typeof value.e === 'string' && typeof value.x === 'number' ? value : null;
  } catch {
    return null;
  }
}
