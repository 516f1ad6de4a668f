import Link from 'next/link';

export default function ViewNotFound() {
  return (
    <section className="space-y-3" data-testid="view-not-found">
      <h1 className="text-2xl font-semibold">View not found</h1>
      <p className="text-zinc-600 dark:text-zinc-400">
        No view has this link, or its owner deleted it or keeps it private. Ask them to share it.
      </p>
      <Link href="/views" className="text-sky-700 hover:underline dark:text-sky-400">
        Your views
      </Link>
    </section>
  );
}
