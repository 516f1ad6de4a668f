import Link from 'next/link';

export default function NodeNotFound() {
  return (
    <section className="space-y-3" data-testid="node-not-found">
      <h1 className="text-2xl font-semibold">Node not found</h1>
      <p className="text-zinc-600 dark:text-zinc-400">
        No node of that name has reported a health event to this datastore.
      </p>
      <Link href="/nodes" className="text-sky-700 hover:underline dark:text-sky-400">
        All nodes
      </Link>
    </section>
  );
}
