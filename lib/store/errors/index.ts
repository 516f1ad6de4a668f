export { StoreError } from './store-error';
export { ValidationError } from './validation-error';

/** Codes of StoreError a program may branch on. */
export type StoreErrorCode =
  | 'invalid'
  | 'config'
  | 'unreachable'
  | 'auth'
  | 'no-database'
  | 'connect'
  | 'closed'
  | 'not-found'
  | 'unknown-consumer'
  | 'feed-in-use'
  | 'ack-unknown-position'
  | 'position-lost'
  | 'schema-newer'
  | 'schema-failed'
  | 'schema-apply'
  | 'migrations';
