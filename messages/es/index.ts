/** The Spanish catalogue: every sentence a person reads, by section. Spanish is the product language (PRD). */
import { bot } from './bot.js';
import { dashboard } from './dashboard.js';
import { events } from './events.js';
import { media } from './media.js';
import { notices } from './notices.js';
import { notify } from './notify.js';

export const es = { events, notices, bot, media, dashboard, notify };

/** The shape every language's catalogue must have (the English one is checked against it). */
export type Catalogue = typeof es;
