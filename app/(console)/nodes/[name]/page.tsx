import { notFound } from 'next/navigation';
import { appContext } from '@/lib/server/app-context';

import { parseNodeRange, readNodeDetail } from '@/lib/queries/node-detail';
import { requirePageActor } from '@/lib/server/auth';

import { NodeClient } from './client';

export const dynamic = 'force-dynamic';

export default async function NodePage({
  params,
  searchParams,
}: {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor();
  const { name: encoded } = await params;
  const name = decodeURIComponent(encoded);
  const range = parseNodeRange((await searchParams).range);
  const detail = await readNodeDetail(appContext(), name, range);
  if (!detail) notFound();
  return <NodeClient initial={detail} />;
}
