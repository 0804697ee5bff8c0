/**
 * The two helpers the catalogue's HTML texts need (the bot sends parse_mode HTML): every value a sentence
 * carries goes through `esc`; ids are shown by their first 8 hex digits. Pure.
 */
export const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The short id people read and type: the first 8 hex digits of a UUID. */
export const shortId = (id: string) => id.slice(0, 8);

/** `#1a2b3c4d, #5e6f7a8b`: the ids of a list as people read them. */
export const shortIds = (list: readonly string[]) => list.map((id) => `#${shortId(id)}`).join(', ');
