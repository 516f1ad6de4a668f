'use client';
// Light / dark theme, remembered in localStorage; the first paint follows the system setting
// until the user chooses (applied by the inline script in the root layout, so nothing flashes).
// On a wide screen it is an icon (its name stays in aria-label and title): the header is one row.
import { useSyncExternalStore } from 'react';

const subscribe = (notify: () => void) => {
  const observer = new MutationObserver(notify);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
};

export function ThemeToggle() {
  const dark = useSyncExternalStore(
    subscribe,
    () => document.documentElement.classList.contains('dark'),
    () => false,
  );
  const toggle = () => {
    const next = !dark;
    document.documentElement.classList.toggle('dark', next);
    localStorage.setItem('theme', next ? 'dark' : 'light');
  };
  return (
    <button
      type="button"
      onClick={toggle}
      aria-label={dark ? 'Use the light theme' : 'Use the dark theme'}
      title={dark ? 'Light theme' : 'Dark theme'}
      className="rounded px-2 py-1 text-xs text-zinc-600 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 lg:px-1.5 dark:text-zinc-300 dark:hover:bg-zinc-800"
    >
      {/* A sun or a moon in the wide header's one row, which has no room for the words. */}
      <svg
        aria-hidden
        viewBox="0 0 16 16"
        className="hidden h-4 w-4 lg:block"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
      >
        {dark ? (
          <path d="M8 4.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM8 1v1.5M8 13.5V15M1 8h1.5M13.5 8H15M3 3l1 1M12 12l1 1M3 13l1-1M12 4l1-1" />
        ) : (
          <path d="M13.5 10A6 6 0 0 1 6 2.5a6 6 0 1 0 7.5 7.5z" />
        )}
      </svg>
      <span className="lg:hidden">{dark ? 'Light theme' : 'Dark theme'}</span>
    </button>
  );
}
