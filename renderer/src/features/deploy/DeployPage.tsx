import { useEffect, useState } from 'react';
import type { Backend, DeploymentConfig } from '../../../../electron/shared/contract/deploy-config';
import { useBackends, type Backends } from '../../api/backends';
import { call, type DeckClientError } from '../../api/client';
import { useCall } from '../../api/hooks';
import { useDeployDraft } from '../../stores/deploy-draft';
import { useTask } from '../../stores/tasks';
import { BackendCards } from './BackendCards';
import { CodeDialog } from './CodeDialog';
import { ConfigForm } from './ConfigForm';
import { DeploymentsList } from './DeploymentsList';
import { DeployProgress } from './DeployProgress';
import { DockerStatusCard } from './DockerStatusCard';
import { EmbeddedCard } from './embedded/EmbeddedCard';
import { formFromConfig, formToInput, type FormState } from './form-model';
import { LogsPanel } from './LogsPanel';

type Dialog = { title: string; text: string; fileName: string };

/** The config a backend card starts from: the draft, the recommendation or the planner's config for that backend, else the seed's settings. */
function configFor(backends: Backends, backend: Backend, candidates: Array<DeploymentConfig | undefined>, bindHost: string): DeploymentConfig | null {
  return candidates.find((c) => c?.backend === backend) ?? backends.defaults(backend, bindHost);
}

export function DeployPage() {
  const settings = useCall('settings.get', {});
  const backends = useBackends();
  const plan = useCall('hardware.plan', {}, { retry: false });
  const { draft } = useDeployDraft();
  const [form, setForm] = useState<FormState | null>(null);
  const [formFor, setFormFor] = useState<number | null>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [error, setError] = useState<DeckClientError | null>(null);
  const [busy, setBusy] = useState(false);
  const [logsFor, setLogsFor] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);

  const bindHost = settings.data?.settings.bindHost ?? '127.0.0.1';
  const recommended = plan.data?.recommendation.config;
  const ready = settings.data !== undefined && backends.list.length > 0 && (plan.data !== undefined || plan.error !== null);

  // Prefill once the plan is known, and again whenever the Overview hands over a new draft.
  useEffect(() => {
    if (!ready) return;
    const stamp = draft?.createdAt ?? 0;
    if (form && formFor === stamp) return;
    const start = draft?.config ?? recommended;
    // An in-app recommendation (the embedded engine) starts the Docker form on the first Docker backend.
    const backend = start && backends.info(start.backend)?.runsIn === 'docker' ? start.backend : backends.list.find((b) => b.runsIn === 'docker')!.id;
    const config = configFor(backends, backend, [draft?.config, recommended, ...(plan.data?.configs ?? [])], bindHost);
    if (config) setForm(formFromConfig(config));
    setFormFor(stamp);
  }, [ready, draft, recommended, bindHost, form, formFor, backends]);

  const selectBackend = (b: Backend) => {
    if (form?.backend === b) return;
    const config = configFor(backends, b, [draft?.config, recommended, ...(plan.data?.configs ?? [])], bindHost);
    if (!config) return;
    setError(null);
    setForm(formFromConfig(config));
  };
  const info = form ? backends.info(form.backend) : undefined;

  // A reload keeps showing the deployment in progress.
  const task = useTask(taskId, 'docker.deploy');

  const deploy = async () => {
    if (!form || !info) return;
    setBusy(true);
    setError(null);
    try {
      const { taskId: id } = await call('docker.deploy', formToInput(form, info!));
      setTaskId(id);
    } catch (e) {
      setError(e as DeckClientError);
    } finally {
      setBusy(false);
    }
  };
  const preview = async (what: 'options' | 'compose' | 'kube') => {
    if (!form || !info) return;
    setError(null);
    try {
      const p = await call('docker.preview', formToInput(form, info!));
      setDialog(
        what === 'compose'
          ? { title: 'docker-compose.yml', text: p.compose, fileName: 'docker-compose.yml' }
          : what === 'kube'
            ? { title: 'Kubernetes YAML', text: p.kube, fileName: `slm-deck-${p.spec.name}.yaml` }
            : {
              title: 'Container create options',
              text: JSON.stringify(
                p.spec.containers.map((c) => c.create),
                null,
                2,
              ) + (p.spec.warnings.length ? `\n\n// ${p.spec.warnings.join('\n// ')}` : ''),
              fileName: `${p.spec.name}-create-options.json`,
            },
      );
    } catch (e) {
      setError(e as DeckClientError);
    }
  };
  const kubeOf = async (name: string) => {
    try {
      const { yaml } = await call('docker.kube', { name });
      setDialog({ title: `Kubernetes YAML · ${name}`, text: yaml, fileName: `slm-deck-${name}.yaml` });
    } catch (e) {
      setError(e as DeckClientError);
    }
  };
  const composeOf = async (name: string) => {
    try {
      const { yaml } = await call('docker.compose', { name });
      setDialog({ title: `docker-compose.yml · ${name}`, text: yaml, fileName: 'docker-compose.yml' });
    } catch (e) {
      setError(e as DeckClientError);
    }
  };

  return (
    <section className="page deploy" aria-labelledby="deploy-title">
      <h1 id="deploy-title">Deploy</h1>
      <DockerStatusCard />
      <EmbeddedCard />
      {draft && backends.info(draft.config.backend)?.runsIn === 'docker' && (
        <p className="muted" data-testid="draft-origin">
          Prefilled from: {draft.origin}
        </p>
      )}
      {draft && backends.info(draft.config.backend)?.runsIn === 'app' && (
        <div className="warning-box" role="status">
          The recommendation ({draft.origin}) is the {backends.label(draft.config.backend)}, which runs inside SLM Deck without Docker; the
          Docker backends below are the alternatives.
        </div>
      )}
      {form && info ? (
        <>
          <BackendCards backends={backends.list} selected={form.backend} onSelect={selectBackend} />
          <ConfigForm
            form={form}
            info={info}
            onChange={(f) => {
              setForm(f);
              if (error?.info.code === 'invalid_input') setError(null);
            }}
            onDeploy={deploy}
            onPreview={() => void preview('options')}
            onCompose={() => void preview('compose')}
            onKube={() => void preview('kube')}
            busy={busy || task?.state === 'running'}
            error={error}
          />
        </>
      ) : (
        <p aria-busy="true">Loading the plan for this machine…</p>
      )}
      {task && <DeployProgress task={task} />}
      <DeploymentsList onLogs={setLogsFor} onCompose={(n) => void composeOf(n)} onKube={(n) => void kubeOf(n)} />
      {logsFor && <LogsPanel name={logsFor} onClose={() => setLogsFor(null)} />}
      {dialog && <CodeDialog {...dialog} onClose={() => setDialog(null)} />}
    </section>
  );
}
