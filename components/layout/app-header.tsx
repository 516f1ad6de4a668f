import Link from 'next/link';

const sections = [
  { href: '/', label: 'Overview' },
];

export function AppHeader() {
  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="mx-auto flex max-w-7xl items-center gap-6 px-4 py-3">
        <Link href="/" className="font-semibold tracking-tight">
          Sentinel Console
        </Link>
        <nav aria-label="Main" className="flex gap-4 text-sm">
          {sections.map((section) => (
            <Link key={section.href} href={section.href} className="text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100">
              {section.label}
            </Link>
          ))}
        </nav>
      </div>
    </header>
  );
}
