import { StoreError } from './store-error';

/** Input the store refuses, naming the field (`events[3].nodeName`). Nothing was written. */
export class ValidationError extends StoreError {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super('invalid', `${field}: ${problem}`);
  }
}
