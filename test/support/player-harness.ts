/**
 * The set-up every browser e2e file shares: a test plane, a site serving the file's player page (a
 * different origin from the plane, so playback relies on the origin's CORS) and Debian's Chromium, made in
 * a `before` hook and stopped in an `after` hook together with every publisher the file started.
 * Call it at the top of a `describe`; read the parts inside tests only.
 */
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { stopAll } from './ffmpeg';
import { startTestPlane, type TestPlane } from './plane';
import { startPlayerSite, type PlayerSite } from './player-site';

export interface PlayerHarness {
  readonly plane: TestPlane;
  readonly site: PlayerSite;
  readonly browser: Browser;
}

export function usePlayerHarness(page: string, planeOptions: Parameters<typeof startTestPlane>[0] = {}): PlayerHarness {
  let plane: TestPlane | undefined;
  let site: PlayerSite | undefined;
  let browser: Browser | undefined;
  before(async () => {
    plane = await startTestPlane(planeOptions);
    site = await startPlayerSite(page);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stopAll();
    await site?.close();
    await plane?.stop();
  });
  const ready = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) throw new Error(`player harness: ${name} is not started (read it inside a test)`);
    return part;
  };
  return {
    get plane() {
      return ready(plane, 'the plane');
    },
    get site() {
      return ready(site, 'the player site');
    },
    get browser() {
      return ready(browser, 'Chromium');
    },
  };
}
