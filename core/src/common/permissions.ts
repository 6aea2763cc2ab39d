/** Capabilities a plugin must declare in its manifest, and that policy must grant, before it may use them. */
export const PERMISSIONS = ['capture', 'input', 'network', 'mail', 'microphone', 'filesystem'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Permissions for which no kernel service exists to guard (a plugin uses `node:fs` directly). Policy
 * cannot withhold them at the point of use, so a plugin that needs one the policy denies does not load.
 */
export const UNGUARDED_PERMISSIONS: readonly Permission[] = ['filesystem'];
