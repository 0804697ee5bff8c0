/** Models: the one-time Telegram link code the admin hands to a model (she sends `/start CODE` to the bot). */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime } from './common.js';

export const TelegramLinkBody = Type.Object(
  { ttlHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 30, description: 'default TELEGRAM_LINK_CODE_HOURS' })) },
  { additionalProperties: false },
);
export type TelegramLinkBody = Static<typeof TelegramLinkBody>;

export const TelegramLinkCode = Type.Object({ code: Type.String(), expiresAt: IsoTime });
export type TelegramLinkCode = Static<typeof TelegramLinkCode>;
