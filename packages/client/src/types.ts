import type { components } from './generated/openapi.js';

/** The API's named schemas, generated from its OpenAPI document (src/generated/openapi.ts). */
export type Schemas = components['schemas'];

export type Note = Schemas['Note'];
export type NoteInput = Schemas['NoteInput'];
export type NotePatch = Schemas['NotePatch'];
export type NoteReplacement = Schemas['NoteReplacement'];
export type Photo = Schemas['Photo'];
export type PhotoVariant = Schemas['PhotoVariant'];
export type NewPhoto = Schemas['NewPhoto'];
export type UploadTicket = Schemas['UploadTicket'];
export type TokenPair = Schemas['TokenPair'];
export type LoginResult = Schemas['LoginResult'];
export type Identity = Schemas['Identity'];
export type SearchHit = Schemas['SearchHit'];
export type Suggestion = Schemas['Suggestion'];
export type { components, operations, paths } from './generated/openapi.js';
