/** Redis cleanup: what is stale, remove it, past runs. */
import { CleanupController } from '../../cleanup/cleanup.controller.js';
import { CleanupService } from '../../cleanup/cleanup.service.js';
import { CleanupLogsQueryDto } from '../../cleanup/dto/cleanup-logs-query.dto.js';
import { CleanupPreviewQueryDto } from '../../cleanup/dto/cleanup-preview-query.dto.js';
import { CleanupRunIdParamDto } from '../../cleanup/dto/cleanup-run-id-param.dto.js';
import { CleanupRunDto } from '../../cleanup/dto/cleanup-run.dto.js';
import { CLI_ACTOR, type CliCommand, type Column, pick, str } from '../cli-command.js';
import { validated } from '../cli-validation.js';

/** Items listed in a run's answer, as the REST API lists them; the run's log keeps up to 10,000. */
const ANSWER_ITEMS = 1000;

const CATEGORY_COLUMNS: readonly Column[] = [
  ['CATEGORY', 'category'],
  ['COUNT', 'count'],
  ['BYTES', 'bytes'],
];
const ITEM_COLUMNS: readonly Column[] = [
  ['CATEGORY', 'category'],
  ['KEY', 'key'],
  ['MEMBER', 'member'],
  ['REASON', 'reason'],
];

export const cleanupCommands: CliCommand[] = [
  {
    name: 'cleanup preview',
    summary: 'What is stale in Redis now, and the memory removing it would free; changes nothing',
    flags: { limit: { type: 'string', value: 'N', description: 'items listed in detail, 0 to 1000 (default 100)' } },
    tables: { categories: CATEGORY_COLUMNS, items: ITEM_COLUMNS },
    async run(app, flags) {
      return app.get(CleanupController).previewCleanup(await validated(CleanupPreviewQueryDto, pick(flags, ['limit'])));
    },
  },
  {
    name: 'cleanup run',
    summary: 'Remove what is stale now (one run at a time, in every replica); logged like a manual run from the API',
    flags: {},
    audit: { action: 'cleanup.execute', target: () => undefined },
    tables: { categories: CATEGORY_COLUMNS, items: ITEM_COLUMNS },
    async run(app) {
      return CleanupRunDto.fromRun(await app.get(CleanupService).execute(CLI_ACTOR, 'manual'), ANSWER_ITEMS);
    },
  },
  {
    name: 'cleanup logs',
    summary: 'Past cleanup runs (manual and scheduled), newest first; --id shows one with the items it removed',
    flags: {
      id: { type: 'string', value: 'RUN_ID', description: 'one run, with its removed items' },
      limit: { type: 'string', value: 'N', description: 'runs per page, 1 to 500 (default 50)' },
      cursor: { type: 'string', value: 'CURSOR', description: 'the next_cursor of the previous page' },
    },
    tables: {
      items: [
        ['RUN', 'run_id'],
        ['TRIGGER', 'trigger'],
        ['ACTOR', 'actor'],
        ['STARTED', 'started_at'],
        ['FOUND', 'found'],
        ['DELETED', 'deleted'],
        ['FREED BYTES', 'freed_bytes'],
        ['ERROR', 'error'],
      ],
      categories: CATEGORY_COLUMNS,
    },
    async run(app, flags) {
      const controller = app.get(CleanupController);
      const id = str(flags, 'id');
      if (id !== undefined) return controller.getCleanupLog(await validated(CleanupRunIdParamDto, { run_id: id }, 'param'));
      return controller.listCleanupLogs(await validated(CleanupLogsQueryDto, pick(flags, ['limit', 'cursor'])));
    },
  },
];
