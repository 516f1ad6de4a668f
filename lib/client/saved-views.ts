'use client';
// The browser's side of named views: the list (React Query, key ['views']) and the changes, posted
// to /api/views... with a fresh idempotency key each, answered with the route's message or error.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import type { SavedViewRow } from '@/lib/queries/saved-views-view';

import { fetchJson } from './fetch-json';
import { newIdempotencyKey } from './idempotency-key';

export const VIEWS_QUERY_KEY = ['views'] as const;

export function useSavedViews(options: { initial?: SavedViewRow[] | null; enabled?: boolean } = {}) {
  return useQuery({
    queryKey: VIEWS_QUERY_KEY,
    queryFn: async () => (await fetchJson<{ views: SavedViewRow[] }>('/api/views')).views,
    initialData: options.initial ?? undefined,
    enabled: options.enabled ?? true,
  });
}

export type ViewAnswer = { ok: boolean; text: string };

async function postChange(url: string, body: unknown, method: 'POST' | 'DELETE'): Promise<ViewAnswer> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'idempotency-key': newIdempotencyKey() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => null)) as { ok?: boolean; message?: string; error?: string } | null;
  if (!answer) return { ok: false, text: `${url} answered HTTP ${response.status}` };
  return { ok: answer.ok === true, text: answer.ok ? (answer.message ?? 'done') : (answer.error ?? 'failed') };
}

/** Runs one change at a time, keeps its answer for the page to show, and refreshes the list after it. */
export function useViewChange() {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [answer, setAnswer] = useState<ViewAnswer | null>(null);
  const run = async (url: string, body: unknown, method: 'POST' | 'DELETE' = 'POST'): Promise<boolean> => {
    setPending(true);
    try {
      const result = await postChange(url, body, method);
      setAnswer(result);
      return result.ok;
    } catch (error) {
      setAnswer({ ok: false, text: (error as Error).message });
      return false;
    } finally {
      setPending(false);
      await queryClient.invalidateQueries({ queryKey: VIEWS_QUERY_KEY });
    }
  };
  return { pending, answer, setAnswer, run };
}
