/**
 * Where the console keeps the API token: `sessionStorage` only (this tab, this origin; gone when the tab
 * closes). Never a cookie, never localStorage, never a URL.
 */
const KEY = 'streamplane.apiToken';

export function loadToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** Deployment settings written next to the bundle (`config.json`): where the API and playback are. */
export interface ConsoleConfig {
  /** '' = the console's own origin. */
  apiBase: string;
  /** '' = the console's own origin. */
  playbackBase: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch('/console/config.json', { credentials: 'omit', cache: 'no-store' });
    if (response.ok) {
      const body = (await response.json()) as Partial<ConsoleConfig>;
      return { apiBase: trimSlash(body.apiBase ?? ''), playbackBase: trimSlash(body.playbackBase ?? '') };
    }
  } catch {
    // fall back to same-origin
  }
  return { apiBase: '', playbackBase: '' };
}

function trimSlash(value: string): string {
  return typeof value === 'string' ? value.replace(/\/+$/, '') : '';
}
