import { ValidationError } from '../errors/validation-error';

/** NVSentinel's client names (fault-quarantine, node-drainer, …): lowercase words and dashes. */
const CONSUMER_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export function assertConsumerName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !CONSUMER_NAME.test(name)) {
    throw new ValidationError(
      'consumer',
      `must be 1-100 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit (got ${JSON.stringify(name)?.slice(0, 60)})`,
    );
  }
}
