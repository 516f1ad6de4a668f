import { forbidden, notFound, redirect } from 'next/navigation';

import { openSavedView } from '@/lib/queries/saved-views';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** A view's stable link: its page with its filter, for its owner, or anyone once shared (and admins). */
export default async function OpenViewPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageActor();
  const opening = await openSavedView(appContext(), actor, (await params).id);
  if (opening.kind === 'not-found') notFound();
  if (opening.kind === 'forbidden') forbidden();
  redirect(opening.href);
}
