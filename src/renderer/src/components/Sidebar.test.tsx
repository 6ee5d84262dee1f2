import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PAGES } from '../routes';
import { Sidebar } from './Sidebar';

function linksIn(html: string, group: string): string[] {
  const start = html.indexOf(`data-testid="nav-${group}"`);
  const end = html.indexOf('</ul>', start);
  return [...html.slice(start, end).matchAll(/<a [^>]*>([^<]*)<\/a>/g)].map((m) => m[1] ?? '');
}

describe('Sidebar', () => {
  it('lists the everyday pages first, then the advanced ones, each list named by its group title', () => {
    const html = renderToStaticMarkup(<Sidebar page="wallet" />);
    expect(linksIn(html, 'everyday')).toEqual(['Dashboard', 'Sharing', 'Activity', 'Wallet']);
    expect(linksIn(html, 'advanced')).toEqual([
      'Marketplace',
      'Jobs',
      'Memory proxy',
      'Assets',
      'Network',
      'Certificates',
      'Logs',
      'Settings',
    ]);
    expect(html).toContain('<ul aria-labelledby="nav-title-advanced">');
    expect(html).toMatch(/id="nav-title-advanced">Advanced</);
    expect(html).toMatch(/<a href="#\/wallet" aria-current="page">/);
  });

  it('has a link for every page, each once', () => {
    const html = renderToStaticMarkup(<Sidebar page="dashboard" />);
    for (const page of PAGES) expect(html.split(`href="#/${page.id}"`)).toHaveLength(2);
  });
});
