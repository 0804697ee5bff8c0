/**
 * Model commands shared by the bot, the API and the dashboard: find a model by what an admin types, pause it
 * (its scheduled publications are held; beginPublication also holds any that comes due) and resume it (held
 * publications whose account is active go back to waiting for their time).
 */
import type { Db } from '../db/client.js';
import { listModels, pauseModelHolding, resumeModelReleasing } from '../db/models.js';
import { recordEvent } from '../db/events.js';
import type { Model } from '../db/schema.js';
import { ServiceError } from './errors.js';
import { releasePublications, type PublicationServiceDeps } from './publications.js';

/** Resuming signals publication workflows, so models need what publication controls need. */
export type ModelServiceDeps = PublicationServiceDeps;

const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ');

/**
 * The model an admin means: an exact id, an exact name (case and accents ignored), or the only name that starts
 * with / contains the text. Ambiguity is an error that lists the candidates.
 */
export async function resolveModel(db: Db, query: string): Promise<Model> {
  const wanted = fold(query);
  if (!wanted) throw new ServiceError('invalid', 'missing_model', 'name a model');
  const all = await listModels(db);
  const exact = all.filter((m) => m.id === query.trim() || fold(m.name) === wanted);
  if (exact.length === 1) return exact[0]!;
  for (const match of [(m: Model) => fold(m.name).startsWith(wanted), (m: Model) => fold(m.name).includes(wanted)]) {
    const found = all.filter(match);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const candidates = found.map((m) => m.name);
      throw new ServiceError('conflict', 'ambiguous_model', `"${query}" matches ${candidates.join(', ')}`, { candidates });
    }
  }
  throw new ServiceError('not_found', 'unknown_model', `no model named "${query}"`);
}

export async function pauseModel(deps: Pick<ModelServiceDeps, 'db'>, modelId: string, input: { actor: string; reason?: string }) {
  const held = await pauseModelHolding(deps.db, modelId);
  await recordEvent(deps.db, 'model_paused', { reason: input.reason, held: held.map((p) => p.id) }, { modelId, actor: input.actor });
  return { modelId, held: held.map((p) => p.id) };
}

export async function resumeModel(deps: ModelServiceDeps, modelId: string, input: { actor: string }) {
  const released = await resumeModelReleasing(deps.db, modelId);
  await recordEvent(deps.db, 'model_resumed', { released: released.map((p) => p.id) }, { modelId, actor: input.actor });
  await releasePublications(deps, released.map((p) => p.id), input.actor);
  return { modelId, released: released.map((p) => p.id) };
}
