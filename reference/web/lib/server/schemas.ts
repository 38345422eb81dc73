import { z } from 'zod';

const mutationId = z.string().uuid('mutationId must be a UUID');
const baseUpdatedAt = z.string().datetime({ offset: true, message: 'baseUpdatedAt must be an ISO timestamp' });

export const CreateAudio = z.object({
  mutationId,
  id: z.string().uuid().optional(),
  name: z.string().trim().min(1, 'name is required').max(255, 'name is longer than 255 characters'),
  durationMs: z.number().int().min(0).max(24 * 3600 * 1000).optional(),
}).strict();

export const RenameAudio = z.object({ mutationId, baseUpdatedAt, name: z.string().trim().min(1, 'name is required').max(255) }).strict();
export const DeleteAudio = z.object({ mutationId, baseUpdatedAt }).strict();
export const Retry = z.object({ mutationId }).strict();
export const Id = z.string().uuid('id must be a UUID');
export const Since = z.string().datetime({ offset: true, message: 'since must be an ISO timestamp' }).optional();

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
