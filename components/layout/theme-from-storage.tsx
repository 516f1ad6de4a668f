'use client';
// The theme for a document React renders in the browser from scratch: a page that ends in
// forbidden() or notFound() before its shell (the Not allowed and Node not found pages) arrives as
// Next's error shell without the root layout's before-paint script, and a script React inserts
// later never runs, so those pages stayed light whatever the user chose. Same rule as that script:
// the stored choice, else the system's setting.
import { useEffect } from 'react';

export function ThemeFromStorage() {
  useEffect(() => {
    let dark: boolean;
    try {
      const stored = localStorage.getItem('theme');
      dark = stored === 'dark' || (!stored && matchMedia('(prefers-color-scheme: dark)').matches);
    } catch {
      return;
    }
    document.documentElement.classList.toggle('dark', dark);
  }, []);
  return null;
}
