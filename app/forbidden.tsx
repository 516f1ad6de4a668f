import Link from 'next/link';

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-lg font-semibold">Not allowed</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Your role does not include this page. An admin can change your role.
      </p>
      <Link href="/" className="mt-4 inline-block text-sm text-sky-700 underline dark:text-sky-400">
        Back to the overview
      </Link>
    </main>
  );
}
