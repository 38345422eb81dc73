// The contract's data-testids (section 5) as the history's `observe` entries name them: what the
// latency probe (fixtures/probe.ts) watches and what the steady-state samples and the checkers read.
// The sets nest (audio ⊂ rows ⊂ versioned ⊂ watched), so a view the app adds is named once, in the
// narrowest set it belongs to, and every reader of a wider set sees it.

/** An audio file's two views: its dashboard row and its detail page. */
export const AUDIO_TESTIDS = ['audio-row', 'audio-detail'] as const;

/** Views of one row, named by `data-id`, whose owner can be known: audio files and transcript runs. */
export const ROW_TESTIDS = [...AUDIO_TESTIDS, 'run-row'] as const;

/** Views of a version of server data (`data-updated-at`): the rows and the usage panel (no `data-id`). */
export const VERSIONED_TESTIDS = [...ROW_TESTIDS, 'usage-panel'] as const;
export type VersionedTestid = (typeof VERSIONED_TESTIDS)[number];

/** What the probe records every change of: the versioned views, notifications and the connection status. */
export const WATCHED_TESTIDS = [...VERSIONED_TESTIDS, 'notification', 'connection-status'] as const;
