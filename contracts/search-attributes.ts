/** Typed search attribute keys of the Temporal Web UI (registered by temporal-dev.yaml, and at startup elsewhere). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ModelNameKey = defineSearchAttributeKey('ModelName', SearchAttributeType.KEYWORD);
export const PlatformKey = defineSearchAttributeKey('Platform', SearchAttributeType.KEYWORD);
export const ContentIdKey = defineSearchAttributeKey('ContentId', SearchAttributeType.KEYWORD);
export const PublicationStatusKey = defineSearchAttributeKey('PublicationStatus', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [ModelNameKey, PlatformKey, ContentIdKey, PublicationStatusKey];
