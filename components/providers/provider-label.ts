const PROVIDER_LABELS: Record<string, string> = { postgresql: 'PostgreSQL', mongodb: 'MongoDB' };

/** A provider's name as people write it. */
export function providerLabel(provider: string): string {
  return PROVIDER_LABELS[provider] ?? provider;
}
