'use client';
// Light / dark theme, remembered in localStorage; the first paint follows the system setting
// until the user chooses (applied by the inline script in the root layout, so nothing flashes).
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
      className="rounded px-2 py-1 text-xs text-zinc-600 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
    >
      {dark ? 'Light theme' : 'Dark theme'}
    </button>
  );
}
