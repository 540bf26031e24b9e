export * from './client.js';
export * from './connection.js';
export { mapPgError } from './errors.js';
