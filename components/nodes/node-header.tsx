'use client';
// The node page's header: its name and state, then in words why it is held (the check, XID and
// GPU that opened the quarantine, the recommended action; or who quarantined it by hand and why),
// the pipeline's step and how it went, and what happens next (lib/queries/node-headline.ts).
import Link from 'next/link';
import { Fragment, type ReactNode } from 'react';

import { RelativeTime } from '@/components/ui/relative-time';
import type { NodeView } from '@/lib/node-state/node-view';
import type { FaultCause, HeadlineEntity, NodeHeadline } from '@/lib/queries/node-headline-view';
import type { WhyTone } from '@/lib/queries/node-why-view';

import { StateBadge } from './state-badge';

const STEP_TONE: Record<WhyTone, string> = {
  bad: 'text-red-700 dark:text-red-300',
  warn: 'text-amber-800 dark:text-amber-200',
  info: 'text-zinc-800 dark:text-zinc-200',
  ok: 'text-emerald-800 dark:text-emerald-300',
};
const chip = 'rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100';
const label = 'mr-1.5 text-xs font-medium tracking-wide text-zinc-600 uppercase dark:text-zinc-400';

const entityText = (entity: HeadlineEntity) => `${entity.entityType} ${entity.entityValue}`;

function FaultCauseLine({ cause }: { cause: FaultCause }) {
  // The GPUs stand out; what else the event names (PCI address, UUID, NVLink…) follows in brackets.
  const gpus = cause.entities.filter((entity) => entity.entityType === 'GPU');
  const named = gpus.length > 0 ? gpus : cause.entities.slice(0, 1);
  const others = cause.entities.filter((entity) => !named.includes(entity));
  return (
    <>
      <span className="font-medium">
        {cause.fatal ? 'Fatal ' : ''}
        {cause.checkName}
      </span>
      {cause.xids.map((xid) => (
        <Fragment key={xid}>
          {' '}
          <span className={chip} data-testid="node-cause-xid">
            XID {xid}
          </span>
        </Fragment>
      ))}
      {named.length > 0 ? ' on' : null}
      {named.map((entity, index) => (
        <Fragment key={entityText(entity)}>
          {index > 0 ? ',' : ''}{' '}
          <span className={chip} data-testid="node-cause-entity">
            {entityText(entity)}
          </span>
        </Fragment>
      ))}
      {others.length > 0 ? (
        <>
          {' '}
          <span className="text-xs break-all text-zinc-600 dark:text-zinc-400">
            ({others.map(entityText).join(', ')})
          </span>
        </>
      ) : null}{' '}
      · recommended action <span className="font-medium">{cause.action}</span>
      {cause.agent ? <span className="text-zinc-600 dark:text-zinc-400"> · from {cause.agent}</span> : null}
    </>
  );
}

function Line({
  name,
  children,
  testId,
  data,
}: {
  name: string;
  children: ReactNode;
  testId: string;
  data?: Record<`data-${string}`, string>;
}) {
  return (
    <p className="text-sm leading-7 break-words" data-testid={testId} {...data}>
      <span className={label}>{name}</span> {children}
    </p>
  );
}

export function NodeHeader({
  name,
  view,
  headline,
  action,
}: {
  name: string;
  view: NodeView | null;
  headline: NodeHeadline;
  /** The action button, when the viewer may act. */
  action: ReactNode;
}) {
  const { cause, step, next } = headline;
  return (
    <div className="flex flex-wrap items-start gap-4" data-testid="node-header">
      <div className="min-w-0 flex-1 space-y-1.5">
        <p className="text-sm">
          <Link href="/nodes" className="text-sky-700 hover:underline dark:text-sky-400">
            Nodes
          </Link>
        </p>
        <h1 className="font-mono text-2xl font-semibold break-all" data-testid="node-name">
          {name}
        </h1>
        <div
          className="flex flex-wrap items-center gap-3 text-sm text-zinc-600 dark:text-zinc-400"
          data-testid="node-state"
          data-state={view?.state}
        >
          {view ? <StateBadge state={view.state} /> : <span>No state yet</span>}
          {view ? (
            <span>
              since <RelativeTime at={view.stateSince} />
            </span>
          ) : null}
        </div>
        {cause ? (
          <Line name="Cause" testId="node-session" data={{ 'data-kind': cause.kind }}>
            {cause.kind === 'manual' ? (
              <span>{`Quarantined by ${cause.actor ?? 'an operator'} by hand: “${cause.reason}”`}</span>
            ) : (
              <FaultCauseLine cause={cause} />
            )}
          </Line>
        ) : null}
        {step ? (
          <Line name="Pipeline" testId="node-step" data={{ 'data-state': step.state, 'data-tone': step.tone }}>
            <span className={`font-medium ${STEP_TONE[step.tone]}`}>{step.text}</span>
          </Line>
        ) : null}
        {next ? (
          <p className="text-sm font-medium text-zinc-900 dark:text-zinc-100" data-testid="node-next">
            {next}
          </p>
        ) : null}
      </div>
      {action ? <div className="ml-auto">{action}</div> : null}
    </div>
  );
}
