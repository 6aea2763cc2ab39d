/** The Messenger's look, on the shell's classes; adopted as a constructed sheet (CSP). */
export const MESSENGER_CSS = `
.ra-messenger { display: grid; gap: .75rem; }
.ra-messenger h2 { margin: 0; }
.ra-messenger > div:empty { display: none; }
.ra-messenger h3 { margin: .25rem 0 0; font-size: 1rem; }
.ra-messenger .ra-form { max-width: none; }
.ra-messenger-lead { margin: 0; }
.ra-messenger-hint { margin: 0; font-size: .9rem; font-weight: normal; color: var(--ra-muted); }
.ra-messenger-check { display: flex !important; gap: .5rem; align-items: center; font-weight: normal !important; }
.ra-messenger-in { display: grid; gap: .75rem; }
.ra-messenger-me { display: grid; gap: .4rem; padding: .6rem .75rem; border-radius: .5rem; background: #f1f5fa; }
.ra-messenger-me p { margin: 0; }
.ra-messenger-presence { display: flex; gap: .6rem; align-items: center; font-weight: 600; white-space: nowrap; }
.ra-messenger-presence select { flex: 1; min-width: 0; }
.ra-messenger-connection::before { content: "● "; }
.ra-messenger-connection[data-state="connected"]::before { color: #2e9d46; }
.ra-messenger-connection[data-state="connecting"]::before { content: "◌ "; color: #a86b00; }
.ra-messenger-connection[data-state="offline"] { color: var(--ra-danger-text); }
.ra-messenger-connection[data-state="offline"]::before { content: "○ "; }
.ra-messenger-contacts { list-style: none; margin: 0; padding: 0; display: grid; gap: .35rem; }
/* A contact: the dot and the name on the first line, the presence in words and the actions on the second. */
.ra-messenger-contact { display: grid; grid-template-columns: auto minmax(0, 1fr) auto; align-items: center; gap: .15rem .6rem; padding: .4rem .5rem; border: 1px solid #e3e8ef; border-radius: .5rem; }
.ra-messenger-contact > .ra-presence-dot { grid-row: 1; }
.ra-messenger-name { grid-column: 2 / -1; overflow-wrap: anywhere; }
.ra-messenger-state { grid-column: 2; font-size: .9rem; color: var(--ra-muted); }
.ra-messenger-state[data-presence="busy"] { color: #a3261c; font-weight: 600; }
.ra-messenger-state[data-presence="online"] { color: #1e6b2d; font-weight: 600; }
.ra-messenger-actions { grid-column: 3; grid-row: 2; display: flex; gap: .35rem; flex-wrap: wrap; align-items: center; justify-content: flex-end; }
.ra-messenger-confirm { grid-column: 1 / -1; grid-row: auto; }
.ra-messenger-actions > span { font-size: .9rem; }
.ra-messenger-confirm > span { flex: 1 0 100%; text-align: right; }
.ra-messenger-actions .ra-btn { min-height: 2.1rem; padding: .15rem .6rem; font-size: .85rem; }
.ra-messenger-empty { color: var(--ra-muted); }
.ra-messenger-add label { font-weight: 600; }
.ra-messenger-add .ra-row input { flex: 1; min-width: 8rem; }
/* Each presence has its own shape as well as its colour: a filled disc, a disc with a bar, a half disc, a ring. */
.ra-presence-dot { flex: none; width: .9rem; height: .9rem; border-radius: 50%; box-sizing: border-box; position: relative; }
.ra-presence-dot[data-presence="online"] { background: #2e9d46; }
.ra-presence-dot[data-presence="busy"] { background: #c62828; }
.ra-presence-dot[data-presence="busy"]::after { content: ""; position: absolute; left: 20%; right: 20%; top: 42%; height: 16%; background: #fff; }
.ra-presence-dot[data-presence="away"] { border: 2px solid #c98a00; background: linear-gradient(90deg, #c98a00 50%, transparent 50%); }
.ra-presence-dot[data-presence="offline"] { border: 2px solid #7a8494; }
.ra-presence-dot[data-presence="none"] { border: 2px dashed #b8c4d3; }
.ra-messenger-offers > .ra-messenger-offer-stack { display: grid; gap: 1rem; max-width: 32rem; width: calc(100% - 2rem); }
.ra-messenger-offer h2 { margin-top: 0; font-size: 1.35rem; color: #1d4f85; }
.ra-messenger-offer .ra-form p { margin: 0; }
.ra-messenger-offer-message q { font-style: italic; }
`;
