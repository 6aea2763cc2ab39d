/**
 * What `ra.session` publishes for other plugins (`@ra/plugin-session/api`): the hooks of the
 * invitation and session flows, the consent scopes, the policy section and the invitation file.
 */
export * from './hooks.js';
export * from './policy.js';

export const INVITATION_FILE_NAME = 'RAInvitation.msrcincident';
export const INVITATION_MEDIA_TYPE = 'application/x-msrcincident+xml';
