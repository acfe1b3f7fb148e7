/**
 * The transport floor: a bare uWebSockets.js server that sends every frame straight back (text as
 * text, binary as binary). Same library, same loopback, same clients as the engine's gateway — the
 * difference between the two is what the engine costs. Run as its own process by the harness:
 * prints "listening on ws://127.0.0.1:<port>/ws" and exits on SIGTERM/SIGINT or when stdin closes.
 */
import uWS from 'uWebSockets.js';

const app = uWS.App();
app.ws('/ws', {
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 64 * 1024 * 1024,
  idleTimeout: 120,
  message: (ws, message, isBinary) => {
    ws.send(message, isBinary);
  },
});
app.listen('127.0.0.1', Number(process.env.PORT ?? 0), (token) => {
  if (!token) {
    process.stderr.write('echo server: could not listen\n');
    process.exit(3);
  }
  process.stdout.write(`listening on ws://127.0.0.1:${uWS.us_socket_local_port(token)}/ws\n`);
  const stop = (): void => {
    uWS.us_listen_socket_close(token);
    app.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
});
