// s3rver ships no types; only what tests/helpers/s3.ts uses.
declare module 's3rver' {
  import type { Server } from 'node:http';
  export default class S3rver {
    constructor(options: { address?: string; port?: number; silent?: boolean; directory: string; configureBuckets?: { name: string }[] });
    run(): Promise<{ address: string; port: number }>;
    close(callback: (err?: Error) => void): void;
    httpServer: Server;
  }
}
