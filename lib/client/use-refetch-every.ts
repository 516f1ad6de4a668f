'use client';
// Refetches a query on a fixed period even while the live stream keeps writing into it.
// React Query's own refetchInterval restarts its timer on every cache update, so on a query that
// the stream updates more often than the interval it never fires.
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect } from 'react';

export function useRefetchEvery(queryKey: QueryKey, ms: number): void {
  const client = useQueryClient();
  const key = JSON.stringify(queryKey);
  useEffect(() => {
    const timer = setInterval(
      () => void client.refetchQueries({ queryKey: JSON.parse(key) as QueryKey, exact: true, type: 'active' }),
      ms,
    );
    return () => clearInterval(timer);
  }, [client, key, ms]);
}
