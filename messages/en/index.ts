/** The English catalogue: same shape as the Spanish one (checked by `satisfies`). */
import type { Catalogue } from '../es/index.js';
import { bot } from './bot.js';
import { dashboard } from './dashboard.js';
import { events } from './events.js';
import { media } from './media.js';
import { notices } from './notices.js';
import { notify } from './notify.js';

export const en = { events, notices, bot, media, dashboard, notify } satisfies Catalogue;
