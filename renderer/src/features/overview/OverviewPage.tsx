import { keepPreviousData, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useCall, useInvalidateOn } from '../../api/hooks';
import { call } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import type { DeckClientError } from '../../api/client';
import { useConnection } from '../../stores/connection';
import { FitTable } from './FitTable';
import { HardwareCards } from './HardwareCards';
import { RecommendationCard } from './RecommendationCard';

const DEFAULT_CONTEXT = 4096;

export function OverviewPage() {
  const qc = useQueryClient();
  const [context, setContext] = useState(DEFAULT_CONTEXT);
  const [parallel, setParallel] = useState(1);
  const [refreshing, setRefreshing] = useState(false);
  const [refreshError, setRefreshError] = useState<DeckClientError | null>(null);
  // The Overview is the landing page: wait for the connection rather than fail before it opens.
  const enabled = useConnection((s) => s.state === 'open');
  const profile = useCall('hardware.profile', {}, { enabled });
  // A new Docker endpoint or Ollama URL changes what is detected.
  useInvalidateOn('settings.changed', ['hardware.profile', 'hardware.plan']);
  // The recommendation follows the seed's tiers on its own; the table follows the controls.
  const plan = useCall('hardware.plan', {}, { enabled });
  const table = useCall('hardware.plan', { context, parallel }, { enabled, placeholderData: keepPreviousData });

  const refresh = async () => {
    setRefreshing(true);
    setRefreshError(null);
    try {
      await call('hardware.profile', { refresh: true });
      await Promise.all([qc.invalidateQueries({ queryKey: ['hardware.profile'] }), qc.invalidateQueries({ queryKey: ['hardware.plan'] })]);
    } catch (e) {
      setRefreshError(e as DeckClientError);
    } finally {
      setRefreshing(false);
    }
  };

  return (
    <section className="page overview" aria-labelledby="overview-title">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <button type="button" onClick={refresh} disabled={refreshing}>
          {refreshing ? 'Detecting…' : 'Detect again'}
        </button>
      </div>
      <ErrorBox error={refreshError} title="Detection failed" />
      {profile.error && <ErrorBox error={profile.error} title="Could not detect this machine" />}
      {!profile.data && !profile.error && <p aria-busy="true">Detecting hardware, Docker and Ollama…</p>}
      {profile.data && <HardwareCards profile={profile.data} />}
      {plan.error && <ErrorBox error={plan.error} title="Could not plan a deployment" />}
      {plan.data && <RecommendationCard r={plan.data.recommendation} />}
      {table.error && <ErrorBox error={table.error} title="Could not compute the fit table" />}
      {table.data && (
        <FitTable
          rows={table.data.rows}
          context={context}
          parallel={parallel}
          maxContext={table.data.model.maxContext}
          onContext={setContext}
          onParallel={setParallel}
          updating={table.isPlaceholderData}
        />
      )}
    </section>
  );
}
