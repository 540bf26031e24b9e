import { Readable } from 'node:stream';
import { CopyDataFramer } from './copy-frames.js';
import { internalError } from '../errors.js';

/**
 * COPY … TO STDOUT as a Readable of the rows' bytes, for `client.query(new CopyOut(sql))`. It takes the socket over
 * from pg for the length of copy mode, as pg-copy-streams' `to` does (same hand-over to pg and back: pg's 'data'
 * listener is removed, the socket is read in paused mode so that the server waits when we do, and the listener
 * is put back with the bytes after copy mode), but cuts the payloads out with `CopyDataFramer`: one Buffer per
 * socket read, without a Buffer per row.
 */

interface PgConnection {
  readonly stream: import('node:stream').Readable;
  query(text: string): void;
}

type DataHandler = (chunk: Buffer) => void;

export class CopyOut extends Readable {
  rowCount = 0;
  private readonly framer = new CopyDataFramer();
  private connection: PgConnection | null = null;
  private pgDataHandler: DataHandler | null = null;
  private wanted = false;
  private forwarding = false;
  private finished = false;
  private readonly onReadable = () => this.forward();

  constructor(private readonly text: string) {
    super();
  }

  /** called by pg's Client.query */
  submit(connection: PgConnection): void {
    this.connection = connection;
    const stream = connection.stream;
    const listeners = stream.listeners('data') as DataHandler[];
    if (listeners.length !== 1) throw internalError(`COPY: the connection has ${listeners.length} data listeners, not 1`);
    this.pgDataHandler = listeners[0] as DataHandler;
    stream.removeListener('data', this.pgDataHandler);
    stream.pause();
    stream.on('readable', this.onReadable);
    connection.query(this.text);
    this.forward();
  }

  override _read(): void {
    this.wanted = true;
    this.forward();
  }

  private forward(): void {
    if (this.forwarding || !this.wanted || this.finished || this.connection === null) return;
    this.forwarding = true;
    const stream = this.connection.stream;
    while (this.wanted && !this.finished) {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) break;
      const framed = this.framer.feed(chunk);
      if (framed.rest !== null) {
        this.finished = true;
        if (framed.data.length > 0) this.push(framed.data);
        this.detach(framed.rest);
        // on an ErrorResponse pg parses it and calls handleError, which fails this stream
        if (!framed.failed) this.push(null);
      } else if (framed.data.length > 0) {
        this.wanted = this.push(framed.data);
      }
    }
    this.forwarding = false;
  }

  /** give the socket back to pg, with the bytes after copy mode */
  private detach(rest: Buffer): void {
    const connection = this.connection as PgConnection;
    const handler = this.pgDataHandler as DataHandler;
    const stream = connection.stream;
    stream.removeListener('readable', this.onReadable);
    stream.addListener('data', handler);
    handler(rest);
    // the data handler may have paused the socket (pg's backpressure): resume once it has returned
    process.nextTick(() => stream.resume());
  }

  /** pg: an ErrorResponse (or a lost connection) during the COPY */
  handleError(e: Error): void {
    this.destroy(e);
  }

  handleCommandComplete(msg: { text?: string } | undefined): void {
    const match = /COPY (\d+)/.exec(msg?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {}
}
