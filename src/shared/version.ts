/** Replaced at build time by the bundlers; falls back for tests that run the sources directly. */
declare const __HYPERMESH_VERSION__: string | undefined;

export const APP_VERSION: string = typeof __HYPERMESH_VERSION__ === 'string' ? __HYPERMESH_VERSION__ : '0.0.0-dev';
