/** Failure evidence of a publication: the attempts with their files, and each file. */
import { Type, type Static } from '@sinclair/typebox';
import { evidenceFiles } from '../evidence.js';
import { StringEnum, Uuid } from './common.js';

export const EvidenceFileName = StringEnum(evidenceFiles);
export type EvidenceFileName = Static<typeof EvidenceFileName>;

export const EvidenceFileView = Type.Object({ name: Type.String(), size: Type.Integer(), url: Type.String() });
export type EvidenceFileView = Static<typeof EvidenceFileView>;

export const EvidenceAttempt = Type.Object({
  attempt: Type.Integer(),
  files: Type.Array(EvidenceFileView),
  /** info.json as written (url, error, at, files, problems), or null when missing or unreadable: best effort, untyped. */
  info: Type.Unknown(),
});
export type EvidenceAttempt = Static<typeof EvidenceAttempt>;

export const EvidenceList = Type.Object({ attempts: Type.Array(EvidenceAttempt) });
export type EvidenceList = Static<typeof EvidenceList>;

export const EvidenceFileParams = Type.Object({
  id: Uuid,
  attempt: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  file: EvidenceFileName,
});
export type EvidenceFileParams = Static<typeof EvidenceFileParams>;
