import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import type { CleanupJob, CleanupPreview, CleanupRun, CurrentCleanupJob } from '../../api/types.js';
import { bytes, count, localTime } from '../../lib/format.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { JsonView } from '../../ui/json-view.js';
import { ErrorState, Loading, Notice } from '../../ui/states.js';
import { CategoryBadge, CategoryTable } from './cleanup-categories.js';
import { CleanupLogs } from './cleanup-logs.js';

const POLL_MS = 1000;

/**
 * Redis cleanup: preview what is stale (changes nothing), run it as a job whose progress shows
 * live (closing the page does not stop it), and the log of past runs.
 */
export function CleanupTab() {
  const [preview, setPreview] = useState<CleanupPreview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  const [job, setJob] = useState<CleanupJob | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [logsGeneration, setLogsGeneration] = useState(0);

  // A run started earlier (from this page before it was closed, another admin, another instance) is shown on arrival.
  useEffect(() => {
    api.get<CurrentCleanupJob>('/api/admin/redis/cleanup/jobs/current').then(
      ({ job: current }) => {
        if (current?.state === 'running') setJob(current);
      },
      () => undefined,
    );
  }, []);

  const runPreview = async () => {
    setPreviewing(true);
    setPreviewError(null);
    try {
      setPreview(await api.get<CleanupPreview>('/api/admin/redis/cleanup/preview', { limit: 200 }));
    } catch (err) {
      setPreviewError(err);
    } finally {
      setPreviewing(false);
    }
  };

  const execute = async () => {
    setStarting(true);
    setStartError(null);
    try {
      const started = await api.post<CleanupJob | CleanupRun>('/api/admin/redis/cleanup');
      setConfirming(false);
      setNotice(null);
      if ('job_id' in started) setJob(started);
      else setJob(finishedJobOf(started));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'cleanup_running') {
        setConfirming(false);
        setNotice('A cleanup is already running (started elsewhere); this one was not started. Its progress is shown below.');
        api.get<CurrentCleanupJob>('/api/admin/redis/cleanup/jobs/current').then(
          ({ job: current }) => {
            if (current !== null) setJob(current);
          },
          () => undefined,
        );
      } else {
        setStartError(err);
      }
    } finally {
      setStarting(false);
    }
  };

  return (
    <>
      <p class="lead">
        Index entries can outlive the records they point at. A cleanup finds and removes them; it never touches a live token, session or
        ban.
      </p>
      <div class="row">
        <button type="button" class="button" onClick={() => void runPreview()} disabled={previewing}>
          {previewing ? 'Looking…' : preview ? 'Preview again' : 'Preview'}
        </button>
        <button
          type="button"
          class="button button-danger"
          disabled={job?.state === 'running'}
          onClick={() => {
            setStartError(null);
            setConfirming(true);
          }}
        >
          Run cleanup…
        </button>
      </div>
      {notice && (
        <Notice kind="info" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      {job && (
        <JobProgress
          job={job}
          onUpdate={setJob}
          onFinished={() => {
            // What the last preview listed is gone or kept for a reason now: preview again to see.
            setPreview(null);
            setLogsGeneration((g) => g + 1);
          }}
        />
      )}
      {previewError ? (
        <ErrorState error={previewError} onRetry={() => void runPreview()} />
      ) : previewing && !preview ? (
        <Loading label="Looking for stale entries…" />
      ) : null}
      {preview && <PreviewView preview={preview} />}
      <CleanupLogs generation={logsGeneration} />
      {confirming && (
        <ConfirmDialog
          title="Run a cleanup now?"
          confirmLabel="Run cleanup"
          danger
          busy={starting}
          error={startError}
          onCancel={() => setConfirming(false)}
          onConfirm={() => void execute()}
        >
          <p>
            {preview
              ? `The last preview found ${count(preview.found)} stale entries (${bytes(preview.freeable_bytes)}). The run removes what is stale when it gets there; anything refreshed meanwhile is kept.`
              : 'The run removes every stale entry it finds; anything refreshed meanwhile is kept. Preview first to see what would go.'}
          </p>
          <p>It runs on the gateway: closing this page does not stop it.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function PreviewView({ preview }: { preview: CleanupPreview }) {
  return (
    <section class="panel section" aria-labelledby="preview-title">
      <h2 id="preview-title">What would be removed</h2>
      <p>
        <strong>{count(preview.found)}</strong> stale entries, <strong>{bytes(preview.freeable_bytes)}</strong> of memory to free (measured
        with MEMORY USAGE), found {localTime(preview.generated_at)} in {count(preview.duration_ms)} ms.
      </p>
      <CategoryTable categories={preview.categories} label="Stale entries by category" />
      {preview.items.length > 0 && (
        <p class="muted">
          First {count(preview.items.length)} items{preview.items_truncated ? ` of ${count(preview.found)}` : ''}:{' '}
          {[...new Set(preview.items.map((i) => i.category))].map((c) => (
            <CategoryBadge key={c} category={c} />
          ))}
        </p>
      )}
      <JsonView value={preview} summary="Show as JSON" />
    </section>
  );
}

/** Follows a running job once a second; says what it has done so far. */
function JobProgress({ job, onUpdate, onFinished }: { job: CleanupJob; onUpdate: (job: CleanupJob) => void; onFinished: () => void }) {
  // The logs are reloaded once per finished job.
  const reported = useRef<string | null>(null);
  useEffect(() => {
    if (job.state !== 'running') {
      if (reported.current !== job.job_id) {
        reported.current = job.job_id;
        onFinished();
      }
      return undefined;
    }
    const timer = setTimeout(() => {
      api.get<CleanupJob>(`/api/admin/redis/cleanup/jobs/${encodeURIComponent(job.job_id)}`).then(onUpdate, () => onUpdate({ ...job }));
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);

  const running = job.state === 'running';
  return (
    <section class={`progress${job.state === 'failed' ? ' progress-failed' : ''}`} aria-labelledby="job-title">
      <h2 id="job-title">{running ? 'Cleanup running' : job.state === 'failed' ? 'Cleanup failed' : 'Cleanup finished'}</h2>
      <progress max={Math.max(job.found, 1)} value={running ? job.deleted : Math.max(job.found, 1)} aria-labelledby="job-title" />
      <p role="status" class="job-status">
        {running ? `${phaseLabel(job.phase)}: ` : ''}scanned {count(job.scanned)}, found {count(job.found)}, deleted {count(job.deleted)},
        freed {bytes(job.freed_bytes)}
        {!running && job.finished_at ? ` (finished ${localTime(job.finished_at)})` : ''}.
      </p>
      {job.error && <p class="field-error">{job.error}</p>}
      <p class="muted">
        Started by {job.actor} at {localTime(job.started_at)}.
      </p>
    </section>
  );
}

function phaseLabel(phase: string): string {
  const labels: Record<string, string> = {
    starting: 'Starting',
    scanning: 'Scanning',
    removing: 'Removing',
    measuring: 'Measuring',
    logging: 'Writing the log',
    done: 'Done',
  };
  return labels[phase] ?? phase;
}

/** An older gateway answers the whole run at once: shown as a finished job. */
function finishedJobOf(run: CleanupRun): CleanupJob {
  return {
    job_id: run.run_id,
    run_id: run.run_id,
    state: run.error ? 'failed' : 'finished',
    phase: 'done',
    actor: run.actor,
    started_at: run.started_at,
    updated_at: run.finished_at,
    finished_at: run.finished_at,
    scanned: run.found,
    found: run.found,
    deleted: run.deleted,
    freed_bytes: run.freed_bytes,
    error: run.error,
  };
}
