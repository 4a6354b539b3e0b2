/**
 * Closes an HTTP connection whose request body is still arriving without losing the answer written to
 * it, as nginx's `lingering_close` does. Closing a socket that still has unread bytes in its receive
 * buffer makes the kernel send a reset, and a reset can throw away the response the client has not read
 * yet: a client still sending a refused upload sees `EPIPE` / `ECONNRESET` instead of the 413. So the
 * response is finished, our side half-closed (FIN), what the client still sends is read and discarded
 * for up to `lingerMs`, and only then is the socket closed.
 * Must never: keep the socket past `lingerMs`, or keep what it discards.
 */
import type { Socket } from 'node:net';

export const DEFAULT_LINGER_MS = 2_000;

/**
 * Makes the socket's next `destroySoon()` a lingering close. Node's HTTP server calls `destroySoon()`
 * itself once a `connection: close` response has finished, so replacing it on this one socket is the
 * only hook that runs at the right moment (after the answer is flushed, before the close).
 */
export function lingerOnClose(socket: Socket, lingerMs = DEFAULT_LINGER_MS): void {
  let lingering = false;
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    if (lingering) return;
    lingering = true;
    const close = () => this.destroy();
    const timer = setTimeout(close, lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', close);
    this.on('data', () => {}); // discard; a paused socket would leave the bytes unread
    this.resume();
    if (this.writable) this.end();
  };
}
