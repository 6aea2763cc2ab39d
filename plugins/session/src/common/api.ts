/**
 * What `ra.session` publishes for other plugins (`@ra/plugin-session/api`): the hooks of the
 * invitation and session flows, the Invitation and Session models, the channel and panel
 * contracts, the consent scopes, the policy section and the invitation file. Browser-safe.
 */
export * from './channel.js';
export * from './hooks.js';
export * from './indicator.js';
export * from './invitation.js';
export * from './names.js';
export * from './panel.js';
export * from './policy.js';
export * from './views.js';

export const INVITATION_FILE_NAME = 'RAInvitation.msrcincident';
/** The invitation file's type: the one `ra integrate desktop` registers, so a double-click opens RA. */
export const INVITATION_MEDIA_TYPE = 'application/x-msrcincident';
