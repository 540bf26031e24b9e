import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/**
 * A real S3-protocol server on loopback (s3rver keeps objects in a directory), for the object storage tests:
 * the SDK talks HTTP to it exactly as to AWS, signatures included. Credentials S3RVER / S3RVER.
 */
export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** where s3rver keeps objects and the parts of unfinished uploads */
  readonly directory: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
  /** start again on the same port and directory (after a fault test stopped it) */
  restart(): Promise<void>;
}

export async function startS3(bucket = 'pgsnap-test'): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'pgsnap-s3-'));
  let server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // the SDK keeps connections alive: end them, or close waits for them (and "stopped" would still answer)
  const close = (s: S3rver) =>
    new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.httpServer.closeAllConnections();
    });
  return {
    endpoint,
    bucket,
    directory,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint },
    async stop() {
      await close(server);
    },
    async restart() {
      server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: bucket }] });
      await server.run();
    },
  };
}

/**
 * Put the server's credentials and endpoint into process.env (the SDK's credential chain reads it, as under
 * cron); returns the function that puts the previous values back.
 */
export function useS3Env(s3: TestS3): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(s3.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
