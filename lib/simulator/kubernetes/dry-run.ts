// A write asked with `?dryRun=All`, as the real API server takes it: checked and answered like the
// write (RBAC, validation, a stale resourceVersion, a missing object), but nothing is stored, no
// resourceVersion is used up and no watch sees an event (k8s.io/apiserver pkg/registry/generic/registry/
// dryrun.go). `All` is the only value the server knows; any other is refused as its option
// validation words it (k8s.io/apimachinery v0.32.0 pkg/apis/meta/v1/validation/validation.go:
// ValidateDryRun, wrapped in NewInvalid of the verb's options kind by the request handlers).
import { ApiError } from './kube-object';
import type { Verb } from './request-target';

const OPTIONS_KIND: Partial<Record<Verb, string>> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
};

const goQuote = (text: string) => JSON.stringify(text);

/** Whether the write is a dry run; 422 Invalid for a dryRun value other than All. */
export function isDryRun(url: URL, verb: Verb): boolean {
  const values = url.searchParams.getAll('dryRun');
  const kind = OPTIONS_KIND[verb];
  if (values.length === 0 || !kind) return false;
  if (values.every((value) => value === 'All')) return true;
  const body = `Unsupported value: []string{${values.map(goQuote).join(', ')}}: supported values: "All"`;
  throw new ApiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: dryRun: ${body}`, {
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason: 'FieldValueNotSupported', message: body, field: 'dryRun' }],
  });
}
