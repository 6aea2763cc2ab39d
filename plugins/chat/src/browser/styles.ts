/** The chat panel's look, on the shell's colours so it follows light and dark; adopted as a constructed sheet (CSP). */
export const CHAT_CSS = `
.ra-chat { display: grid; gap: .75rem; padding: 1rem 1.25rem; background: var(--ra-surface); border: 1px solid var(--ra-border); border-radius: var(--ra-radius); }
.ra-chat h2 { margin: 0; font-size: 1.15rem; }
.ra-chat-log { display: flex; flex-direction: column; gap: .6rem; min-height: 8rem; max-height: 24rem; overflow-y: auto; padding: .5rem; border-radius: 8px; background: var(--ra-bg); }
.ra-chat-log:empty::before { content: attr(data-empty); margin: auto; color: var(--ra-muted); }
.ra-chat-log:focus-visible { outline: 3px solid var(--ra-accent); outline-offset: 2px; }
.ra-chat-message { align-self: flex-start; max-width: 85%; padding: .45rem .8rem; border-radius: var(--ra-radius); background: var(--ra-surface); border: 1px solid var(--ra-border); }
.ra-chat-message.mine { align-self: flex-end; background: color-mix(in srgb, var(--ra-accent) 12%, var(--ra-surface)); }
.ra-chat-meta { display: flex; gap: .75rem; align-items: baseline; font-size: .85rem; color: var(--ra-muted); }
.ra-chat-from { font-weight: 600; color: var(--ra-text); }
.ra-chat-text { margin: .15rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.ra-chat-form { display: grid; grid-template-columns: 1fr auto; gap: .4rem .6rem; align-items: end; }
.ra-chat-form label { grid-column: 1 / -1; font-weight: 600; }
.ra-chat-form textarea { min-height: 3rem; resize: vertical; }
/* Docked beside the helper's screen, the chat takes the dock's remaining height and its log scrolls inside. */
.ra-panel[data-dock="side"]:has(> .ra-chat) { flex: 1 1 auto; min-height: 15rem; display: flex; flex-direction: column; }
.ra-panel[data-dock="side"] > .ra-chat { flex: 1; min-height: 0; grid-template-rows: auto minmax(5rem, 1fr) auto; gap: .5rem; padding: .75rem; }
.ra-panel[data-dock="side"] .ra-chat h2 { font-size: 1rem; }
.ra-panel[data-dock="side"] .ra-chat-log { min-height: 0; max-height: none; }
.ra-panel[data-dock="side"] .ra-chat-form { grid-template-columns: 1fr; }
.ra-panel[data-dock="side"] .ra-chat-form .ra-btn { justify-self: end; }
.ra-chat-error { grid-column: 1 / -1; margin: 0; padding: .5rem .8rem; border-radius: 8px; background: var(--ra-danger-bg); color: var(--ra-danger-text); }
`;
