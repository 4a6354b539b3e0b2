/**
 * Routes node-media-server's process-wide events to the RTMP listener whose port accepted the connection.
 * node-media-server (v4) keeps one context per process (config, event emitter, sessions): without this the
 * listener started last would handle every publish in the process, and the first one stopped would drop the
 * handlers and sockets of all of them — two ingest apps in one process (the cloud integration tests, a
 * primary and a backup ingest on one machine) would serve each other's publishers.
 * Must never: hand a session to a listener other than the one on its local port, or touch another
 * listener's sessions.
 */
import { nmsContext, type NmsSession } from './nms';

export interface NmsListener {
  prePublish(session: NmsSession): void;
  prePlay(session: NmsSession): void;
}

const listeners = new Map<number, NmsListener>();
let installed = false;

/** Routes the sessions accepted on `port` to `listener` until the returned function is called. */
export function listenOnNms(port: number, listener: NmsListener): () => void {
  install();
  listeners.set(port, listener);
  return () => {
    if (listeners.get(port) === listener) listeners.delete(port);
  };
}

/** The sessions node-media-server holds for connections accepted on `port`. */
export function nmsSessionsOn(port: number): NmsSession[] {
  return [...nmsContext.sessions.values()].filter((session) => session.socket?.localPort === port);
}

function install(): void {
  if (installed) return;
  installed = true;
  nmsContext.eventEmitter.on('prePublish', (session: NmsSession) => listenerFor(session)?.prePublish(session));
  nmsContext.eventEmitter.on('prePlay', (session: NmsSession) => listenerFor(session)?.prePlay(session));
}

function listenerFor(session: NmsSession): NmsListener | undefined {
  const port = session.socket?.localPort;
  const listener = port === undefined ? undefined : listeners.get(port);
  if (listener) return listener;
  // A session on no known port (its socket already gone): nobody may admit it.
  session.close();
  return undefined;
}
