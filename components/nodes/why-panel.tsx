// "Why is this node in this state?": the chain lib/queries/node-why.ts builds, read top down: what
// holds the node now (traps, then what would release it), then the pipeline's steps newest first,
// down to the event that opened the session.
import type { WhyChain, WhyLink, WhyTone } from '@/lib/queries/node-why-view';

import { Panel } from '@/components/ui/panel';
import { LocalTime } from '@/components/ui/relative-time';

const MARKER: Record<WhyTone, string> = {
  bad: 'bg-red-600 dark:bg-red-500',
  warn: 'bg-amber-500 dark:bg-amber-400',
  info: 'bg-sky-600 dark:bg-sky-400',
  ok: 'bg-emerald-600 dark:bg-emerald-400',
};
const TITLE: Record<WhyTone, string> = {
  bad: 'text-red-800 dark:text-red-300',
  warn: 'text-amber-900 dark:text-amber-200',
  info: 'text-zinc-900 dark:text-zinc-100',
  ok: 'text-zinc-900 dark:text-zinc-100',
};
/** Said to screen readers before the title, since the colour alone says it to the eye. */
const TONE_WORD: Record<WhyTone, string> = { bad: 'Problem', warn: 'Attention', info: 'Step', ok: 'Done' };

function Link({ link }: { link: WhyLink }) {
  return (
    <li
      className="relative flex gap-3 pb-3 last:pb-0"
      data-testid="why-link"
      data-link-id={link.id}
      data-kind={link.kind}
      data-tone={link.tone}
    >
      <span aria-hidden="true" className={`mt-1.5 h-2.5 w-2.5 shrink-0 rounded-full ${MARKER[link.tone]}`} />
      <div className="min-w-0">
        <p className={`text-sm font-medium break-words ${TITLE[link.tone]}`}>
          <span className="sr-only">{TONE_WORD[link.tone]}: </span>
          {link.title}
        </p>
        {link.detail ? <p className="text-sm break-words text-zinc-600 dark:text-zinc-400">{link.detail}</p> : null}
        {link.at ? (
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            <LocalTime at={link.at} />
          </p>
        ) : null}
      </div>
    </li>
  );
}

export function WhyPanel({ why }: { why: WhyChain }) {
  return (
    <Panel title="Why" testId="why-panel">
      <p className="mb-3 text-sm font-semibold" data-testid="why-summary">
        {why.summary}
      </p>
      {why.links.length > 0 ? (
        <ol className="border-l border-zinc-200 pl-3 dark:border-zinc-800">
          {why.links.map((link) => (
            <Link key={link.id} link={link} />
          ))}
        </ol>
      ) : null}
    </Panel>
  );
}
