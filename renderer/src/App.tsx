import { useEffect, useRef } from 'react';
import { useCall, useInvalidateOn } from './api/hooks';
import { LiveStrip } from './components/LiveStrip';
import { StatusBar } from './components/StatusBar';
import { DeployPage } from './features/deploy/DeployPage';
import { ModelsPage } from './features/models/ModelsPage';
import { OverviewPage } from './features/overview/OverviewPage';
import { PlaygroundPage } from './features/playground/PlaygroundPage';
import { MonitorPage } from './features/monitor/MonitorPage';
import { BenchmarkPage } from './features/benchmark/BenchmarkPage';
import { SettingsPage } from './features/settings/SettingsPage';
import { useConnection } from './stores/connection';
import { PAGES, useNavigation, type Page } from './stores/navigation';

const LABELS: Record<Page, string> = {
  overview: 'Overview',
  deploy: 'Deploy',
  models: 'Models',
  playground: 'Playground',
  monitor: 'Monitor',
  benchmark: 'Benchmark',
  settings: 'Settings',
};

function PageView({ page }: { page: Page }) {
  switch (page) {
    case 'settings':
      return <SettingsPage />;
    case 'overview':
      return <OverviewPage />;
    case 'deploy':
      return <DeployPage />;
    case 'models':
      return <ModelsPage />;
    case 'playground':
      return <PlaygroundPage />;
    case 'monitor':
      return <MonitorPage />;
    case 'benchmark':
      return <BenchmarkPage />;
  }
}

/** Applies the theme setting; "system" follows the OS through prefers-color-scheme in CSS. */
function useTheme() {
  const settings = useCall('settings.get', {}, { enabled: useConnection((s) => s.state === 'open') });
  useInvalidateOn('settings.changed', ['settings.get']);
  const theme = settings.data?.settings.theme ?? 'system';
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
}

function Unauthorized() {
  return (
    <main className="auth-error" role="alert">
      <h1>This page needs its access token</h1>
      <p>
        Open the full link that <code>slm-deck serve</code> printed (it ends in <code>?token=…</code>). Each run of the
        server makes a new token, so links from an earlier run stop working.
      </p>
    </main>
  );
}

export function App() {
  const connection = useConnection((s) => s.state);
  const { page, go } = useNavigation();
  const main = useRef<HTMLElement>(null);
  useTheme();
  // Every page opens at its top; the pane would otherwise keep the last page's scroll position.
  useEffect(() => {
    main.current?.scrollTo(0, 0);
  }, [page]);
  if (connection === 'unauthorized') return <Unauthorized />;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">SLM Deck</div>
        <ul>
          {PAGES.map((p) => (
            <li key={p}>
              <a href={`#/${p}`} aria-current={p === page ? 'page' : undefined} onClick={() => go(p)}>
                {LABELS[p]}
              </a>
            </li>
          ))}
        </ul>
        <LiveStrip />
      </nav>
      <main id="main" className="content" tabIndex={-1} ref={main}>
        <PageView page={page} />
      </main>
      <StatusBar />
    </div>
  );
}
