/** Capabilities a plugin must declare in its manifest, and that policy must grant, before it may use them. */
export const PERMISSIONS = ['capture', 'input', 'network', 'mail', 'microphone', 'filesystem'] as const;
export type Permission = (typeof PERMISSIONS)[number];
